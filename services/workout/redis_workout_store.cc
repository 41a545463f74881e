// RedisWorkoutStore: the C++ side of workout_functions.lua. Each method is
// one FCALL for its Caller (caller.h: the session is checked in the same
// call).

#include <algorithm>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/clock/timestamp.h"
#include "common/redis/keys.h"
#include "common/status/errors.h"
#include "common/status/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "services/workout/domain/workout_rules.h"
#include "services/workout/workout_store.h"

namespace gracilis::workout {
namespace {

using google::protobuf::util::TimeUtil;
using Fields = std::map<std::string, std::string, std::less<>>;

std::string WorkoutKey(const std::string& user_id,
                       const std::string& workout_id) {
  return UserKey(user_id, absl::StrCat("w:", workout_id));
}

std::string WorkoutName(const std::string& user_id,
                        const std::string& workout_id) {
  return absl::StrCat("users/", user_id, "/workouts/", workout_id);
}

std::string TimestampBytes(absl::Time time) {
  return ToTimestamp(time).SerializeAsString();
}

int64_t Micros(const google::protobuf::Timestamp& timestamp) {
  return TimeUtil::TimestampToMicroseconds(timestamp);
}

std::string Seconds(absl::Duration duration) {
  return absl::StrCat(absl::ToInt64Seconds(duration));
}

// A client id stored before with other content.
absl::Status Reused(const std::string& field) {
  return WithReason(
      InvalidField(field,
                   "was already used with different content; use a new id"),
      "REQUEST_ID_REUSED");
}

absl::Status Corrupt(const std::string& what) {
  return absl::DataLossError(absl::StrCat("stored ", what, " is corrupt"));
}

absl::Status Unexpected(const char* function) {
  return absl::InternalError(
      absl::StrCat("unexpected redis reply to ", function));
}

// A workout as hash fields (see workout_functions.lua), without f, v, ut.
std::vector<std::string> FieldsOf(const v1::Workout& workout) {
  v1::Workout header;
  header.set_planned_session_id(workout.planned_session_id());
  if (workout.has_start_time()) {
    *header.mutable_start_time() = workout.start_time();
  }
  header.set_notes(workout.notes());
  std::vector<std::string> fields = {
      "h",  header.SerializeAsString(),
      "st", absl::StrCat(static_cast<int>(workout.state())),
      "ns", absl::StrCat(workout.sets_size()),
      "nr", absl::StrCat(workout.runs_size())};
  if (workout.has_end_time()) {
    fields.push_back("et");
    fields.push_back(workout.end_time().SerializeAsString());
  }
  for (v1::StrengthSet set : workout.sets()) {
    fields.push_back(absl::StrCat("s:", set.set_id()));
    set.clear_set_id();
    fields.push_back(set.SerializeAsString());
  }
  for (v1::Run run : workout.runs()) {
    fields.push_back(absl::StrCat("r:", run.run_id()));
    run.clear_run_id();
    fields.push_back(run.SerializeAsString());
  }
  return fields;
}

Fields FieldMap(const RedisReply& flat) {
  Fields fields;
  for (size_t i = 0; i + 1 < flat.elements.size(); i += 2) {
    fields[flat.elements[i].str] = flat.elements[i + 1].str;
  }
  return fields;
}

// A stored workout hash; `deleted` for a tombstone or a hash that is gone.
struct StoredWorkout {
  v1::Workout workout;
  bool deleted = false;
};

absl::StatusOr<StoredWorkout> ParseWorkout(const std::string& user_id,
                                           const std::string& workout_id,
                                           const RedisReply& hgetall) {
  StoredWorkout stored;
  v1::Workout& workout = stored.workout;
  const Fields fields = FieldMap(hgetall);
  stored.deleted = fields.empty() || fields.count("del") > 0;
  int64_t version = 0;
  if (auto v = fields.find("v");
      v != fields.end() && !absl::SimpleAtoi(v->second, &version)) {
    return Corrupt("workout");
  }
  workout.set_version(version);
  if (auto ut = fields.find("ut");
      ut != fields.end() &&
      !workout.mutable_update_time()->ParseFromString(ut->second)) {
    return Corrupt("workout");
  }
  if (stored.deleted) {
    workout.set_name(WorkoutName(user_id, workout_id));
    workout.set_workout_id(workout_id);
    return stored;
  }
  auto header = fields.find("h");
  int state = 0;
  auto st = fields.find("st");
  if (header == fields.end() || !workout.ParseFromString(header->second) ||
      st == fields.end() || !absl::SimpleAtoi(st->second, &state) ||
      !v1::Workout::State_IsValid(state)) {
    return Corrupt("workout");
  }
  // ParseFromString cleared what was read before it.
  workout.set_version(version);
  if (auto ut = fields.find("ut"); ut != fields.end()) {
    workout.mutable_update_time()->ParseFromString(ut->second);
  }
  workout.set_name(WorkoutName(user_id, workout_id));
  workout.set_workout_id(workout_id);
  workout.set_state(static_cast<v1::Workout::State>(state));
  if (auto et = fields.find("et");
      et != fields.end() &&
      !workout.mutable_end_time()->ParseFromString(et->second)) {
    return Corrupt("workout");
  }
  for (const auto& [field, value] : fields) {
    if (absl::StartsWith(field, "s:")) {
      v1::StrengthSet* set = workout.add_sets();
      if (!set->ParseFromString(value)) {
        return Corrupt("set");
      }
      set->set_set_id(field.substr(2));
    } else if (absl::StartsWith(field, "r:")) {
      v1::Run* run = workout.add_runs();
      if (!run->ParseFromString(value)) {
        return Corrupt("run");
      }
      run->set_run_id(field.substr(2));
    }
  }
  // In the order they were done; ids break ties so reads are stable.
  std::sort(workout.mutable_sets()->begin(), workout.mutable_sets()->end(),
            [](const v1::StrengthSet& a, const v1::StrengthSet& b) {
              return std::make_pair(Micros(a.performed_time()), a.set_id()) <
                     std::make_pair(Micros(b.performed_time()), b.set_id());
            });
  std::sort(workout.mutable_runs()->begin(), workout.mutable_runs()->end(),
            [](const v1::Run& a, const v1::Run& b) {
              return std::make_pair(Micros(a.start_time()), a.run_id()) <
                     std::make_pair(Micros(b.start_time()), b.run_id());
            });
  return stored;
}

// A live workout from a reply, NOT_FOUND for a tombstone or nothing.
absl::StatusOr<v1::Workout> LiveWorkout(const std::string& user_id,
                                        const std::string& workout_id,
                                        const RedisReply& hgetall) {
  absl::StatusOr<StoredWorkout> stored =
      ParseWorkout(user_id, workout_id, hgetall);
  if (!stored.ok()) {
    return stored.status();
  }
  if (stored->deleted) {
    return absl::NotFoundError("no such workout");
  }
  return std::move(stored->workout);
}

// The reply of a create ({'stored'|'same', hgetall} | {'reused'} | ...).
absl::StatusOr<v1::Workout> CreateResult(const std::string& user_id,
                                         const std::string& workout_id,
                                         const RedisReply& reply) {
  const auto& e = reply.elements;
  if (e.empty()) {
    return Unexpected("workout create");
  }
  const std::string& outcome = e[0].str;
  if ((outcome == "stored" || outcome == "same") && e.size() == 2) {
    return LiveWorkout(user_id, workout_id, e[1]);
  }
  if (outcome == "reused") {
    return Reused("workout.workout_id");
  }
  if (outcome == "deleted") {
    return WithReason(absl::FailedPreconditionError(absl::StrCat(
                          "workout ", workout_id,
                          " was deleted; its id cannot be used again")),
                      "WORKOUT_DELETED");
  }
  if (outcome == "busy" && e.size() == 2) {
    return WithReason(absl::FailedPreconditionError(absl::StrCat(
                          "workout ", WorkoutName(user_id, e[1].str),
                          " is still active; finish or abandon it first")),
                      "WORKOUT_ALREADY_ACTIVE");
  }
  return Unexpected("workout create");
}

// Page tokens of newest-first listings: "<score>:<skip>", the score of the
// last item handed out and how many items with that score were.
struct Cursor {
  bool started = false;
  int64_t score = 0;
  int64_t skip = 0;
};

absl::StatusOr<Cursor> ParseCursor(const std::string& token) {
  Cursor cursor;
  if (token.empty()) {
    return cursor;
  }
  std::vector<std::string> parts = absl::StrSplit(token, ':');
  // (64: two int64s and a colon fit; the contract states it.)
  if (token.size() > 64 || parts.size() != 2 ||
      !absl::SimpleAtoi(parts[0], &cursor.score) ||
      !absl::SimpleAtoi(parts[1], &cursor.skip) || cursor.skip < 0) {
    return InvalidField("page_token", "must be a token from a previous page");
  }
  cursor.started = true;
  return cursor;
}

// The token after a page whose items had `scores`, if more remain.
std::string NextToken(const Cursor& cursor, const std::vector<int64_t>& scores,
                      bool more) {
  if (!more || scores.empty()) {
    return "";
  }
  const int64_t last = scores.back();
  int64_t skip = std::count(scores.begin(), scores.end(), last);
  if (cursor.started && cursor.score == last) {
    skip += cursor.skip;
  }
  return absl::StrCat(last, ":", skip);
}

int64_t ScoreOf(const RedisReply& reply) {
  double score = 0;
  absl::SimpleAtod(reply.str, &score);
  return static_cast<int64_t>(score);
}

// Reads the workouts named by ids with one workout_read call.
void ReadWorkouts(RedisClient& redis, const Caller& caller,
                  std::vector<std::string> ids, absl::Time deadline,
                  Done<std::vector<StoredWorkout>> done) {
  const std::string& user_id = caller.user_id();
  if (ids.empty()) {
    return std::move(done)(std::vector<StoredWorkout>());
  }
  std::vector<std::string> keys;
  for (const std::string& id : ids) {
    keys.push_back(WorkoutKey(user_id, id));
  }
  caller.Call(
      redis, RedisWorkoutStore::Functions(), "workout_read", std::move(keys),
      {},
      [user_id, ids = std::move(ids),
       done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        if (reply->elements.size() != ids.size()) {
          return std::move(done)(Unexpected("workout_read"));
        }
        std::vector<StoredWorkout> workouts;
        for (size_t i = 0; i < ids.size(); ++i) {
          absl::StatusOr<StoredWorkout> stored =
              ParseWorkout(user_id, ids[i], reply->elements[i]);
          if (!stored.ok()) {
            return std::move(done)(stored.status());
          }
          workouts.push_back(*std::move(stored));
        }
        std::move(done)(std::move(workouts));
      },
      deadline);
}

template <typename Record>
absl::Status AddOutcome(const RedisReply& reply, const char* what) {
  const std::string outcome =
      reply.elements.empty() ? "" : reply.elements[0].str;
  if (outcome == "stored" || outcome == "same") {
    return absl::OkStatus();
  }
  if (outcome == "missing") {
    return absl::NotFoundError("no such workout");
  }
  if (outcome == "reused") {
    return Reused(absl::StrCat(what, ".", what, "_id"));
  }
  if (outcome == "ended") {
    return WithReason(absl::FailedPreconditionError(
                          "the workout has ended; log to it while it is "
                          "active, or edit it with UpdateWorkout"),
                      "WORKOUT_ENDED");
  }
  if (outcome == "full") {
    return absl::ResourceExhaustedError(
        absl::StrCat("the workout has the most ", what, "s allowed (",
                     std::is_same_v<Record, v1::Run> ? kMaxRunsPerWorkout
                                                     : kMaxSetsPerWorkout,
                     ")"));
  }
  return Unexpected("workout_add");
}

// Body measurements and nutrition logs share record_log / record_page.
struct RecordKind {
  const char* change;  // the change member prefix
  const char* hash;
  const char* index;
  const char* what;
};
constexpr RecordKind kMeasurements = {"m", "body", "bodyidx", "measurement"};
constexpr RecordKind kNutritionLogs = {"n", "nutrition", "nutritionidx",
                                       "nutrition log"};

std::string DateId(const type::v1::Date& date) {
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(),
                         date.day());
}

}  // namespace

absl::string_view RedisWorkoutStore::ChangesStampLua() {
  // changeseq is INCRed by every write (log_change in the library).
  return R"lua(
local function workout_changes_stamp(prefix)
  return redis.call('GET', prefix .. 'changeseq') or '0'
end
)lua";
}

void RedisWorkoutStore::Start(const Caller& caller, const v1::Workout& workout,
                              const std::string& upload, absl::Time now,
                              absl::Time deadline, Done<v1::Workout> done) {
  const std::string& user_id = caller.user_id();
  const std::string& id = workout.workout_id();
  std::vector<std::string> keys = {
      WorkoutKey(user_id, id),     UserKey(user_id, "workouts"),
      UserKey(user_id, "changes"), UserKey(user_id, "changeseq"),
      UserKeyRegistry(user_id),    UserKey(user_id, "active")};
  std::vector<std::string> args = {
      id, upload, absl::StrCat(Micros(workout.start_time())),
      TimestampBytes(now), Seconds(kActiveWorkoutTtl)};
  for (std::string& field : FieldsOf(workout)) {
    args.push_back(std::move(field));
  }
  caller.Call(
      redis_, Functions(), "workout_start", std::move(keys), std::move(args),
      [user_id, id,
       done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        std::move(done)(CreateResult(user_id, id, *reply));
      },
      deadline);
}

namespace {

// Adds a set ('s') or run ('r') with workout_add.
template <typename Record>
void AddItem(RedisClient& redis, const Caller& caller,
             const std::string& workout_id, const char* kind,
             const std::string& item_id, Record record, int cap, absl::Time now,
             absl::Time deadline, Done<Record> done) {
  const std::string& user_id = caller.user_id();
  Record stored = record;
  if constexpr (std::is_same_v<Record, v1::Run>) {
    stored.clear_run_id();
  } else {
    stored.clear_set_id();
  }
  std::vector<std::string> keys = {
      WorkoutKey(user_id, workout_id), UserKey(user_id, "changes"),
      UserKey(user_id, "changeseq"), UserKey(user_id, "active")};
  std::vector<std::string> args = {workout_id,
                                   kind,
                                   item_id,
                                   stored.SerializeAsString(),
                                   TimestampBytes(now),
                                   absl::StrCat(cap),
                                   Seconds(kActiveWorkoutTtl)};
  const char* what = std::is_same_v<Record, v1::Run> ? "run" : "set";
  caller.Call(
      redis, RedisWorkoutStore::Functions(), "workout_add", std::move(keys),
      std::move(args),
      [record = std::move(record), what,
       done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        absl::Status outcome = AddOutcome<Record>(*reply, what);
        if (!outcome.ok()) {
          return std::move(done)(outcome);
        }
        std::move(done)(std::move(record));
      },
      deadline);
}

}  // namespace

void RedisWorkoutStore::AddSet(const Caller& caller,
                               const std::string& workout_id,
                               const v1::StrengthSet& set, absl::Time now,
                               absl::Time deadline,
                               Done<v1::StrengthSet> done) {
  AddItem(redis_, caller, workout_id, "s", set.set_id(), set,
          kMaxSetsPerWorkout, now, deadline, std::move(done));
}

void RedisWorkoutStore::AddRun(const Caller& caller,
                               const std::string& workout_id,
                               const v1::Run& run, absl::Time now,
                               absl::Time deadline, Done<v1::Run> done) {
  AddItem(redis_, caller, workout_id, "r", run.run_id(), run,
          kMaxRunsPerWorkout, now, deadline, std::move(done));
}

void RedisWorkoutStore::End(const Caller& caller, const std::string& workout_id,
                            v1::Workout::State state, absl::Time end_time,
                            absl::Time now, absl::Time deadline,
                            Done<v1::Workout> done) {
  const std::string& user_id = caller.user_id();
  std::vector<std::string> keys = {
      WorkoutKey(user_id, workout_id), UserKey(user_id, "changes"),
      UserKey(user_id, "changeseq"), UserKey(user_id, "active")};
  std::vector<std::string> args = {
      workout_id, absl::StrCat(static_cast<int>(state)),
      TimestampBytes(end_time), TimestampBytes(now)};
  caller.Call(
      redis_, Functions(), "workout_end", std::move(keys), std::move(args),
      [user_id, workout_id,
       done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        const auto& e = reply->elements;
        const std::string outcome = e.empty() ? "" : e[0].str;
        if ((outcome == "stored" || outcome == "same") && e.size() == 2) {
          return std::move(done)(LiveWorkout(user_id, workout_id, e[1]));
        }
        if (outcome == "missing") {
          return std::move(done)(absl::NotFoundError("no such workout"));
        }
        if (outcome == "ended") {
          return std::move(done)(WithReason(
              absl::FailedPreconditionError(
                  "the workout already ended the other way (finished or "
                  "abandoned)"),
              "WORKOUT_ENDED"));
        }
        std::move(done)(Unexpected("workout_end"));
      },
      deadline);
}

void RedisWorkoutStore::GetActive(const Caller& caller, absl::Time deadline,
                                  Done<v1::Workout> done) {
  caller.Call(
      redis_, Functions(), "workout_active",
      {UserKey(caller.user_id(), "active")}, {},
      [user_id = caller.user_id(),
       done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        const auto& e = reply->elements;
        if (e.size() != 2) {
          return std::move(done)(absl::NotFoundError("no workout is active"));
        }
        absl::StatusOr<StoredWorkout> stored =
            ParseWorkout(user_id, e[0].str, e[1]);
        if (!stored.ok()) {
          return std::move(done)(stored.status());
        }
        if (stored->deleted) {
          return std::move(done)(absl::NotFoundError("no workout is active"));
        }
        std::move(done)(std::move(stored->workout));
      },
      deadline);
}

void RedisWorkoutStore::Sync(
    const Caller& caller, std::vector<SyncItem> items, absl::Time now,
    absl::Time deadline, Done<std::vector<absl::StatusOr<v1::Workout>>> done) {
  const std::string& user_id = caller.user_id();
  if (items.empty()) {
    return std::move(done)(std::vector<absl::StatusOr<v1::Workout>>());
  }
  std::vector<std::string> keys = {
      UserKey(user_id, "workouts"), UserKey(user_id, "changes"),
      UserKey(user_id, "changeseq"), UserKeyRegistry(user_id)};
  std::vector<std::string> args = {TimestampBytes(now)};
  std::vector<std::string> ids;
  for (SyncItem& item : items) {
    const std::string& id = item.workout.workout_id();
    ids.push_back(id);
    keys.push_back(WorkoutKey(user_id, id));
    std::vector<std::string> fields = FieldsOf(item.workout);
    args.push_back(id);
    args.push_back(std::move(item.upload));
    args.push_back(absl::StrCat(Micros(item.workout.start_time())));
    args.push_back(absl::StrCat(fields.size()));
    std::move(fields.begin(), fields.end(), std::back_inserter(args));
  }
  caller.Call(
      redis_, Functions(), "workout_sync", std::move(keys), std::move(args),
      [user_id, ids = std::move(ids),
       done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        if (reply->elements.size() != ids.size()) {
          return std::move(done)(Unexpected("workout_sync"));
        }
        std::vector<absl::StatusOr<v1::Workout>> results;
        for (size_t i = 0; i < ids.size(); ++i) {
          results.push_back(CreateResult(user_id, ids[i], reply->elements[i]));
        }
        std::move(done)(std::move(results));
      },
      deadline);
}

void RedisWorkoutStore::List(const Caller& caller, const WorkoutQuery& query,
                             absl::Time deadline,
                             Done<Page<v1::Workout>> done) {
  const std::string& user_id = caller.user_id();
  absl::StatusOr<Cursor> cursor = ParseCursor(query.page_token);
  if (!cursor.ok()) {
    return std::move(done)(cursor.status());
  }
  std::string max = "+inf";
  if (cursor->started) {
    max = absl::StrCat(cursor->score);
  } else if (query.until != absl::InfiniteFuture()) {
    max = absl::StrCat("(", absl::ToUnixMicros(query.until));
  }
  const std::string min = query.from == absl::InfinitePast()
                              ? "-inf"
                              : absl::StrCat(absl::ToUnixMicros(query.from));
  const int size = query.page_size;
  caller.Call(
      redis_, Functions(), "workout_list", {UserKey(user_id, "workouts")},
      {max, min, absl::StrCat(cursor->started ? cursor->skip : 0),
       absl::StrCat(size + 1)},
      [user_id, size, cursor = *cursor,
       done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        const auto& e = reply->elements;
        Page<v1::Workout> page;
        std::vector<int64_t> scores;
        for (size_t i = 0; i + 2 < e.size() && scores.size() < size_t(size);
             i += 3) {
          scores.push_back(ScoreOf(e[i + 1]));
          absl::StatusOr<StoredWorkout> stored =
              ParseWorkout(user_id, e[i].str, e[i + 2]);
          if (!stored.ok()) {
            return std::move(done)(stored.status());
          }
          if (!stored->deleted) {  // the index drops a workout as it goes
            page.items.push_back(std::move(stored->workout));
          }
        }
        page.next_page_token =
            NextToken(cursor, scores, e.size() / 3 > size_t(size));
        std::move(done)(std::move(page));
      },
      deadline);
}

void RedisWorkoutStore::Get(const Caller& caller, const std::string& workout_id,
                            absl::Time deadline, Done<v1::Workout> done) {
  ReadWorkouts(
      redis_, caller, {workout_id}, deadline,
      [done = std::move(done)](
          absl::StatusOr<std::vector<StoredWorkout>> stored) mutable {
        if (!stored.ok()) {
          return std::move(done)(stored.status());
        }
        if (stored->at(0).deleted) {
          return std::move(done)(absl::NotFoundError("no such workout"));
        }
        std::move(done)(std::move(stored->at(0).workout));
      });
}

void RedisWorkoutStore::Replace(const Caller& caller,
                                const v1::Workout& workout,
                                int64_t expected_version, absl::Time now,
                                absl::Time deadline, Done<v1::Workout> done) {
  const std::string& user_id = caller.user_id();
  const std::string& id = workout.workout_id();
  std::vector<std::string> keys = {
      WorkoutKey(user_id, id), UserKey(user_id, "workouts"),
      UserKey(user_id, "changes"), UserKey(user_id, "changeseq")};
  std::vector<std::string> args = {id, absl::StrCat(expected_version),
                                   absl::StrCat(Micros(workout.start_time())),
                                   TimestampBytes(now)};
  for (std::string& field : FieldsOf(workout)) {
    args.push_back(std::move(field));
  }
  caller.Call(
      redis_, Functions(), "workout_replace", std::move(keys), std::move(args),
      [user_id, id,
       done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        const auto& e = reply->elements;
        const std::string outcome = e.empty() ? "" : e[0].str;
        if (outcome == "stored" && e.size() == 2) {
          return std::move(done)(LiveWorkout(user_id, id, e[1]));
        }
        if (outcome == "missing") {
          return std::move(done)(absl::NotFoundError("no such workout"));
        }
        if (outcome == "conflict") {
          return std::move(done)(absl::AbortedError(
              "the workout changed meanwhile; read it again and retry"));
        }
        std::move(done)(Unexpected("workout_replace"));
      },
      deadline);
}

void RedisWorkoutStore::Delete(const Caller& caller,
                               const std::string& workout_id, absl::Time now,
                               absl::Time deadline, DoneStatus done) {
  const std::string& user_id = caller.user_id();
  std::vector<std::string> keys = {
      WorkoutKey(user_id, workout_id), UserKey(user_id, "workouts"),
      UserKey(user_id, "changes"), UserKey(user_id, "changeseq"),
      UserKey(user_id, "active")};
  caller.Call(
      redis_, Functions(), "workout_delete", std::move(keys),
      {workout_id, TimestampBytes(now), Seconds(kTombstoneTtl)},
      [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        const auto& e = reply->elements;
        const std::string outcome = e.empty() ? "" : e[0].str;
        if (outcome == "stored" || outcome == "same") {
          return std::move(done)(absl::OkStatus());
        }
        if (outcome == "missing") {
          return std::move(done)(absl::NotFoundError("no such workout"));
        }
        std::move(done)(Unexpected("workout_delete"));
      },
      deadline);
}

namespace {

// One change from the feed's member and what changes_read returned for it.
absl::StatusOr<v1::Change> ChangeOf(const std::string& user_id,
                                    const std::string& member,
                                    const RedisReply& content) {
  v1::Change change;
  const std::string id = member.substr(2);
  if (member[0] == 'w') {
    ASSIGN_OR_RETURN(StoredWorkout stored, ParseWorkout(user_id, id, content));
    change.set_resource(stored.workout.name());
    *change.mutable_change_time() = stored.workout.update_time();
    if (stored.deleted) {
      change.set_kind(v1::Change::KIND_WORKOUT_DELETED);
    } else {
      change.set_kind(v1::Change::KIND_WORKOUT_UPSERTED);
      *change.mutable_workout() = std::move(stored.workout);
    }
    return change;
  }
  if (content.elements.size() != 2) {
    return Unexpected("changes_read");
  }
  const std::string& record = content.elements[0].str;
  change.mutable_change_time()->ParseFromString(content.elements[1].str);
  if (member[0] == 'm') {
    change.set_kind(v1::Change::KIND_BODY_MEASUREMENT);
    change.set_resource(
        absl::StrCat("users/", user_id, "/bodyMeasurements/", id));
    if (!change.mutable_body_measurement()->ParseFromString(record)) {
      return Corrupt("measurement");
    }
  } else {
    change.set_kind(v1::Change::KIND_NUTRITION_LOG);
    change.set_resource(absl::StrCat("users/", user_id, "/nutritionLogs/", id));
    if (!change.mutable_nutrition_log()->ParseFromString(record)) {
      return Corrupt("nutrition log");
    }
  }
  return change;
}

}  // namespace

void RedisWorkoutStore::Changes(const Caller& caller,
                                const std::string& since_token, int page_size,
                                absl::Time deadline, Done<ChangePage> done) {
  const std::string& user_id = caller.user_id();
  int64_t since = 0;
  // (20: an int64 fits; the contract states it.)
  if (!since_token.empty() &&
      (since_token.size() > 20 || !absl::SimpleAtoi(since_token, &since) ||
       since < 0)) {
    return std::move(done)(InvalidField(
        "since_token", "must be empty or a next_token from ListChanges"));
  }
  caller.Call(
      redis_, Functions(), "changes_page",
      {UserKey(user_id, "changes"), UserKey(user_id, "changefloor"),
       UserKey(user_id, "body"), UserKey(user_id, "nutrition")},
      {absl::StrCat(since), absl::StrCat(page_size)},
      [user_id, since,
       done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        const auto& e = reply->elements;
        if (e.empty() || e.size() % 3 != 1) {
          return std::move(done)(Unexpected("changes_page"));
        }
        int64_t floor = 0;
        if (since > 0 && absl::SimpleAtoi(e[0].str, &floor) && since < floor) {
          return std::move(done)(WithReason(
              absl::FailedPreconditionError(
                  "since_token is older than the changes kept (deleted "
                  "workouts are forgotten 30 days after deletion): sync "
                  "again from the beginning with an empty since_token"),
              "SYNC_TOKEN_EXPIRED"));
        }
        ChangePage page;
        int64_t last = since;
        for (size_t i = 1; i + 2 < e.size(); i += 3) {
          last = ScoreOf(e[i + 1]);
          absl::StatusOr<v1::Change> change =
              ChangeOf(user_id, e[i].str, e[i + 2]);
          if (!change.ok()) {
            return std::move(done)(change.status());
          }
          page.changes.push_back(*std::move(change));
        }
        page.next_token = absl::StrCat(last);
        std::move(done)(std::move(page));
      },
      deadline);
}

namespace {

// Writes a measurement or nutrition log with record_log.
template <typename Record>
void LogRecord(RedisClient& redis, const Caller& caller, const RecordKind& kind,
               const std::string& id, int64_t score, bool once, Record record,
               absl::Time now, absl::Time deadline, Done<Record> done) {
  const std::string& user_id = caller.user_id();
  std::vector<std::string> keys = {
      UserKey(user_id, kind.hash), UserKey(user_id, kind.index),
      UserKey(user_id, "changes"), UserKey(user_id, "changeseq"),
      UserKeyRegistry(user_id)};
  std::vector<std::string> args = {kind.change,
                                   id,
                                   record.SerializeAsString(),
                                   absl::StrCat(score),
                                   TimestampBytes(now),
                                   once ? "once" : "replace"};
  const char* what = kind.what;
  caller.Call(
      redis, RedisWorkoutStore::Functions(), "record_log", std::move(keys),
      std::move(args),
      [record = std::move(record), what,
       done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        const auto& e = reply->elements;
        const std::string outcome = e.empty() ? "" : e[0].str;
        if (outcome == "stored" || outcome == "same") {
          return std::move(done)(std::move(record));
        }
        if (outcome == "reused") {
          return std::move(done)(Reused(absl::StrCat(what, ".", what, "_id")));
        }
        std::move(done)(Unexpected("record_log"));
      },
      deadline);
}

template <typename Record>
void RecordPage(RedisClient& redis, const Caller& caller,
                const RecordKind& kind, const std::string& page_token,
                int page_size, absl::Time deadline, Done<Page<Record>> done) {
  const std::string& user_id = caller.user_id();
  absl::StatusOr<Cursor> cursor = ParseCursor(page_token);
  if (!cursor.ok()) {
    return std::move(done)(cursor.status());
  }
  const char* what = kind.what;
  caller.Call(
      redis, RedisWorkoutStore::Functions(), "record_page",
      {UserKey(user_id, kind.index), UserKey(user_id, kind.hash)},
      {cursor->started ? absl::StrCat(cursor->score) : "+inf",
       absl::StrCat(cursor->started ? cursor->skip : 0),
       absl::StrCat(page_size + 1)},
      [cursor = *cursor, page_size, what,
       done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (!reply.ok()) {
          return std::move(done)(reply.status());
        }
        const auto& e = reply->elements;
        Page<Record> page;
        std::vector<int64_t> scores;
        for (size_t i = 0;
             i + 2 < e.size() && scores.size() < size_t(page_size); i += 3) {
          scores.push_back(ScoreOf(e[i + 1]));
          if (!page.items.emplace_back().ParseFromString(e[i + 2].str)) {
            return std::move(done)(Corrupt(what));
          }
        }
        page.next_page_token =
            NextToken(cursor, scores, e.size() / 3 > size_t(page_size));
        std::move(done)(std::move(page));
      },
      deadline);
}

}  // namespace

void RedisWorkoutStore::LogMeasurement(const Caller& caller,
                                       const v1::BodyMeasurement& measurement,
                                       absl::Time now, absl::Time deadline,
                                       Done<v1::BodyMeasurement> done) {
  LogRecord(redis_, caller, kMeasurements, measurement.measurement_id(),
            Micros(measurement.measure_time()), /*once=*/true, measurement, now,
            deadline, std::move(done));
}

void RedisWorkoutStore::LogNutrition(const Caller& caller,
                                     const v1::NutritionLog& log,
                                     absl::Time now, absl::Time deadline,
                                     Done<v1::NutritionLog> done) {
  LogRecord(redis_, caller, kNutritionLogs, DateId(log.date()),
            DayNumber(log.date()), /*once=*/false, log, now, deadline,
            std::move(done));
}

void RedisWorkoutStore::ListMeasurements(const Caller& caller,
                                         const std::string& page_token,
                                         int page_size, absl::Time deadline,
                                         Done<Page<v1::BodyMeasurement>> done) {
  RecordPage(redis_, caller, kMeasurements, page_token, page_size, deadline,
             std::move(done));
}

void RedisWorkoutStore::ListNutrition(const Caller& caller,
                                      const std::string& page_token,
                                      int page_size, absl::Time deadline,
                                      Done<Page<v1::NutritionLog>> done) {
  RecordPage(redis_, caller, kNutritionLogs, page_token, page_size, deadline,
             std::move(done));
}

}  // namespace gracilis::workout
