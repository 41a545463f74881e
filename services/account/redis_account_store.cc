#include "absl/strings/str_cat.h"
#include "common/auth/session_store.h"
#include "common/redis/keys.h"
#include "common/status/errors.h"
#include "services/account/account_store.h"

namespace gracilis::account {
namespace {

std::string LoginKey(const std::string& email) {
  return EmailKey(email, "login");
}
std::string FailsKey(const std::string& email) {
  return EmailKey(email, "fails");
}
// The throttle of one client address for one email (HASH n, until_ms).
// (Library version 3 kept a plain count under "fails:<address>"; those
// keys expire with their window.)
std::string AddressThrottleKey(const std::string& email,
                               const std::string& client_address) {
  return EmailKey(email, absl::StrCat("throttle:", client_address));
}
// Addresses the owner logged in from (ZSET address -> last success ms).
std::string KnownAddressesKey(const std::string& email) {
  return EmailKey(email, "known");
}
std::string ProfileKey(const std::string& user_id) {
  return UserKey(user_id, "profile");
}
std::string RegistryKey(const std::string& user_id) {
  return UserKeyRegistry(user_id);
}
// Set by DeleteAccount so that a login already past its password check
// cannot recreate the deleted user's profile; holds no personal data.
std::string DeletedKey(const std::string& user_id) {
  return UserKey(user_id, "deleted");
}
constexpr absl::Duration kDeletedMarkerLifetime = absl::Minutes(10);

absl::Status Unexpected(absl::string_view what) {
  return absl::InternalError(absl::StrCat("unexpected redis reply to ", what));
}

// A {data, version, verified email} reply as read by HMGET profile data
// version verified_email. The profile's email is verified while it is the
// one last confirmed.
absl::StatusOr<StoredProfile> ParseStoredProfile(
    absl::StatusOr<RedisReply> reply) {
  if (!reply.ok()) {
    return reply.status();
  }
  if (reply->elements.size() != 3 || reply->elements[0].is_nil()) {
    return absl::NotFoundError("no such account");
  }
  StoredProfile stored;
  if (!stored.profile.ParseFromString(reply->elements[0].str)) {
    return absl::DataLossError("stored profile is corrupt");
  }
  stored.version = std::stoll(reply->elements[1].str);
  stored.profile.set_email_verified(!reply->elements[2].is_nil() &&
                                    reply->elements[2].str ==
                                        stored.profile.email());
  return stored;
}

// The reply of a compare-and-set profile write (profile_replace,
// profile_put): the new version, or ABORTED when the stored version had
// moved on.
absl::StatusOr<int64_t> ParseNewVersion(absl::StatusOr<RedisReply> reply) {
  if (!reply.ok()) {
    return reply.status();
  }
  if (reply->integer == 0) {
    return absl::AbortedError(
        "the profile changed concurrently; read it and retry");
  }
  return static_cast<int64_t>(reply->integer);
}

absl::StatusOr<bool> IsOne(absl::StatusOr<RedisReply> reply) {
  if (!reply.ok()) {
    return reply.status();
  }
  return reply->integer == 1;
}

}  // namespace

const FunctionLibrary& RedisAccountStore::Functions() {
  static const auto* library = new FunctionLibrary(MakeUserFunctionLibrary(
      "gracilis_account", 6, R"lua(local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- KEYS: login. ARGV: user_id, password_hash, request_id, unfinished_ms.
-- {outcome, user_id, password_hash, request_id}; outcome
-- created|same|unfinished|taken. A claim is unfinished until
-- account_finish; one older than unfinished_ms is replaced.
redis.register_function('account_register', function(keys, args)
  local have = redis.call('HMGET', keys[1], 'user_id', 'password_hash',
                          'request_id', 'unfinished_since')
  if have[1] then
    if have[3] == args[3] then return {'same', have[1], have[2], have[3]} end
    if not have[4] then return {'taken', have[1], have[2], have[3]} end
    if now_ms() - tonumber(have[4]) < tonumber(args[4]) then
      return {'unfinished', have[1], have[2], have[3]}
    end
    redis.call('DEL', keys[1])
  end
  redis.call('HSET', keys[1], 'user_id', args[1], 'password_hash', args[2],
             'request_id', args[3], 'unfinished_since', now_ms())
  return {'created', args[1], args[2], args[3]}
end)

-- KEYS: login. ARGV: user_id. 1 if the claim is that user's (now
-- finished), else 0.
redis.register_function('account_finish', function(keys, args)
  if redis.call('HGET', keys[1], 'user_id') ~= args[1] then return 0 end
  redis.call('HDEL', keys[1], 'unfinished_since')
  return 1
end)

-- KEYS: profile, registry, sessions index, deleted marker.
-- ARGV: serialized profile. {data, version, verified email} of the profile
-- now stored, or nil when the user was just deleted.
redis.register_function('profile_start', function(keys, args)
  if redis.call('EXISTS', keys[4]) == 1 then return false end
  if redis.call('HSETNX', keys[1], 'data', args[1]) == 1 then
    redis.call('HSET', keys[1], 'version', 1)
  end
  redis.call('SADD', keys[2], keys[1], keys[3])
  return redis.call('HMGET', keys[1], 'data', 'version', 'verified_email')
end)

-- Used by pods built for library version 5 only (profile_start replaced
-- it); kept so that they work during a rollout. Remove at version 7.
redis.register_function('profile_create', function(keys, args)
  if redis.call('EXISTS', keys[4]) == 1 then return false end
  if redis.call('HSETNX', keys[1], 'data', args[1]) == 1 then
    redis.call('HSET', keys[1], 'version', 1)
  end
  redis.call('SADD', keys[2], keys[1], keys[3])
  return redis.call('HMGET', keys[1], 'data', 'version')
end)

-- KEYS: login, address throttle, account fails, known addresses.
-- ARGV: address, window_ms, max per address, first delay ms, max delay ms,
--       max per account.
-- {user_id|false, password_hash|false, request_id|false,
--  unfinished_since|false, address blocked ms, account fails before this
--  attempt, their ttl_ms, known address 0|1}
-- Unless the address is blocked (or, for an address the owner never logged
-- in from, the account's count is at its limit), this attempt is counted up
-- front. From the max-th failure in a row on, each one blocks the address
-- for a delay that doubles (first delay, 2x, 4x, ... up to max delay); the
-- record is forgotten after a window with no failure. Failures from a
-- known address do not count toward the account's limit, which does not
-- apply to it: a guesser spread over many addresses cannot lock the owner
-- out of the places they log in from.
redis.register_function('login_attempt', function(keys, args)
  local have = redis.call('HMGET', keys[1], 'user_id', 'password_hash',
                          'request_id', 'unfinished_since')
  local now = now_ms()
  local known = redis.call('ZSCORE', keys[4], args[1]) and 1 or 0
  local state = redis.call('HMGET', keys[2], 'n', 'until_ms')
  local n = tonumber(state[1] or '0')
  local blocked = math.max(tonumber(state[2] or '0') - now, 0)
  local all = tonumber(redis.call('GET', keys[3]) or '0')
  local closed = known == 0 and all >= tonumber(args[6])
  if blocked == 0 and not closed then
    n = n + 1
    local delay = 0
    if n >= tonumber(args[3]) then
      delay = math.floor(math.min(
          tonumber(args[4]) * 2 ^ (n - tonumber(args[3])), tonumber(args[5])))
    end
    redis.call('HSET', keys[2], 'n', n, 'until_ms', now + delay)
    redis.call('PEXPIRE', keys[2], tonumber(args[2]) + delay)
    if known == 0 and redis.call('INCR', keys[3]) == 1 then
      redis.call('PEXPIRE', keys[3], args[2])
    end
  end
  return {have[1], have[2], have[3], have[4], blocked, all,
          redis.call('PTTL', keys[3]), known}
end)

-- KEYS: address throttle, known addresses. ARGV: address, keep, keep_ms.
-- The password was right: the address's failures are forgotten and it is
-- remembered as the owner's (the newest `keep`, for keep_ms). The account's
-- count stays: a right password from one address does not reopen the
-- account to a guesser spread over many.
redis.register_function('login_succeeded', function(keys, args)
  redis.call('DEL', keys[1])
  redis.call('ZADD', keys[2], now_ms(), args[1])
  redis.call('ZREMRANGEBYRANK', keys[2], 0, -tonumber(args[2]) - 1)
  redis.call('PEXPIRE', keys[2], args[3])
  return 1
end)

-- KEYS: login. ARGV: user_id, old hash, new hash. 1 if the claim was
-- that user's with the old hash and now has the new one, else 0.
redis.register_function('login_set_password', function(keys, args)
  local have = redis.call('HMGET', keys[1], 'user_id', 'password_hash')
  if have[1] ~= args[1] or have[2] ~= args[2] then return 0 end
  redis.call('HSET', keys[1], 'password_hash', args[3])
  return 1
end)

-- KEYS: profile. {data, version, verified email}, nil for no profile.
register_user_function('profile_get', function(keys, args)
  return redis.call('HMGET', keys[1], 'data', 'version', 'verified_email')
end, {'no-writes'})

-- Used by pods built for library version 5 only (profile_get replaced
-- it). Remove at version 7.
register_user_function('profile_read', function(keys, args)
  return redis.call('HMGET', keys[1], 'data', 'version')
end, {'no-writes'})

-- KEYS: profile. ARGV: email. Records that the owner of `email` confirmed
-- it (the profile says so while its email is that one): 1, or 0 if the
-- user has no profile.
redis.register_function('profile_verify_email', function(keys, args)
  if redis.call('EXISTS', keys[1]) == 0 then return 0 end
  redis.call('HSET', keys[1], 'verified_email', args[1])
  return 1
end)

-- KEYS: profile. {data, version, verified email} by user id, for a mailed
-- code (which carries no session); nil for no profile.
redis.register_function('profile_fetch', function(keys, args)
  return redis.call('HMGET', keys[1], 'data', 'version', 'verified_email')
end)

-- KEYS: profile. ARGV: data, expected_version. New version, 0 on conflict.
redis.register_function('profile_put', function(keys, args)
  local version = tonumber(redis.call('HGET', keys[1], 'version') or '0')
  if version == 0 or version ~= tonumber(args[2]) then return 0 end
  redis.call('HSET', keys[1], 'data', args[1], 'version', version + 1)
  return version + 1
end)

-- KEYS: new login. ARGV: user_id, password hash. An email change:
-- claims the new email for the user (finished at once). 'moved' (or it
-- was the user's already), 'taken' (another account's), or 'gone' (no
-- hash was given, the old claim being gone, and it is not the user's).
redis.register_function('login_claim_moved', function(keys, args)
  local have = redis.call('HGET', keys[1], 'user_id')
  if have == args[1] then return 'moved' end
  if have then return 'taken' end
  if args[2] == '' then return 'gone' end
  redis.call('HSET', keys[1], 'user_id', args[1], 'password_hash', args[2],
             'request_id', 'email-change')
  return 'moved'
end)

-- KEYS: login. {user_id, password_hash} of a finished claim, or nil.
redis.register_function('login_get', function(keys, args)
  local have = redis.call('HMGET', keys[1], 'user_id', 'password_hash',
                          'unfinished_since')
  if not have[1] or have[3] then return false end
  return {have[1], have[2]}
end)

-- KEYS: login. ARGV: user_id, new hash. A reset: 1 if the claim is that
-- user's finished one and now has the new hash, else 0.
redis.register_function('login_reset_password', function(keys, args)
  local have = redis.call('HMGET', keys[1], 'user_id', 'unfinished_since')
  if have[1] ~= args[1] or have[2] then return 0 end
  redis.call('HSET', keys[1], 'password_hash', args[2])
  return 1
end)

-- KEYS: sessions index, session devices. ARGV: user_id. Ends every session
-- of the user; how many were live.
redis.register_function('account_end_sessions', function(keys, args)
  local ended = 0
  for _, hash in ipairs(redis.call('ZRANGE', keys[1], 0, -1)) do
    ended = ended + redis.call('DEL', '{u:' .. args[1] .. '}:session:' .. hash)
  end
  redis.call('DEL', keys[1], keys[2])
  return ended
end)

-- KEYS: profile. ARGV: data, expected_version. New version, or 0 on conflict.
register_user_function('profile_replace', function(keys, args)
  local version = tonumber(redis.call('HGET', keys[1], 'version') or '0')
  if version ~= tonumber(args[2]) then return 0 end
  redis.call('HSET', keys[1], 'data', args[1], 'version', version + 1)
  return version + 1
end)

-- KEYS: login, account fails[, known addresses]. ARGV: user_id. Removes
-- the email claim if it is that user's, the email's failure count and the
-- addresses its owner logged in from (counts from other addresses expire
-- with their window).
redis.register_function('login_release', function(keys, args)
  if redis.call('HGET', keys[1], 'user_id') == args[1] then
    redis.call('DEL', keys[1], keys[2])
    if keys[3] then redis.call('DEL', keys[3]) end
  end
  return 1
end)

-- KEYS: registry, sessions index, deleted marker[, session devices].
-- ARGV: user_id, marker_ms.
-- Deletes every key of the user: registered keys and each session; leaves
-- only the short-lived deleted marker.
register_user_function('account_purge', function(keys, args)
  for _, hash in ipairs(redis.call('ZRANGE', keys[2], 0, -1)) do
    redis.call('DEL', '{u:' .. args[1] .. '}:session:' .. hash)
  end
  for _, key in ipairs(redis.call('SMEMBERS', keys[1])) do
    redis.call('DEL', key)
  end
  redis.call('DEL', keys[1], keys[2])
  if keys[4] then redis.call('DEL', keys[4]) end
  redis.call('SET', keys[3], '1', 'PX', args[2])
  return 1
end)
)lua"));
  return *library;
}

RedisAccountStore::RedisAccountStore(RedisClient& redis, LoginThrottle throttle)
    : redis_(redis), throttle_(throttle) {}

void RedisAccountStore::Register(const std::string& email,
                                 Credentials credentials, absl::Time deadline,
                                 Done<RegisterResult> done) {
  std::vector<std::string> args = {
      credentials.user_id, credentials.password_hash, credentials.request_id,
      absl::StrCat(absl::ToInt64Milliseconds(kUnfinishedClaimLifetime))};
  redis_.Call(
      "account_register", {LoginKey(email)}, std::move(args),
      [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        if (reply->elements.size() != 4) {
          return std::move(done)(Unexpected("account_register"));
        }
        const std::string& outcome = reply->elements[0].str;
        RegisterResult result{
            outcome == "created"      ? RegisterResult::Outcome::kCreated
            : outcome == "same"       ? RegisterResult::Outcome::kSameRequest
            : outcome == "unfinished" ? RegisterResult::Outcome::kUnfinished
                                      : RegisterResult::Outcome::kEmailTaken,
            {reply->elements[1].str, reply->elements[2].str,
             reply->elements[3].str}};
        std::move(done)(std::move(result));
      },
      deadline);
}

void RedisAccountStore::FinishRegistration(const std::string& email,
                                           const std::string& user_id,
                                           absl::Time deadline,
                                           Done<bool> done) {
  redis_.Call(
      "account_finish", {LoginKey(email)}, {user_id},
      [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        std::move(done)(reply->integer == 1);
      },
      deadline);
}

void RedisAccountStore::CreateProfile(const std::string& user_id,
                                      const v1::Profile& profile,
                                      absl::Time deadline,
                                      Done<StoredProfile> done) {
  redis_.Call(
      "profile_start",
      {ProfileKey(user_id), RegistryKey(user_id), SessionIndexKey(user_id),
       DeletedKey(user_id)},
      {profile.SerializeAsString()},
      [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        std::move(done)(ParseStoredProfile(std::move(reply)));
      },
      deadline);
}

void RedisAccountStore::BeginPasswordCheck(const std::string& email,
                                           const std::string& client_address,
                                           absl::Time deadline,
                                           Done<LoginRecord> done) {
  redis_.Call(
      "login_attempt",
      {LoginKey(email), AddressThrottleKey(email, client_address),
       FailsKey(email), KnownAddressesKey(email)},
      {client_address,
       absl::StrCat(absl::ToInt64Milliseconds(throttle_.window)),
       absl::StrCat(throttle_.max_failures),
       absl::StrCat(absl::ToInt64Milliseconds(throttle_.first_delay)),
       absl::StrCat(absl::ToInt64Milliseconds(throttle_.max_delay)),
       absl::StrCat(throttle_.max_account_failures)},
      [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        const auto& e = reply->elements;
        if (e.size() != 8) {
          return std::move(done)(Unexpected("login_attempt"));
        }
        LoginRecord record;
        if (!e[0].is_nil()) {
          record.credentials = Credentials{e[0].str, e[1].str, e[2].str};
        }
        record.unfinished = !e[3].is_nil();
        record.address_blocked_for = absl::Milliseconds(e[4].integer);
        record.account_failures = static_cast<int>(e[5].integer);
        record.account_window_left =
            absl::Milliseconds(std::max<long long>(e[6].integer, 0));
        record.known_address = e[7].integer == 1;
        std::move(done)(std::move(record));
      },
      deadline);
}

void RedisAccountStore::RecordLoginSuccess(const std::string& email,
                                           const std::string& client_address,
                                           absl::Time deadline,
                                           DoneStatus done) {
  redis_.Call(
      "login_succeeded",
      {AddressThrottleKey(email, client_address), KnownAddressesKey(email)},
      {client_address, absl::StrCat(kKnownAddressesKept),
       absl::StrCat(absl::ToInt64Milliseconds(kKnownAddressLifetime))},
      StatusOnly(std::move(done)), deadline);
}

void RedisAccountStore::GetProfile(const Caller& caller, absl::Time deadline,
                                   Done<StoredProfile> done) {
  caller.Call(
      redis_, Functions(), "profile_get", {ProfileKey(caller.user_id())}, {},
      [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        std::move(done)(ParseStoredProfile(std::move(reply)));
      },
      deadline);
}

void RedisAccountStore::ReplaceProfile(const Caller& caller,
                                       const v1::Profile& profile,
                                       int64_t expected_version,
                                       absl::Time deadline,
                                       Done<int64_t> done) {
  caller.Call(
      redis_, Functions(), "profile_replace", {ProfileKey(caller.user_id())},
      {profile.SerializeAsString(), absl::StrCat(expected_version)},
      [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        std::move(done)(ParseNewVersion(std::move(reply)));
      },
      deadline);
}

void RedisAccountStore::SetPasswordHash(const std::string& email,
                                        const std::string& user_id,
                                        const std::string& old_hash,
                                        const std::string& new_hash,
                                        absl::Time deadline, Done<bool> done) {
  redis_.Call(
      "login_set_password", {LoginKey(email)}, {user_id, old_hash, new_hash},
      [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        std::move(done)(reply->integer == 1);
      },
      deadline);
}

void RedisAccountStore::ResetPasswordHash(const std::string& email,
                                          const std::string& user_id,
                                          const std::string& new_hash,
                                          absl::Time deadline,
                                          Done<bool> done) {
  redis_.Call(
      "login_reset_password", {LoginKey(email)}, {user_id, new_hash},
      [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        std::move(done)(IsOne(std::move(reply)));
      },
      deadline);
}

void RedisAccountStore::EndAllSessions(const std::string& user_id,
                                       absl::Time deadline, DoneStatus done) {
  redis_.Call("account_end_sessions",
              {SessionIndexKey(user_id), SessionDevicesKey(user_id)}, {user_id},
              StatusOnly(std::move(done)), deadline);
}

void RedisAccountStore::MarkEmailVerified(const std::string& user_id,
                                          const std::string& email,
                                          absl::Time deadline,
                                          Done<bool> done) {
  redis_.Call(
      "profile_verify_email", {ProfileKey(user_id)}, {email},
      [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        std::move(done)(IsOne(std::move(reply)));
      },
      deadline);
}

void RedisAccountStore::GetProfileById(const std::string& user_id,
                                       absl::Time deadline,
                                       Done<StoredProfile> done) {
  redis_.Call(
      "profile_fetch", {ProfileKey(user_id)}, {},
      [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        std::move(done)(ParseStoredProfile(std::move(reply)));
      },
      deadline);
}

void RedisAccountStore::ReplaceProfileById(const std::string& user_id,
                                           const v1::Profile& profile,
                                           int64_t expected_version,
                                           absl::Time deadline,
                                           Done<int64_t> done) {
  redis_.Call(
      "profile_put", {ProfileKey(user_id)},
      {profile.SerializeAsString(), absl::StrCat(expected_version)},
      [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        std::move(done)(ParseNewVersion(std::move(reply)));
      },
      deadline);
}

void RedisAccountStore::ClaimNewEmail(const std::string& old_email,
                                      const std::string& new_email,
                                      const std::string& user_id,
                                      absl::Time deadline, DoneStatus done) {
  redis_.Call(
      "login_get", {LoginKey(old_email)}, {},
      [this, new_email, user_id, deadline,
       done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        // No claim of the user's on the old email: a retry after the
        // change got that far (then the new claim is the user's already),
        // or the account is gone.
        const bool old_is_users =
            reply->elements.size() == 2 && reply->elements[0].str == user_id;
        redis_.Call(
            "login_claim_moved", {LoginKey(new_email)},
            {user_id, old_is_users ? reply->elements[1].str : ""},
            [done = std::move(done)](absl::StatusOr<RedisReply> moved) mutable {
              if (!moved.ok()) {
                return std::move(done)(moved.status());
              }
              if (moved->str == "taken") {
                return std::move(done)(
                    WithReason(absl::AlreadyExistsError(
                                   "that email is already registered"),
                               "EMAIL_TAKEN"));
              }
              if (moved->str == "gone") {
                return std::move(done)(
                    absl::NotFoundError("the account's email claim is gone"));
              }
              std::move(done)(absl::OkStatus());
            },
            deadline);
      },
      deadline);
}

void RedisAccountStore::ReleaseEmail(const std::string& email,
                                     const std::string& user_id,
                                     absl::Time deadline, DoneStatus done) {
  redis_.Call("login_release",
              {LoginKey(email), FailsKey(email), KnownAddressesKey(email)},
              {user_id}, StatusOnly(std::move(done)), deadline);
}

void RedisAccountStore::DeleteAccount(const Caller& caller,
                                      const std::string& email,
                                      absl::Time deadline, DoneStatus done) {
  // The email claim goes first, so a half-finished deletion never leaves a
  // login that leads to a missing user; a retry (the session still works
  // until the purge) finishes the job.
  ReleaseEmail(email, caller.user_id(), deadline,
               [this, caller, deadline,
                done = std::move(done)](absl::Status released) mutable {
                 if (!released.ok()) {
                   return std::move(done)(released);
                 }
                 const std::string& user_id = caller.user_id();
                 caller.Call(redis_, Functions(), "account_purge",
                             {RegistryKey(user_id), SessionIndexKey(user_id),
                              DeletedKey(user_id), SessionDevicesKey(user_id)},
                             {user_id, absl::StrCat(absl::ToInt64Milliseconds(
                                           kDeletedMarkerLifetime))},
                             StatusOnly(std::move(done)), deadline);
               });
}

}  // namespace gracilis::account
