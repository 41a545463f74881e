#pragma once

// Where workouts, body measurements and nutrition logs live. Every write is
// one atomic Redis Function call, acknowledged only once Redis applied it,
// and appends the changed resource to the user's change log (the changes
// feed). Writes keyed by a client id are idempotent: the same id with the
// same content returns what was stored; with other content it fails with
// INVALID_ARGUMENT (REQUEST_ID_REUSED) and changes nothing.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth/caller.h"
#include "common/redis/redis_client.h"
#include "common/status/done.h"
#include "gracilis/workout/v1/workout.pb.h"

namespace gracilis::workout {

// One page of a newest-first listing; `next_page_token` is empty at the end.
template <typename Item>
struct Page {
  std::vector<Item> items;
  std::string next_page_token;
};

// What ListWorkouts asks for: start_time in [from, until), newest first.
struct WorkoutQuery {
  absl::Time from = absl::InfinitePast();
  absl::Time until = absl::InfiniteFuture();
  std::string page_token;
  int page_size = 20;
};

struct ChangePage {
  std::vector<v1::Change> changes;  // oldest first
  std::string next_token;
};

// A workout uploaded by SyncWorkouts, already checked and normalised.
struct SyncItem {
  v1::Workout workout;
  // The upload as sent: the content a retry must repeat.
  std::string upload;
};

class WorkoutStore {
 public:
  virtual ~WorkoutStore() = default;

  // Stores `workout` (ACTIVE) and makes it the user's active workout.
  // FAILED_PRECONDITION (WORKOUT_ALREADY_ACTIVE) if another one is active.
  // `upload` is the request's workout as sent (see SyncItem).
  virtual void Start(const Caller& caller, const v1::Workout& workout,
                     const std::string& upload, absl::Time now,
                     absl::Time deadline, Done<v1::Workout> done) = 0;
  // Adds a set or run to an ACTIVE workout (FAILED_PRECONDITION if it has
  // ended, NOT_FOUND if there is no such workout, RESOURCE_EXHAUSTED at the
  // cap). A retry of an id already stored succeeds even after the end.
  virtual void AddSet(const Caller& caller, const std::string& workout_id,
                      const v1::StrengthSet& set, absl::Time now,
                      absl::Time deadline, Done<v1::StrengthSet> done) = 0;
  virtual void AddRun(const Caller& caller, const std::string& workout_id,
                      const v1::Run& run, absl::Time now, absl::Time deadline,
                      Done<v1::Run> done) = 0;
  // Moves an ACTIVE workout to FINISHED or ABANDONED. Repeating the same
  // end returns the workout; the other end is FAILED_PRECONDITION.
  virtual void End(const Caller& caller, const std::string& workout_id,
                   v1::Workout::State state, absl::Time end_time,
                   absl::Time now, absl::Time deadline,
                   Done<v1::Workout> done) = 0;
  // NOT_FOUND when no workout is active.
  virtual void GetActive(const Caller& caller, absl::Time deadline,
                         Done<v1::Workout> done) = 0;
  // Stores complete workouts in one atomic call; one result per item, in
  // order. A deleted id is FAILED_PRECONDITION (WORKOUT_DELETED).
  virtual void Sync(const Caller& caller, std::vector<SyncItem> items,
                    absl::Time now, absl::Time deadline,
                    Done<std::vector<absl::StatusOr<v1::Workout>>> done) = 0;
  virtual void List(const Caller& caller, const WorkoutQuery& query,
                    absl::Time deadline, Done<Page<v1::Workout>> done) = 0;
  virtual void Get(const Caller& caller, const std::string& workout_id,
                   absl::Time deadline, Done<v1::Workout> done) = 0;
  // Replaces the stored workout with `workout` if its version is still
  // `expected_version` (else ABORTED).
  virtual void Replace(const Caller& caller, const v1::Workout& workout,
                       int64_t expected_version, absl::Time now,
                       absl::Time deadline, Done<v1::Workout> done) = 0;
  // Leaves a tombstone the changes feed reports. Deleting again is OK.
  virtual void Delete(const Caller& caller, const std::string& workout_id,
                      absl::Time now, absl::Time deadline, DoneStatus done) = 0;
  // Changes after `since_token` (empty: all), each resource once at its
  // latest state, oldest change first.
  virtual void Changes(const Caller& caller, const std::string& since_token,
                       int page_size, absl::Time deadline,
                       Done<ChangePage> done) = 0;

  virtual void LogMeasurement(const Caller& caller,
                              const v1::BodyMeasurement& measurement,
                              absl::Time now, absl::Time deadline,
                              Done<v1::BodyMeasurement> done) = 0;
  // Replaces that day's log.
  virtual void LogNutrition(const Caller& caller, const v1::NutritionLog& log,
                            absl::Time now, absl::Time deadline,
                            Done<v1::NutritionLog> done) = 0;
  // Newest measure_time / date first.
  virtual void ListMeasurements(const Caller& caller,
                                const std::string& page_token, int page_size,
                                absl::Time deadline,
                                Done<Page<v1::BodyMeasurement>> done) = 0;
  virtual void ListNutrition(const Caller& caller,
                             const std::string& page_token, int page_size,
                             absl::Time deadline,
                             Done<Page<v1::NutritionLog>> done) = 0;
};

// How long an untouched live workout stays "active" for GetActiveWorkout.
inline constexpr absl::Duration kActiveWorkoutTtl = absl::Hours(12);
// How long a deleted workout's tombstone is kept (and its id refused).
inline constexpr absl::Duration kTombstoneTtl = absl::Hours(24 * 30);

// Redis layout, all in the user's slot {u:<id>} (see the function library
// in redis_workout_store.cc for the fields):
//   w:<workout id>   HASH  one workout: header, state, version, one field
//                          per set and run; a tombstone after deletion
//   workouts         ZSET  workout ids by start time (micros)
//   active           STRING the live workout's id, expiring when untouched
//   body, bodyidx    HASH + ZSET  measurements by id; ids by measure time
//   nutrition, nutritionidx  HASH + ZSET  logs by date; dates by day number
//   changes, changeseq  ZSET + counter  resource -> sequence of its last
//                          change ("w:<id>", "m:<id>", "n:<date>")
// Every key is listed in {u:<id>}:keys so DeleteAccount removes it.
class RedisWorkoutStore final : public WorkoutStore {
 public:
  static const FunctionLibrary& Functions();
  // Published to other services' Lua (part of gracilis_workout's contract
  // from version 3 on; the Lua that includes it needs that version): the
  // function workout_changes_stamp(prefix), where prefix is the user's
  // "{u:<id>}:". Its value changes with every write of the user's
  // workouts, sets, runs, body measurements and nutrition logs.
  static absl::string_view ChangesStampLua();

  explicit RedisWorkoutStore(RedisClient& redis) : redis_(redis) {}

  void Start(const Caller& caller, const v1::Workout& workout,
             const std::string& upload, absl::Time now, absl::Time deadline,
             Done<v1::Workout> done) override;
  void AddSet(const Caller& caller, const std::string& workout_id,
              const v1::StrengthSet& set, absl::Time now, absl::Time deadline,
              Done<v1::StrengthSet> done) override;
  void AddRun(const Caller& caller, const std::string& workout_id,
              const v1::Run& run, absl::Time now, absl::Time deadline,
              Done<v1::Run> done) override;
  void End(const Caller& caller, const std::string& workout_id,
           v1::Workout::State state, absl::Time end_time, absl::Time now,
           absl::Time deadline, Done<v1::Workout> done) override;
  void GetActive(const Caller& caller, absl::Time deadline,
                 Done<v1::Workout> done) override;
  void Sync(const Caller& caller, std::vector<SyncItem> items, absl::Time now,
            absl::Time deadline,
            Done<std::vector<absl::StatusOr<v1::Workout>>> done) override;
  void List(const Caller& caller, const WorkoutQuery& query,
            absl::Time deadline, Done<Page<v1::Workout>> done) override;
  void Get(const Caller& caller, const std::string& workout_id,
           absl::Time deadline, Done<v1::Workout> done) override;
  void Replace(const Caller& caller, const v1::Workout& workout,
               int64_t expected_version, absl::Time now, absl::Time deadline,
               Done<v1::Workout> done) override;
  void Delete(const Caller& caller, const std::string& workout_id,
              absl::Time now, absl::Time deadline, DoneStatus done) override;
  void Changes(const Caller& caller, const std::string& since_token,
               int page_size, absl::Time deadline,
               Done<ChangePage> done) override;
  void LogMeasurement(const Caller& caller,
                      const v1::BodyMeasurement& measurement, absl::Time now,
                      absl::Time deadline,
                      Done<v1::BodyMeasurement> done) override;
  void LogNutrition(const Caller& caller, const v1::NutritionLog& log,
                    absl::Time now, absl::Time deadline,
                    Done<v1::NutritionLog> done) override;
  void ListMeasurements(const Caller& caller, const std::string& page_token,
                        int page_size, absl::Time deadline,
                        Done<Page<v1::BodyMeasurement>> done) override;
  void ListNutrition(const Caller& caller, const std::string& page_token,
                     int page_size, absl::Time deadline,
                     Done<Page<v1::NutritionLog>> done) override;

 private:
  RedisClient& redis_;
};

}  // namespace gracilis::workout
