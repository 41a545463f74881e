#include "absl/strings/str_cat.h"
#include "common/redis/keys.h"
#include "common/status/errors.h"
#include "services/plan/plan_records.h"
#include "services/plan/plan_store.h"

namespace gracilis::plan {
namespace {

std::string PlansKey(const std::string& user_id) {
  return UserKey(user_id, "plans");
}

// What is stored of a revision: the record without its rendered weeks,
// keeping the plan's name and catalog version.
std::string StoredRecord(const PlanRecord& record) {
  PlanRecord stored = record;
  v1::Plan skeleton;
  skeleton.set_name(record.plan().name());
  skeleton.set_catalog_version(record.plan().catalog_version());
  *stored.mutable_plan() = std::move(skeleton);
  return stored.SerializeAsString();
}

}  // namespace

absl::StatusOr<PlanRecord> RedisPlanStore::Assemble(const RedisReply& record,
                                                    const RedisReply& plan) {
  if (record.is_nil()) {
    return absl::NotFoundError("no such plan");
  }
  PlanRecord out;
  if (!out.ParseFromString(record.str)) {
    return absl::DataLossError("stored plan is corrupt");
  }
  if (!plan.is_nil()) {
    if (!out.mutable_plan()->ParseFromString(plan.str)) {
      return absl::DataLossError("stored plan is corrupt");
    }
    return out;
  }
  if (out.plan().weeks_size() > 0) {
    return out;  // stored whole, before records were kept without weeks
  }
  // A superseded revision: rendered again from what made it (generation
  // and the rule check), with today's catalog and rules.
  return BuildPlan(catalog_, std::move(out));
}

absl::StatusOr<PlanRecord> RedisPlanStore::Assemble(const RedisReply& parts) {
  if (parts.elements.size() == 1 && parts.elements[0].str == "trimmed") {
    return absl::NotFoundError(
        absl::StrCat("that revision is no longer kept (the newest ",
                     revisions_kept_, " revisions of a plan are)"));
  }
  if (parts.is_nil() || parts.elements.size() != 2) {
    return parts.is_nil() ? absl::NotFoundError("no such plan")
                          : absl::InternalError("unexpected plan reply");
  }
  return Assemble(parts.elements[0], parts.elements[1]);
}

absl::string_view RedisPlanStore::StampLua() {
  return R"lua(
local function plan_stamp(prefix)
  local plans = prefix .. 'plans'
  local pid = redis.call('HGET', plans, 'current')
  if not pid then return '-' end
  return pid .. ':' .. (redis.call('HGET', plans, pid .. ':latest') or '')
end
)lua";
}

const FunctionLibrary& RedisPlanStore::Functions() {
  static const auto* library = new FunctionLibrary(MakeUserFunctionLibrary(
      "gracilis_plan", 4, R"lua(local function resolve(plans, pid)
  if pid == 'current' then return redis.call('HGET', plans, 'current') end
  if redis.call('HEXISTS', plans, pid .. ':latest') == 1 then return pid end
  return false
end

-- A revision n of a plan is r<n>, the record without its rendered weeks
-- (inputs, adjustments, revision, the plan's name and catalog version),
-- and, for the plan's latest revision only, p<n>, the rendered plan.
local function parts(plans, pid, rev)
  return {redis.call('HGET', plans, pid .. ':r' .. rev),
          redis.call('HGET', plans, pid .. ':p' .. rev)}
end

-- KEYS: plans, registry. ARGV: request_id, plan_id, record, revision meta,
-- request body, rendered plan. {record, plan} as stored, or {'reused'}.
register_user_function('plan_create', function(keys, args)
  local seen = redis.call('HMGET', keys[1], 'req:' .. args[1], 'reqbody:' .. args[1])
  if seen[1] then
    -- (requests stored before bodies were kept replay whatever they send)
    if seen[2] and seen[2] ~= args[5] then return {'reused'} end
    local pid, rev = string.match(seen[1], '(%S+) (%d+)')
    return parts(keys[1], pid, rev)
  end
  redis.call('HSET', keys[1], args[2] .. ':latest', 1, args[2] .. ':r1', args[3],
             args[2] .. ':p1', args[6], args[2] .. ':m1', args[4],
             'current', args[2], 'req:' .. args[1], args[2] .. ' 1',
             'reqbody:' .. args[1], args[5])
  redis.call('SADD', keys[2], keys[1])
  return {args[3], args[6]}
end)

-- KEYS: plans. ARGV: plan_id or 'current', revision (0: latest).
-- {record, plan|nil}; {'trimmed'} for a revision no longer kept; nil for an
-- unknown plan.
register_user_function('plan_get', function(keys, args)
  local pid = resolve(keys[1], args[1])
  if not pid then return false end
  local latest = redis.call('HGET', keys[1], pid .. ':latest')
  local rev = args[2]
  if rev == '0' then rev = latest end
  local got = parts(keys[1], pid, rev)
  if not got[1] and tonumber(rev) < tonumber(latest) then
    return {'trimmed'}
  end
  return got
end, {'no-writes'})

-- KEYS: plans. ARGV: plan_id or 'current'. Revision metas of the kept
-- revisions, newest first, or nil for an unknown plan.
register_user_function('plan_revisions', function(keys, args)
  local pid = resolve(keys[1], args[1])
  if not pid then return false end
  local out = {}
  for rev = tonumber(redis.call('HGET', keys[1], pid .. ':latest')), 1, -1 do
    local meta = redis.call('HGET', keys[1], pid .. ':m' .. rev)
    if not meta then break end
    out[#out + 1] = meta
  end
  return out
end, {'no-writes'})

-- KEYS: plans. ARGV: request_id, plan_id, expected revision, record, meta,
-- rendered plan, revisions kept. {'stored', record, plan|nil} |
-- {'missing'} | {'conflict'}. The revision it follows keeps only its
-- record; revisions older than the newest `kept` are deleted (a retry of
-- a request whose revision is gone finds no record: NOT_FOUND).
register_user_function('plan_revise', function(keys, args)
  local seen = redis.call('HGET', keys[1], 'req:' .. args[1])
  if seen then
    local pid, rev = string.match(seen, '(%S+) (%d+)')
    local got = parts(keys[1], pid, rev)
    return {'stored', got[1], got[2]}
  end
  local latest = tonumber(redis.call('HGET', keys[1], args[2] .. ':latest'))
  if not latest then return {'missing'} end
  if latest ~= tonumber(args[3]) then return {'conflict'} end
  local rev = latest + 1
  redis.call('HSET', keys[1], args[2] .. ':latest', rev,
             args[2] .. ':r' .. rev, args[4], args[2] .. ':p' .. rev, args[6],
             args[2] .. ':m' .. rev, args[5], 'req:' .. args[1],
             args[2] .. ' ' .. rev)
  redis.call('HDEL', keys[1], args[2] .. ':p' .. latest)
  for old = rev - tonumber(args[7]), 1, -1 do
    if redis.call('HDEL', keys[1], args[2] .. ':r' .. old,
                  args[2] .. ':m' .. old) == 0 then
      break
    end
  end
  return {'stored', args[4], args[6]}
end)
)lua"));
  return *library;
}

void RedisPlanStore::Create(const Caller& caller, const std::string& request_id,
                            const std::string& request_body,
                            const PlanRecord& record, absl::Time deadline,
                            Done<PlanRecord> done) {
  const std::string& user_id = caller.user_id();
  std::vector<std::string> keys = {PlansKey(user_id), UserKeyRegistry(user_id)};
  const std::string plan_id =
      record.plan().name().substr(record.plan().name().rfind('/') + 1);
  std::vector<std::string> args = {
      request_id,           plan_id,
      StoredRecord(record), record.revision().SerializeAsString(),
      request_body,         record.plan().SerializeAsString()};
  caller.Call(
      redis_, Functions(), "plan_create", std::move(keys), std::move(args),
      [this, done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        if (reply->elements.size() == 1 && reply->elements[0].str == "reused") {
          return std::move(done)(WithReason(
              InvalidField("request_id",
                           "was already used with a different request"),
              "REQUEST_ID_REUSED"));
        }
        std::move(done)(Assemble(*reply));
      },
      deadline);
}

void RedisPlanStore::Get(const Caller& caller, const std::string& plan_id,
                         int revision, absl::Time deadline,
                         Done<PlanRecord> done) {
  const std::string& user_id = caller.user_id();
  caller.Call(
      redis_, Functions(), "plan_get", {PlansKey(user_id)},
      {plan_id, absl::StrCat(revision)},
      [this, done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        std::move(done)(Assemble(*reply));
      },
      deadline);
}

void RedisPlanStore::ListRevisions(const Caller& caller,
                                   const std::string& plan_id,
                                   absl::Time deadline,
                                   Done<std::vector<v1::PlanRevision>> done) {
  const std::string& user_id = caller.user_id();
  caller.Call(
      redis_, Functions(), "plan_revisions", {PlansKey(user_id)}, {plan_id},
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

void RedisPlanStore::Revise(const Caller& caller, const std::string& plan_id,
                            const std::string& request_id,
                            int expected_revision, const PlanRecord& record,
                            absl::Time deadline, Done<PlanRecord> done) {
  const std::string& user_id = caller.user_id();
  std::vector<std::string> args = {request_id,
                                   plan_id,
                                   absl::StrCat(expected_revision),
                                   StoredRecord(record),
                                   record.revision().SerializeAsString(),
                                   record.plan().SerializeAsString(),
                                   absl::StrCat(revisions_kept_)};
  caller.Call(
      redis_, Functions(), "plan_revise", {PlansKey(user_id)}, std::move(args),
      [this, done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
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
        if (e.size() != 3) {
          return std::move(done)(
              absl::InternalError("unexpected redis reply to plan_revise"));
        }
        std::move(done)(Assemble(e[1], e[2]));
      },
      deadline);
}

}  // namespace gracilis::plan
