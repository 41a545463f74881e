#include "common/auth/session_store.h"

#include "absl/strings/str_cat.h"
#include "common/auth/session_token.h"
#include "common/redis/keys.h"
#include "common/status/errors.h"

namespace gracilis {
namespace {

// A session's idle TTL is refreshed only when it has lost more than this,
// so most authenticated calls are read-only in Redis (no AOF write).
constexpr absl::Duration kTouchGranularity = absl::Minutes(1);

int64_t UnixMillis(absl::Time t) { return absl::ToUnixMillis(t); }

}  // namespace

std::string SessionKey(absl::string_view user_id, absl::string_view hash) {
  return UserKey(user_id, absl::StrCat("session:", hash));
}

std::string SessionIndexKey(absl::string_view user_id) {
  return UserKey(user_id, "sessions");
}

SessionConfig SessionConfig::Read(ConfigSource& source) {
  SessionConfig config;
  config.idle_timeout = source.Duration(
      "session_idle_timeout", config.idle_timeout, absl::Minutes(1),
      absl::Hours(24 * 365), "a session ends after this long unused");
  config.lifetime = source.Duration("session_lifetime", config.lifetime,
                                    absl::Minutes(1), absl::Hours(24 * 365),
                                    "a session ends this long after login");
  return config;
}

const FunctionLibrary& RedisSessionStore::Functions() {
  static const auto* library = new FunctionLibrary(MakeUserFunctionLibrary(
      "gracilis_session", 2,
      R"lua(-- KEYS: session, index, profile. ARGV: hash, now_ms, expire_ms, idle_ms.
-- Creates a session if the user still exists; trims ended ones from the index.
redis.register_function('session_create', function(keys, args)
  if redis.call('EXISTS', keys[3]) == 0 then return 0 end
  local now, expire, idle = tonumber(args[2]), tonumber(args[3]), tonumber(args[4])
  redis.call('ZREMRANGEBYSCORE', keys[2], '-inf', now)
  redis.call('SET', keys[1], expire, 'PX', math.min(idle, expire - now))
  redis.call('ZADD', keys[2], expire, args[1])
  redis.call('PEXPIREAT', keys[2], expire)
  return 1
end)

-- KEYS: session. ARGV: now_ms, idle_ms, touch_granularity_ms.
-- 1 if the session is live (refreshing its idle TTL when due), else 0.
redis.register_function('session_touch', function(keys, args)
  if session_live(keys[1], tonumber(args[1]), tonumber(args[2]),
                  tonumber(args[3])) then
    return 1
  end
  return 0
end)

-- KEYS: session, index. ARGV: hash. Called through the entry point, so
-- only a live session revokes itself.
register_user_function('session_revoke', function(keys, args)
  redis.call('DEL', keys[1])
  redis.call('ZREM', keys[2], args[1])
  return 1
end)
)lua"));
  return *library;
}

RedisSessionStore::RedisSessionStore(RedisClient& redis, const Clock& clock,
                                     SessionConfig config)
    : redis_(redis), clock_(clock), config_(config) {}

void RedisSessionStore::Create(const std::string& user_id, absl::Time deadline,
                               Done<IssuedSession> done) {
  const absl::Time now = clock_.Now();
  IssuedSession session{NewSessionToken(user_id), now + config_.lifetime,
                        config_.idle_timeout};
  const std::string hash = ParseSessionToken(session.token)->secret_hash;
  std::vector<std::string> args = {
      hash, absl::StrCat(UnixMillis(now)),
      absl::StrCat(UnixMillis(session.expire_time)),
      absl::StrCat(absl::ToInt64Milliseconds(config_.idle_timeout))};
  redis_.Call(
      "session_create",
      {SessionKey(user_id, hash), SessionIndexKey(user_id),
       UserKey(user_id, "profile")},
      std::move(args),
      [session = std::move(session),
       done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          std::move(done)(reply.status());
        } else if (reply->integer != 1) {
          std::move(done)(absl::NotFoundError("account no longer exists"));
        } else {
          std::move(done)(std::move(session));
        }
      },
      deadline);
}

std::optional<Caller> RedisSessionStore::CallerFor(
    const std::string& token) const {
  std::optional<ParsedToken> parsed = ParseSessionToken(token);
  if (!parsed.has_value()) {
    return std::nullopt;
  }
  SessionCheck check = CheckFor(*parsed);
  return Caller(std::move(parsed->user_id), std::move(check));
}

SessionCheck RedisSessionStore::CheckFor(const ParsedToken& token) const {
  return {SessionKey(token.user_id, token.secret_hash),
          {absl::StrCat(UnixMillis(clock_.Now())),
           absl::StrCat(absl::ToInt64Milliseconds(config_.idle_timeout)),
           absl::StrCat(absl::ToInt64Milliseconds(kTouchGranularity))}};
}

void RedisSessionStore::Resolve(const std::string& token, absl::Time deadline,
                                Done<std::string> done) {
  std::optional<ParsedToken> parsed = ParseSessionToken(token);
  if (!parsed.has_value()) {
    std::move(done)(InvalidSession());
    return;
  }
  // Built before the call: the callback takes the user id by move, and
  // argument evaluation order is unspecified.
  SessionCheck check = CheckFor(*parsed);
  redis_.Call(
      "session_touch", {std::move(check.key)}, std::move(check.args),
      [user_id = std::move(parsed->user_id),
       done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          std::move(done)(reply.status());
        } else if (reply->integer != 1) {
          std::move(done)(InvalidSession());
        } else {
          std::move(done)(std::move(user_id));
        }
      },
      deadline);
}

void RedisSessionStore::Revoke(const std::string& token, absl::Time deadline,
                               DoneStatus done) {
  std::optional<ParsedToken> parsed = ParseSessionToken(token);
  if (!parsed.has_value()) {
    std::move(done)(InvalidSession());
    return;
  }
  SessionCheck check = CheckFor(*parsed);
  std::string key = check.key;
  const Caller caller(parsed->user_id, std::move(check));
  caller.Call(redis_, Functions(), "session_revoke",
              {std::move(key), SessionIndexKey(parsed->user_id)},
              {parsed->secret_hash}, StatusOnly(std::move(done)), deadline);
}

}  // namespace gracilis
