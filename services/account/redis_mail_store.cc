#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/redis/keys.h"
#include "services/account/mail_store.h"

namespace gracilis::account {
namespace {

std::string ShardTag(int shard) { return absl::StrFormat("{m:%x}", shard); }
std::string OutboxKey(int shard) {
  return absl::StrCat(ShardTag(shard), ":outbox");
}
std::string QueuedKey(int shard) {
  return absl::StrCat(ShardTag(shard), ":queued");
}
std::string GrantPrefix(int shard) {
  return absl::StrCat(ShardTag(shard), ":grant:");
}
std::string Member(const std::string& user_id, MailPurpose purpose) {
  return absl::StrCat(user_id, ":", PurposeName(purpose));
}
std::string GrantKey(const std::string& user_id, MailPurpose purpose) {
  return absl::StrCat(GrantPrefix(MailShard(user_id)),
                      Member(user_id, purpose));
}
std::string Ms(absl::Duration d) {
  return absl::StrCat(absl::ToInt64Milliseconds(d));
}

absl::Status Unexpected(absl::string_view what) {
  return absl::InternalError(absl::StrCat("unexpected redis reply to ", what));
}

}  // namespace

const FunctionLibrary& RedisMailStore::Functions() {
  static const auto* library = new FunctionLibrary(
      MakeFunctionLibrary("gracilis_mail", 1, R"lua(local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function count(key, window_ms)
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('PEXPIRE', key, window_ms) end
  return n
end

-- KEYS: address count. ARGV: window_ms, max. 0 to go on, else ms to wait.
redis.register_function('mail_count_address', function(keys, args)
  if count(keys[1], args[1]) <= tonumber(args[2]) then return 0 end
  return math.max(redis.call('PTTL', keys[1]), 1)
end)

-- KEYS: login, email count. ARGV: window_ms, max. The user id of the
-- email's finished registration, or false (none, or over the limit).
redis.register_function('mail_find_recipient', function(keys, args)
  if count(keys[2], args[1]) > tonumber(args[2]) then return false end
  local have = redis.call('HMGET', keys[1], 'user_id', 'unfinished_since')
  if not have[1] or have[2] then return false end
  return have[1]
end)

-- KEYS: grant, outbox, queued. ARGV: email, member, kept_ms, change_from
-- (the email an email change replaces, or ''). The mail is due now unless
-- it waits already; a grant for another email or change is replaced.
redis.register_function('mail_queue', function(keys, args)
  local now = now_ms()
  local have = redis.call('HMGET', keys[1], 'email', 'change_from')
  if have[1] and (have[1] ~= args[1] or (have[2] or '') ~= args[4]) then
    redis.call('DEL', keys[1])
  end
  redis.call('HSET', keys[1], 'email', args[1], 'change_from', args[4])
  redis.call('HSETNX', keys[1], 'attempts', 0)
  redis.call('ZADD', keys[2], 'NX', now, args[2])
  redis.call('ZADD', keys[3], 'NX', now, args[2])
  if redis.call('PTTL', keys[1]) < tonumber(args[3]) then
    redis.call('PEXPIRE', keys[1], args[3])
  end
  return 1
end)

-- KEYS: outbox, queued. ARGV: grant prefix, lease_ms, kept_ms, reset
-- code ms, verify code ms, code hashes...
-- Takes up to #hashes due mails: each is leased (due again after lease_ms)
-- and opens its grant with the next hash until now + its lifetime. Mail
-- kept past kept_ms, or whose grant is gone, is dropped.
-- {{member, email, attempts, hash index}..., pending, oldest queued ms or
--  -1, dropped}
redis.register_function('mail_take', function(keys, args)
  local now = now_ms()
  local due = redis.call('ZRANGEBYSCORE', keys[1], '-inf', now, 'LIMIT', 0,
                         #args - 5)
  local taken, dropped = {}, 0
  for _, member in ipairs(due) do
    local grant = args[1] .. member
    local queued = tonumber(redis.call('ZSCORE', keys[2], member) or now)
    local have = redis.call('HMGET', grant, 'email', 'attempts')
    if not have[1] or now - queued > tonumber(args[3]) then
      redis.call('ZREM', keys[1], member)
      redis.call('ZREM', keys[2], member)
      dropped = dropped + 1
    else
      local i = #taken + 1
      local lifetime = tonumber(args[5])
      if string.sub(member, -6) == ':reset' then lifetime = tonumber(args[4]) end
      redis.call('HSET', grant, 'c:' .. args[5 + i], now + lifetime)
      if redis.call('PTTL', grant) < lifetime then
        redis.call('PEXPIRE', grant, lifetime)
      end
      redis.call('ZADD', keys[1], now + tonumber(args[2]), member)
      taken[i] = {member, have[1], tonumber(have[2] or '0'), i}
    end
  end
  local oldest = redis.call('ZRANGE', keys[2], 0, 0, 'WITHSCORES')
  return {taken, redis.call('ZCARD', keys[1]), tonumber(oldest[2] or '-1'),
          dropped}
end)

-- KEYS: outbox, queued, grant. ARGV: member. The mail went out.
redis.register_function('mail_sent', function(keys, args)
  redis.call('ZREM', keys[1], args[1])
  redis.call('ZREM', keys[2], args[1])
  if redis.call('EXISTS', keys[3]) == 1 then
    redis.call('HSET', keys[3], 'attempts', 0)
  end
  return 1
end)

-- KEYS: outbox, grant. ARGV: member, code hash, retry_ms. The mail did
-- not go out: its code ends, and it is due again in retry_ms.
redis.register_function('mail_failed', function(keys, args)
  if redis.call('EXISTS', keys[2]) == 1 then
    redis.call('HDEL', keys[2], 'c:' .. args[2])
    redis.call('HINCRBY', keys[2], 'attempts', 1)
  end
  redis.call('ZADD', keys[1], 'XX', now_ms() + tonumber(args[3]), args[1])
  return 1
end)

-- KEYS: grant. ARGV: code hash, claim id, lease_ms.
-- {'claimed', email, change_from}, {'invalid'} (expired, used or never
-- issued), or
-- {'busy'} (another claim holds the grant).
redis.register_function('mail_claim', function(keys, args)
  local now = now_ms()
  local expires = redis.call('HGET', keys[1], 'c:' .. args[1])
  if not expires or tonumber(expires) <= now then return {'invalid'} end
  local claim = redis.call('HMGET', keys[1], 'claim', 'claim_until')
  if claim[1] and claim[1] ~= args[2] and tonumber(claim[2]) > now then
    return {'busy'}
  end
  redis.call('HSET', keys[1], 'claim', args[2], 'claim_until',
             now + tonumber(args[3]))
  local grant = redis.call('HMGET', keys[1], 'email', 'change_from')
  return {'claimed', grant[1], grant[2] or ''}
end)

-- KEYS: outbox, queued, reset grant, verify grant. ARGV: reset member,
-- verify member. Forgets a deleted user's mail.
redis.register_function('mail_forget', function(keys, args)
  redis.call('DEL', keys[3], keys[4])
  redis.call('ZREM', keys[1], args[1], args[2])
  redis.call('ZREM', keys[2], args[1], args[2])
  return 1
end)

-- KEYS: grant, outbox, queued. ARGV: claim id, member. Ends the grant if
-- the claim holds it (every code of it, and any mail of it still waiting).
redis.register_function('mail_consume', function(keys, args)
  if redis.call('HGET', keys[1], 'claim') ~= args[1] then return 0 end
  redis.call('DEL', keys[1])
  redis.call('ZREM', keys[2], args[2])
  redis.call('ZREM', keys[3], args[2])
  return 1
end)
)lua"));
  return *library;
}

RedisMailStore::RedisMailStore(RedisClient& redis, MailLimits limits)
    : redis_(redis), limits_(limits) {}

void RedisMailStore::CountAddressRequest(const std::string& client_address,
                                         absl::Time deadline,
                                         Done<absl::Duration> done) {
  redis_.Call(
      "mail_count_address",
      {absl::StrCat("{a:", client_address, "}:mail_requests")},
      {Ms(limits_.window), absl::StrCat(limits_.per_address)},
      [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        std::move(done)(absl::Milliseconds(reply->integer));
      },
      deadline);
}

void RedisMailStore::FindRecipient(const std::string& email,
                                   absl::Time deadline,
                                   Done<std::optional<std::string>> done) {
  redis_.Call(
      "mail_find_recipient",
      {EmailKey(email, "login"), EmailKey(email, "mail_requests")},
      {Ms(limits_.window), absl::StrCat(limits_.per_email)},
      [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        if (reply->is_nil()) {
          return std::move(done)(std::optional<std::string>());
        }
        std::move(done)(std::optional<std::string>(reply->str));
      },
      deadline);
}

void RedisMailStore::Queue(const std::string& user_id, MailPurpose purpose,
                           const std::string& email,
                           const std::string& change_from, absl::Time deadline,
                           DoneStatus done) {
  const int shard = MailShard(user_id);
  redis_.Call("mail_queue",
              {GrantKey(user_id, purpose), OutboxKey(shard), QueuedKey(shard)},
              {email, Member(user_id, purpose), Ms(kMailKeptFor), change_from},
              StatusOnly(std::move(done)), deadline);
}

void RedisMailStore::Claim(const std::string& user_id, MailPurpose purpose,
                           const std::string& code_hash,
                           const std::string& claim_id, absl::Time deadline,
                           Done<MailClaim> done) {
  redis_.Call(
      "mail_claim", {GrantKey(user_id, purpose)},
      {code_hash, claim_id, Ms(kMailClaimLease)},
      [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        const auto& e = reply->elements;
        if (e.empty()) {
          return std::move(done)(Unexpected("mail_claim"));
        }
        MailClaim claim;
        if (e[0].str == "claimed" && e.size() == 3) {
          claim.outcome = MailClaim::Outcome::kClaimed;
          claim.email = e[1].str;
          claim.change_from = e[2].str;
        } else if (e[0].str == "busy") {
          claim.outcome = MailClaim::Outcome::kBusy;
        }
        std::move(done)(std::move(claim));
      },
      deadline);
}

void RedisMailStore::Consume(const std::string& user_id, MailPurpose purpose,
                             const std::string& claim_id, absl::Time deadline,
                             DoneStatus done) {
  const int shard = MailShard(user_id);
  redis_.Call("mail_consume",
              {GrantKey(user_id, purpose), OutboxKey(shard), QueuedKey(shard)},
              {claim_id, Member(user_id, purpose)}, StatusOnly(std::move(done)),
              deadline);
}

void RedisMailStore::Forget(const std::string& user_id, absl::Time deadline,
                            DoneStatus done) {
  const int shard = MailShard(user_id);
  redis_.Call("mail_forget",
              {OutboxKey(shard), QueuedKey(shard),
               GrantKey(user_id, MailPurpose::kPasswordReset),
               GrantKey(user_id, MailPurpose::kVerifyEmail)},
              {Member(user_id, MailPurpose::kPasswordReset),
               Member(user_id, MailPurpose::kVerifyEmail)},
              StatusOnly(std::move(done)), deadline);
}

void RedisMailStore::Take(int shard,
                          const std::vector<std::string>& code_hashes,
                          absl::Duration lease, absl::Time deadline,
                          Done<TakenMail> done) {
  std::vector<std::string> args = {
      GrantPrefix(shard), Ms(lease), Ms(kMailKeptFor),
      Ms(CodeLifetime(MailPurpose::kPasswordReset)),
      Ms(CodeLifetime(MailPurpose::kVerifyEmail))};
  args.insert(args.end(), code_hashes.begin(), code_hashes.end());
  redis_.Call(
      "mail_take", {OutboxKey(shard), QueuedKey(shard)}, std::move(args),
      [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        const auto& e = reply->elements;
        if (e.size() != 4) {
          return std::move(done)(Unexpected("mail_take"));
        }
        TakenMail taken;
        for (const RedisReply& row : e[0].elements) {
          if (row.elements.size() != 4) {
            return std::move(done)(Unexpected("mail_take"));
          }
          OutgoingMail mail;
          mail.member = row.elements[0].str;
          const size_t colon = mail.member.rfind(':');
          std::optional<MailPurpose> purpose =
              colon == std::string::npos
                  ? std::nullopt
                  : ParsePurpose(mail.member.substr(colon + 1));
          if (!purpose.has_value()) {
            return std::move(done)(Unexpected("mail_take"));
          }
          mail.user_id = mail.member.substr(0, colon);
          mail.purpose = *purpose;
          mail.email = row.elements[1].str;
          mail.failed_attempts = static_cast<int>(row.elements[2].integer);
          mail.code_index = static_cast<int>(row.elements[3].integer) - 1;
          taken.mail.push_back(std::move(mail));
        }
        taken.pending = e[1].integer;
        if (e[2].integer >= 0) {
          taken.oldest_queued = absl::FromUnixMillis(e[2].integer);
        }
        taken.dropped = static_cast<int>(e[3].integer);
        std::move(done)(std::move(taken));
      },
      deadline);
}

void RedisMailStore::MarkSent(const OutgoingMail& mail, absl::Time deadline,
                              DoneStatus done) {
  const int shard = MailShard(mail.user_id);
  redis_.Call("mail_sent",
              {OutboxKey(shard), QueuedKey(shard),
               GrantKey(mail.user_id, mail.purpose)},
              {mail.member}, StatusOnly(std::move(done)), deadline);
}

void RedisMailStore::MarkFailed(const OutgoingMail& mail,
                                const std::string& code_hash,
                                absl::Duration retry_in, absl::Time deadline,
                                DoneStatus done) {
  redis_.Call("mail_failed",
              {OutboxKey(MailShard(mail.user_id)),
               GrantKey(mail.user_id, mail.purpose)},
              {mail.member, code_hash, Ms(retry_in)},
              StatusOnly(std::move(done)), deadline);
}

}  // namespace gracilis::account
