#pragma once

// What a logged workout, set, run, body measurement or nutrition log may
// contain (the limits the contract states), and their normalised form: every
// quantity keeps the unit the user typed and gains its SI value (load_kg,
// distance_m, ...). Every check names the field and the rule; a request with
// any violation is rejected whole.

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "google/protobuf/field_mask.pb.h"
#include "gracilis/workout/v1/workout.pb.h"
#include "services/plan/domain/catalog.h"

namespace gracilis::workout {

inline constexpr int kMaxSetsPerWorkout = 200;
inline constexpr int kMaxRunsPerWorkout = 20;
inline constexpr int kMaxSegmentsPerRun = 100;
inline constexpr int kMaxWorkoutsPerSync = 50;
inline constexpr int kMaxNotesChars = 2000;
inline constexpr int kMaxReps = 1000;
inline constexpr double kMaxLoadKg = 1000;
inline constexpr int kMaxHoldSeconds = 3600;
inline constexpr int kMaxTempoPhaseSeconds = 20;
inline constexpr double kMaxRunMetres = 300'000;
inline constexpr int kMaxRunSeconds = 24 * 3600;
inline constexpr double kMaxElevationGainM = 2000;
// Phone clocks drift; anything later than this ahead of the server is a bug.
inline constexpr absl::Duration kMaxClockSkew = absl::Minutes(5);

class WorkoutRules {
 public:
  explicit WorkoutRules(const plan::ExerciseCatalog& catalog)
      : catalog_(catalog) {}

  // A set logged into a live workout (`field` prefixes violations, e.g.
  // "set"). Returns it with load_kg filled in.
  absl::StatusOr<v1::StrengthSet> Set(const v1::StrengthSet& set,
                                      const std::string& field,
                                      absl::Time now) const;
  // A run, with distance_m filled in (also on each segment).
  absl::StatusOr<v1::Run> Run(const v1::Run& run, const std::string& field,
                              absl::Time now) const;

  // A workout starting live: a client id, no end time; start_time defaults
  // to `now`. Output-only fields are cleared; state becomes ACTIVE.
  absl::StatusOr<v1::Workout> Started(const v1::Workout& workout,
                                      const std::string& field,
                                      absl::Time now) const;
  // A complete workout recorded offline: start and end times, state
  // FINISHED (the default) or ABANDONED, every set and run valid.
  absl::StatusOr<v1::Workout> Synced(const v1::Workout& workout,
                                     const std::string& field,
                                     absl::Time now) const;
  // `current` with the masked fields of `patch` applied (with no mask, the
  // fields `patch` sets: UpdatePaths, AIP-134). Output-only fields and
  // unknown paths in a mask are INVALID_ARGUMENT.
  absl::StatusOr<v1::Workout> Updated(const v1::Workout& current,
                                      const v1::Workout& patch,
                                      const google::protobuf::FieldMask& mask,
                                      absl::Time now) const;

  // When FinishWorkout ends the workout: end_time, or now if unset.
  absl::StatusOr<absl::Time> EndTime(const v1::FinishWorkoutRequest& request,
                                     absl::Time now) const;

  absl::StatusOr<v1::BodyMeasurement> Measurement(
      const v1::BodyMeasurement& measurement, absl::Time now) const;
  // `today` is the user's date: logs for days after it are rejected.
  absl::StatusOr<v1::NutritionLog> Nutrition(const v1::NutritionLog& log,
                                             absl::CivilDay today) const;

 private:
  class Checker;
  const plan::ExerciseCatalog& catalog_;
};

// Days since 1970-01-01 of a contract date, the order nutrition logs sort by.
int64_t DayNumber(const type::v1::Date& date);

}  // namespace gracilis::workout
