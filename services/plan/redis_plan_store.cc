#include "absl/strings/str_cat.h"
#include "common/redis/keys.h"
#include "common/status/errors.h"
#include "services/plan/plan_store.h"

namespace gracilis::plan {
namespace {

std::string PlansKey(const std::string& user_id) {
  return UserKey(user_id, "plans");
}

absl::StatusOr<PlanRecord> ParseRecord(const RedisReply& reply) {
  if (reply.is_nil()) {
    return absl::NotFoundError("no such plan");
  }
  PlanRecord record;
  if (!record.ParseFromString(reply.str)) {
    return absl::DataLossError("stored plan is corrupt");
  }
  return record;
}

}  // namespace

const FunctionLibrary& RedisPlanStore::Functions() {
  static const auto* library = new FunctionLibrary(MakeFunctionLibrary(
      "gracilis_plan", 1, R"lua(local function resolve(plans, pid)
  if pid == 'current' then return redis.call('HGET', plans, 'current') end
  if redis.call('HEXISTS', plans, pid .. ':latest') == 1 then return pid end
  return false
end

-- KEYS: plans, registry. ARGV: request_id, plan_id, record, revision meta.
-- The stored record.
redis.register_function('plan_create', function(keys, args)
  local seen = redis.call('HMGET', keys[1], 'req:' .. args[1], 'reqbody:' .. args[1])
  if seen[1] then
    -- (requests stored before bodies were kept replay whatever they send)
    if seen[2] and seen[2] ~= args[5] then return {'reused'} end
    local pid, rev = string.match(seen[1], '(%S+) (%d+)')
    return redis.call('HGET', keys[1], pid .. ':r' .. rev)
  end
  redis.call('HSET', keys[1], args[2] .. ':latest', 1, args[2] .. ':r1', args[3],
             args[2] .. ':m1', args[4], 'current', args[2],
             'req:' .. args[1], args[2] .. ' 1', 'reqbody:' .. args[1], args[5])
  redis.call('SADD', keys[2], keys[1])
  return args[3]
end)

-- KEYS: plans. ARGV: plan_id or 'current', revision (0: latest).
redis.register_function{function_name = 'plan_get', flags = {'no-writes'},
  callback = function(keys, args)
    local pid = resolve(keys[1], args[1])
    if not pid then return false end
    local rev = args[2]
    if rev == '0' then rev = redis.call('HGET', keys[1], pid .. ':latest') end
    return redis.call('HGET', keys[1], pid .. ':r' .. rev)
  end}

-- KEYS: plans. ARGV: plan_id or 'current'. Revision metas, newest first,
-- or nil for an unknown plan.
redis.register_function{function_name = 'plan_revisions', flags = {'no-writes'},
  callback = function(keys, args)
    local pid = resolve(keys[1], args[1])
    if not pid then return false end
    local out = {}
    for rev = tonumber(redis.call('HGET', keys[1], pid .. ':latest')), 1, -1 do
      out[#out + 1] = redis.call('HGET', keys[1], pid .. ':m' .. rev)
    end
    return out
  end}

-- KEYS: plans. ARGV: request_id, plan_id, expected revision, record, meta.
-- {'stored', record} | {'missing'} | {'conflict'}.
redis.register_function('plan_revise', function(keys, args)
  local seen = redis.call('HGET', keys[1], 'req:' .. args[1])
  if seen then
    local pid, rev = string.match(seen, '(%S+) (%d+)')
    return {'stored', redis.call('HGET', keys[1], pid .. ':r' .. rev)}
  end
  local latest = tonumber(redis.call('HGET', keys[1], args[2] .. ':latest'))
  if not latest then return {'missing'} end
  if latest ~= tonumber(args[3]) then return {'conflict'} end
  local rev = latest + 1
  redis.call('HSET', keys[1], args[2] .. ':latest', rev,
             args[2] .. ':r' .. rev, args[4], args[2] .. ':m' .. rev, args[5],
             'req:' .. args[1], args[2] .. ' ' .. rev)
  return {'stored', args[4]}
end)
)lua"));
  return *library;
}

void RedisPlanStore::Create(const std::string& user_id,
                            const std::string& request_id,
                            const std::string& request_body,
                            const PlanRecord& record, absl::Time deadline,
                            Done<PlanRecord> done) {
  std::vector<std::string> keys = {PlansKey(user_id), UserKeyRegistry(user_id)};
  const std::string plan_id =
      record.plan().name().substr(record.plan().name().rfind('/') + 1);
  std::vector<std::string> args = {
      request_id, plan_id, record.SerializeAsString(),
      record.revision().SerializeAsString(), request_body};
  redis_.Call(
      "plan_create", std::move(keys), std::move(args),
      [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        if (!reply->elements.empty() && reply->elements[0].str == "reused") {
          return std::move(done)(WithReason(
              InvalidField("request_id",
                           "was already used with a different request"),
              "REQUEST_ID_REUSED"));
        }
        std::move(done)(ParseRecord(*reply));
      },
      deadline);
}

void RedisPlanStore::Get(const std::string& user_id, const std::string& plan_id,
                         int revision, absl::Time deadline,
                         Done<PlanRecord> done) {
  redis_.Call(
      "plan_get", {PlansKey(user_id)}, {plan_id, absl::StrCat(revision)},
      [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        std::move(done)(ParseRecord(*reply));
      },
      deadline);
}

void RedisPlanStore::ListRevisions(const std::string& user_id,
                                   const std::string& plan_id,
                                   absl::Time deadline,
                                   Done<std::vector<v1::PlanRevision>> done) {
  redis_.Call(
      "plan_revisions", {PlansKey(user_id)}, {plan_id},
      [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        if (reply->is_nil()) {
          return std::move(done)(absl::NotFoundError("no such plan"));
        }
        std::vector<v1::PlanRevision> revisions;
        for (const RedisReply& element : reply->elements) {
          if (!revisions.emplace_back().ParseFromString(element.str)) {
            return std::move(done)(
                absl::DataLossError("stored plan revision is corrupt"));
          }
        }
        std::move(done)(std::move(revisions));
      },
      deadline);
}

void RedisPlanStore::Revise(const std::string& user_id,
                            const std::string& plan_id,
                            const std::string& request_id,
                            int expected_revision, const PlanRecord& record,
                            absl::Time deadline, Done<PlanRecord> done) {
  std::vector<std::string> args = {
      request_id, plan_id, absl::StrCat(expected_revision),
      record.SerializeAsString(), record.revision().SerializeAsString()};
  redis_.Call(
      "plan_revise", {PlansKey(user_id)}, std::move(args),
      [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        const auto& e = reply->elements;
        if (e.empty() || e[0].str == "missing") {
          return std::move(done)(absl::NotFoundError("no such plan"));
        }
        if (e[0].str == "conflict") {
          return std::move(done)(absl::AbortedError(
              "the plan changed meanwhile; read it again and retry"));
        }
        if (e.size() != 2) {
          return std::move(done)(
              absl::InternalError("unexpected redis reply to plan_revise"));
        }
        std::move(done)(ParseRecord(e[1]));
      },
      deadline);
}

}  // namespace gracilis::plan
