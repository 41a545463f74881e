#include "common/auth/session_store.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/auth/session_token.h"
#include "common/redis/keys.h"
#include "common/status/errors.h"

namespace gracilis {
namespace {

// A session's idle TTL is refreshed only when it has lost more than this,
// so most authenticated calls are read-only in Redis (no AOF write).
constexpr absl::Duration kTouchGranularity = absl::Minutes(1);
constexpr size_t kSessionIdDigits = 16;

int64_t UnixMillis(absl::Time t) { return absl::ToUnixMillis(t); }

}  // namespace

std::string SessionKey(absl::string_view user_id, absl::string_view hash) {
  return UserKey(user_id, absl::StrCat("session:", hash));
}

std::string SessionIndexKey(absl::string_view user_id) {
  return UserKey(user_id, "sessions");
}

std::string SessionDevicesKey(absl::string_view user_id) {
  return UserKey(user_id, "devices");
}

std::string SessionId(absl::string_view token_hash) {
  return std::string(token_hash.substr(0, kSessionIdDigits));
}

bool IsValidSessionId(absl::string_view id) {
  return id.size() == kSessionIdDigits &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f');
         });
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
  static const auto* library = new FunctionLibrary(
      MakeUserFunctionLibrary("gracilis_session", 3,
                              R"lua(-- A session's fields in the devices hash.
local device_fields = {':c', ':d', ':a'}  -- created ms, device, address

-- Ends the session `hash` of the user whose session keys start with
-- `prefix`: its key, its index entry and its device fields. 1 if it was
-- live.
local function end_session(prefix, index, devices, hash)
  local live = redis.call('DEL', prefix .. hash)
  redis.call('ZREM', index, hash)
  if devices then
    for _, field in ipairs(device_fields) do
      redis.call('HDEL', devices, hash .. field)
    end
  end
  return live
end

-- KEYS: session, index, profile[, devices, registry].
-- ARGV: hash, now_ms, expire_ms, idle_ms[, device, address, max sessions].
-- Creates a session if the user still exists; trims ended ones from the
-- index; past the max, ends idle-ended ones, then the oldest. (Callers of
-- version 2 pass no devices: their sessions have no device fields.)
redis.register_function('session_create', function(keys, args)
  if redis.call('EXISTS', keys[3]) == 0 then return 0 end
  local now, expire, idle = tonumber(args[2]), tonumber(args[3]), tonumber(args[4])
  local prefix = string.sub(keys[1], 1, #keys[1] - #args[1])
  local devices = keys[4]
  for _, hash in ipairs(redis.call('ZRANGEBYSCORE', keys[2], '-inf', now)) do
    end_session(prefix, keys[2], devices, hash)
  end
  if devices then
    local max = tonumber(args[7])
    if redis.call('ZCARD', keys[2]) >= max then
      for _, hash in ipairs(redis.call('ZRANGE', keys[2], 0, -1)) do
        if redis.call('EXISTS', prefix .. hash) == 0 then
          end_session(prefix, keys[2], devices, hash)
        end
      end
    end
    while redis.call('ZCARD', keys[2]) >= max do
      end_session(prefix, keys[2], devices,
                  redis.call('ZRANGE', keys[2], 0, 0)[1])
    end
    redis.call('HSET', devices, args[1] .. ':c', args[2], args[1] .. ':d',
               args[5], args[1] .. ':a', args[6])
    redis.call('PEXPIREAT', devices, expire)
    redis.call('SADD', keys[5], devices)
  end
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

-- KEYS: session, index[, devices]. ARGV: hash. Called through the entry
-- point, so only a live session revokes itself.
register_user_function('session_revoke', function(keys, args)
  end_session(string.sub(keys[1], 1, #keys[1] - #args[1]), keys[2], keys[3],
              args[1])
  return 1
end)

-- The session keys' prefix from the index key ('{u:<id>}:sessions').
local function session_prefix(index)
  return string.sub(index, 1, #index - #'sessions') .. 'session:'
end

-- KEYS: index, devices. ARGV: now_ms.
-- {hash, expire_ms, idle ttl ms left, created_ms, device, address} of each
-- live session, newest first (device fields false if it has none).
register_user_function('session_list', function(keys, args)
  local prefix = session_prefix(keys[1])
  local out = {}
  local listed = redis.call('ZREVRANGEBYSCORE', keys[1], '+inf',
                            '(' .. args[1], 'WITHSCORES')
  for i = 1, #listed, 2 do
    local hash = listed[i]
    local ttl = redis.call('PTTL', prefix .. hash)
    if ttl > 0 then
      local fields = {}
      for _, field in ipairs(device_fields) do
        fields[#fields + 1] = hash .. field
      end
      local device = redis.call('HMGET', keys[2], unpack(fields))
      out[#out + 1] = {hash, listed[i + 1], ttl, device[1], device[2],
                       device[3]}
    end
  end
  return out
end, {'no-writes'})

-- KEYS: index, devices. ARGV: session id (a prefix of its hash).
-- 1 if that session was live and has ended, else 0.
register_user_function('session_revoke_id', function(keys, args)
  if #args[1] < 16 then return 0 end
  for _, hash in ipairs(redis.call('ZRANGE', keys[1], 0, -1)) do
    if string.sub(hash, 1, #args[1]) == args[1] then
      return end_session(session_prefix(keys[1]), keys[1], keys[2], hash)
    end
  end
  return 0
end)

-- KEYS: index, devices. ARGV: the hash of the session to keep.
-- Ends every other session; how many were live.
register_user_function('session_revoke_others', function(keys, args)
  local ended = 0
  for _, hash in ipairs(redis.call('ZRANGE', keys[1], 0, -1)) do
    if hash ~= args[1] then
      ended = ended + end_session(session_prefix(keys[1]), keys[1], keys[2],
                                  hash)
    end
  end
  return ended
end)
)lua"));
  return *library;
}

RedisSessionStore::RedisSessionStore(RedisClient& redis, const Clock& clock,
                                     SessionConfig config)
    : redis_(redis), clock_(clock), config_(config) {}

void RedisSessionStore::Create(const std::string& user_id,
                               const SessionOrigin& origin, absl::Time deadline,
                               Done<IssuedSession> done) {
  const absl::Time now = clock_.Now();
  IssuedSession session{NewSessionToken(user_id), now + config_.lifetime,
                        config_.idle_timeout};
  const std::string hash = ParseSessionToken(session.token)->secret_hash;
  std::vector<std::string> args = {
      hash,
      absl::StrCat(UnixMillis(now)),
      absl::StrCat(UnixMillis(session.expire_time)),
      absl::StrCat(absl::ToInt64Milliseconds(config_.idle_timeout)),
      origin.device_name,
      origin.client_address,
      absl::StrCat(kMaxSessionsPerUser)};
  redis_.Call(
      "session_create",
      {SessionKey(user_id, hash), SessionIndexKey(user_id),
       UserKey(user_id, "profile"), SessionDevicesKey(user_id),
       UserKeyRegistry(user_id)},
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
              {std::move(key), SessionIndexKey(parsed->user_id),
               SessionDevicesKey(parsed->user_id)},
              {parsed->secret_hash}, StatusOnly(std::move(done)), deadline);
}

void RedisSessionStore::CallForToken(const std::string& token,
                                     absl::string_view function,
                                     std::vector<std::string> args,
                                     absl::Time deadline,
                                     RedisClient::Callback done) {
  std::optional<ParsedToken> parsed = ParseSessionToken(token);
  if (!parsed.has_value()) {
    std::move(done)(InvalidSession());
    return;
  }
  const std::string user_id = parsed->user_id;
  const Caller caller(user_id, CheckFor(*parsed));
  caller.Call(redis_, Functions(), function,
              {SessionIndexKey(user_id), SessionDevicesKey(user_id)},
              std::move(args), std::move(done), deadline);
}

void RedisSessionStore::List(const std::string& token, absl::Time deadline,
                             Done<std::vector<SessionRecord>> done) {
  std::optional<ParsedToken> parsed = ParseSessionToken(token);
  const std::string current = parsed.has_value() ? parsed->secret_hash : "";
  const absl::Time now = clock_.Now();
  CallForToken(
      token, "session_list", {absl::StrCat(UnixMillis(now))}, deadline,
      [this, now, current,
       done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        std::vector<SessionRecord> sessions;
        for (const RedisReply& row : reply->elements) {
          if (row.elements.size() != 6) {
            return std::move(done)(
                absl::InternalError("unexpected redis reply to session_list"));
          }
          const auto& e = row.elements;
          SessionRecord record;
          record.id = SessionId(e[0].str);
          record.current = e[0].str == current;
          // A ZSET score, which Redis may print as a float.
          record.expire_time =
              absl::FromUnixMillis(static_cast<int64_t>(std::stod(e[1].str)));
          // The TTL was pushed back to the idle timeout at the last use
          // (session_live, to its granularity), so the use was that long
          // before the TTL's end.
          record.last_use_time =
              now + absl::Milliseconds(e[2].integer) - config_.idle_timeout;
          if (!e[3].is_nil()) {
            record.create_time = absl::FromUnixMillis(std::stoll(e[3].str));
            record.origin = {e[4].str, e[5].str};
          } else {  // issued by a version-2 caller: no device fields
            record.create_time = record.expire_time - config_.lifetime;
          }
          // Not before the issue nor after now (another pod's clock may be
          // a little ahead of this one's: max, not std::clamp).
          record.last_use_time =
              std::max(record.create_time, std::min(record.last_use_time, now));
          sessions.push_back(std::move(record));
        }
        std::move(done)(std::move(sessions));
      });
}

void RedisSessionStore::RevokeById(const std::string& token,
                                   const std::string& id, absl::Time deadline,
                                   Done<bool> done) {
  CallForToken(
      token, "session_revoke_id", {id}, deadline,
      [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        std::move(done)(reply->integer == 1);
      });
}

void RedisSessionStore::RevokeOthers(const std::string& token,
                                     absl::Time deadline, Done<int> done) {
  std::optional<ParsedToken> parsed = ParseSessionToken(token);
  CallForToken(
      token, "session_revoke_others",
      {parsed.has_value() ? parsed->secret_hash : ""}, deadline,
      [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        std::move(done)(static_cast<int>(reply->integer));
      });
}

}  // namespace gracilis
