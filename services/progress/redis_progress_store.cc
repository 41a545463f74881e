#include "absl/strings/str_cat.h"
#include "common/clock/iso_week.h"
#include "common/redis/keys.h"
#include "services/plan/plan_store.h"
#include "services/progress/progress_store.h"
#include "services/workout/workout_store.h"

namespace gracilis::progress {
namespace {

std::string ProgressKey(const std::string& user_id) {
  return UserKey(user_id, "progress");
}

absl::StatusOr<v1::WeeklyProgress> ParseSnapshot(const std::string& bytes) {
  v1::WeeklyProgress week;
  if (!week.ParseFromString(bytes)) {
    return absl::DataLossError("stored weekly snapshot is corrupt");
  }
  week.set_from_snapshot(true);
  return week;
}

}  // namespace

const FunctionLibrary& RedisProgressStore::Functions() {
  static const auto* library = new FunctionLibrary(MakeUserFunctionLibrary(
      "gracilis_progress", 6,
      absl::StrCat(
          workout::RedisWorkoutStore::ChangesStampLua(),
          plan::RedisPlanStore::StampLua(),
          R"lua(-- Stores the week's snapshot unless one is (the first stays) and
-- returns the stored one. A new one also deletes the weeks (snapshots and
-- done markers) before the oldest kept: ISO week texts sort by time; the
-- count of saves (the field "saves", which sorts after every week) moves
-- the week view's stamp.
local function save(progress, registry, week, snapshot, oldest)
  if redis.call('HSETNX', progress, week, snapshot) == 1 then
    redis.call('HINCRBY', progress, 'saves', 1)
    redis.call('SADD', registry, progress)
    for _, field in ipairs(redis.call('HKEYS', progress)) do
      local name = string.gsub(field, '^done:', '')
      if oldest and name < oldest then redis.call('HDEL', progress, field) end
    end
    return snapshot
  end
  return redis.call('HGET', progress, week)
end

-- KEYS: progress. ARGV: weeks. The snapshot of each, nil where none.
register_user_function('progress_read', function(keys, args)
  return redis.call('HMGET', keys[1], unpack(args))
end, {'no-writes'})

-- KEYS: progress, registry. ARGV: week, snapshot, oldest week kept.
-- The stored snapshot.
redis.register_function('progress_save', function(keys, args)
  return save(keys[1], keys[2], args[1], args[2], args[3])
end)

-- KEYS: progress, registry. ARGV: week.
redis.register_function('progress_done', function(keys, args)
  redis.call('HSET', keys[1], 'done:' .. args[1], 1)
  redis.call('SADD', keys[2], keys[1])
  return true
end)

-- KEYS: progress, registry. ARGV: week, snapshot, oldest week kept.
-- progress_save and progress_done in one step: the weekly job's last write
-- for a user. The stored snapshot.
redis.register_function('progress_finish', function(keys, args)
  local stored = save(keys[1], keys[2], args[1], args[2], args[3])
  redis.call('HSET', keys[1], 'done:' .. args[1], 1)
  return stored
end)

-- What a user's week view is computed from, now: see ReadView.
local function view_stamp(prefix, version)
  return table.concat({version, workout_changes_stamp(prefix),
                       plan_stamp(prefix),
                       redis.call('HGET', prefix .. 'progress', 'saves') or '0'},
                      '|')
end

-- KEYS: weekview. ARGV: version. {stamp now, zone, week...}, with the
-- zone and the weeks only when the stored view has that stamp.
register_user_function('progress_view', function(keys, args)
  local stamp = view_stamp(string.sub(keys[1], 1, -9), args[1])
  local got = redis.call('HGETALL', keys[1])
  local out = {stamp, false}
  for i = 1, #got, 2 do
    if got[i] == 'stamp' and got[i + 1] ~= stamp then return {stamp} end
    if got[i] == 'zone' then out[2] = got[i + 1] end
    if string.sub(got[i], 1, 2) == 'w:' then out[#out + 1] = got[i + 1] end
  end
  if not out[2] then return {stamp} end
  return out
end, {'no-writes'})

-- KEYS: weekview, registry. ARGV: stamp, zone, week, its data, oldest week
-- kept. A view under another stamp is replaced.
register_user_function('progress_view_save', function(keys, args)
  if redis.call('HGET', keys[1], 'stamp') ~= args[1] then
    redis.call('DEL', keys[1])
  end
  redis.call('HSET', keys[1], 'stamp', args[1], 'zone', args[2],
             'w:' .. args[3], args[4])
  for _, field in ipairs(redis.call('HKEYS', keys[1])) do
    if string.sub(field, 1, 2) == 'w:' and string.sub(field, 3) < args[5] then
      redis.call('HDEL', keys[1], field)
    end
  end
  redis.call('SADD', keys[2], keys[1])
  return true
end)
)lua")));
  return *library;
}

void RedisProgressStore::GetSnapshots(
    const Caller& caller, const std::vector<type::v1::IsoWeek>& weeks,
    absl::Time deadline,
    Done<std::vector<std::optional<v1::WeeklyProgress>>> done) {
  if (weeks.empty()) {
    return std::move(done)(std::vector<std::optional<v1::WeeklyProgress>>());
  }
  std::vector<std::string> args;
  for (const type::v1::IsoWeek& week : weeks) {
    args.push_back(IsoWeekText(week));
  }
  caller.Call(
      redis_, Functions(), "progress_read", {ProgressKey(caller.user_id())},
      std::move(args),
      [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        std::vector<std::optional<v1::WeeklyProgress>> out;
        for (const RedisReply& element : reply->elements) {
          if (element.is_nil()) {
            out.emplace_back();
            continue;
          }
          absl::StatusOr<v1::WeeklyProgress> week = ParseSnapshot(element.str);
          if (!week.ok()) {
            return std::move(done)(week.status());
          }
          out.push_back(*std::move(week));
        }
        std::move(done)(std::move(out));
      },
      deadline);
}

void RedisProgressStore::SaveSnapshot(const std::string& user_id,
                                      const v1::WeeklyProgress& week,
                                      absl::Time deadline,
                                      Done<v1::WeeklyProgress> done) {
  Save("progress_save", user_id, week, deadline, std::move(done));
}

void RedisProgressStore::SaveSnapshotAndMarkDone(
    const std::string& user_id, const v1::WeeklyProgress& week,
    absl::Time deadline, Done<v1::WeeklyProgress> done) {
  Save("progress_finish", user_id, week, deadline, std::move(done));
}

void RedisProgressStore::Save(const char* function, const std::string& user_id,
                              const v1::WeeklyProgress& week,
                              absl::Time deadline,
                              Done<v1::WeeklyProgress> done) {
  v1::WeeklyProgress stored = week;
  stored.clear_from_snapshot();
  redis_.Call(
      function, {ProgressKey(user_id), UserKeyRegistry(user_id)},
      {IsoWeekText(week.week()), stored.SerializeAsString(),
       IsoWeekText(AddWeeks(week.week(), 1 - weeks_kept_))},
      [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        std::move(done)(ParseSnapshot(reply->str));
      },
      deadline);
}

void RedisProgressStore::IsWeekDone(const std::string& user_id,
                                    const type::v1::IsoWeek& week,
                                    absl::Time deadline, Done<bool> done) {
  redis_.Execute(
      {"HEXISTS", ProgressKey(user_id),
       absl::StrCat("done:", IsoWeekText(week))},
      [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        std::move(done)(reply->integer == 1);
      },
      deadline);
}

void RedisProgressStore::MarkWeekDone(const std::string& user_id,
                                      const type::v1::IsoWeek& week,
                                      absl::Time deadline, DoneStatus done) {
  redis_.Call("progress_done", {ProgressKey(user_id), UserKeyRegistry(user_id)},
              {IsoWeekText(week)}, StatusOnly(std::move(done)), deadline);
}

void RedisProgressStore::ReadView(const Caller& caller,
                                  const std::string& version,
                                  absl::Time deadline, Done<ViewRead> done) {
  caller.Call(
      redis_, Functions(), "progress_view",
      {UserKey(caller.user_id(), "weekview")}, {version},
      [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        const auto& e = reply->elements;
        if (e.empty()) {
          return std::move(done)(
              absl::InternalError("unexpected redis reply to progress_view"));
        }
        ViewRead read;
        read.stamp = e[0].str;
        if (e.size() >= 2 && !e[1].is_nil()) {
          WeekView view;
          view.zone = e[1].str;
          for (size_t i = 2; i < e.size(); ++i) {
            if (!view.weeks.emplace_back().ParseFromString(e[i].str)) {
              view.weeks.pop_back();  // unreadable: computed again
            }
          }
          read.fresh = std::move(view);
        }
        std::move(done)(std::move(read));
      },
      deadline);
}

void RedisProgressStore::SaveView(const Caller& caller,
                                  const std::string& stamp,
                                  const std::string& zone,
                                  const v1::WeeklyProgress& week,
                                  const type::v1::IsoWeek& oldest,
                                  absl::Time deadline, DoneStatus done) {
  const std::string& user_id = caller.user_id();
  caller.Call(redis_, Functions(), "progress_view_save",
              {UserKey(user_id, "weekview"), UserKeyRegistry(user_id)},
              {stamp, zone, IsoWeekText(week.week()), week.SerializeAsString(),
               IsoWeekText(oldest)},
              StatusOnly(std::move(done)), deadline);
}

}  // namespace gracilis::progress
