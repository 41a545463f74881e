#include "common/auth/caller.h"

#include "absl/strings/str_cat.h"
#include "common/status/errors.h"

namespace gracilis {
namespace {

// What the entry point answers for a session that is not live: a status
// reply, which no user function returns.
constexpr absl::string_view kNoSession = "SESSION_INVALID";

// Included at the top of every user function library.
constexpr absl::string_view kPrelude = R"lua(
-- The session rule (common/auth/caller.cc), the only copy: a session key
-- holds its absolute expiry (unix ms) and expires itself after the idle
-- timeout. Live if present and not past its expiry; the idle TTL is pushed
-- back only when it has lost more than `granularity` ms, so most calls
-- write nothing for it. The TTL is the whole idle timeout even near the
-- expiry (the value ends the session then), so that it always tells when
-- the session was last used (ListSessions). An ended session is deleted.
local function session_live(key, now, idle, granularity)
  local expire = redis.call('GET', key)
  if not expire then return false end
  expire = tonumber(expire)
  if now >= expire then
    redis.call('DEL', key)
    return false
  end
  if idle - redis.call('PTTL', key) > granularity then
    redis.call('PEXPIRE', key, idle)
  end
  return true
end

local user_functions = {}
local function register_user_function(name, callback, flags)
  user_functions[name] = callback
  redis.register_function{function_name = name, callback = callback,
                          flags = flags}
end

-- t[from..] as a new list (not unpack: a sync batch can exceed Lua's
-- stack).
local function tail(t, from)
  local out = {}
  for i = from, #t do out[#out + 1] = t[i] end
  return out
end
)lua";

// Appended: the library's entry point for callers with a session.
std::string EntryPoint(absl::string_view library) {
  return absl::StrCat(R"lua(
-- KEYS: the caller's session, then the function's keys. ARGV: now_ms,
-- idle_ms, touch granularity ms, the function's name, then its args.
redis.register_function(')lua",
                      library, R"lua(_as_user', function(keys, args)
  if not session_live(keys[1], tonumber(args[1]), tonumber(args[2]),
                      tonumber(args[3])) then
    return {ok = ')lua",
                      kNoSession, R"lua('}
  end
  local callback = user_functions[args[4]]
  if not callback then
    return redis.error_reply('ERR not a user function: ' .. args[4])
  end
  return callback(tail(keys, 2), tail(args, 5))
end)
)lua");
}

}  // namespace

absl::Status InvalidSession() {
  return WithReason(
      absl::UnauthenticatedError("session is invalid, expired or revoked; "
                                 "log in again"),
      "SESSION_INVALID");
}

FunctionLibrary MakeUserFunctionLibrary(absl::string_view name, int version,
                                        absl::string_view functions) {
  return MakeFunctionLibrary(
      name, version, absl::StrCat(kPrelude, functions, EntryPoint(name)));
}

void Caller::Call(RedisClient& redis, const FunctionLibrary& library,
                  absl::string_view function, std::vector<std::string> keys,
                  std::vector<std::string> args, RedisClient::Callback done,
                  absl::Time deadline) const {
  if (!session_.has_value()) {
    redis.Call(function, std::move(keys), std::move(args), std::move(done),
               deadline);
    return;
  }
  std::vector<std::string> all_keys;
  all_keys.reserve(keys.size() + 1);
  all_keys.push_back(session_->key);
  std::move(keys.begin(), keys.end(), std::back_inserter(all_keys));
  std::vector<std::string> all_args = session_->args;
  all_args.reserve(all_args.size() + 1 + args.size());
  all_args.emplace_back(function);
  std::move(args.begin(), args.end(), std::back_inserter(all_args));
  redis.Call(
      absl::StrCat(library.name, "_as_user"), std::move(all_keys),
      std::move(all_args),
      [confirmed = confirmed_,
       done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (reply.ok() && reply->type == RedisReply::Type::kStatus &&
            reply->str == kNoSession) {
          std::move(done)(InvalidSession());
          return;
        }
        if (reply.ok()) {
          confirmed->store(true);
        }
        std::move(done)(std::move(reply));
      },
      deadline);
}

}  // namespace gracilis
