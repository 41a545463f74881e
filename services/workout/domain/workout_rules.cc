#include "services/workout/domain/workout_rules.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "common/clock/timestamp.h"
#include "common/grpc/field_mask.h"
#include "common/status/client_id.h"
#include "common/status/errors.h"
#include "common/units/unit_rules.h"
#include "services/plan/domain/plan_generator.h"

namespace gracilis::workout {
namespace {

// Nothing before this is a real log; it catches unset or garbage clocks.
const absl::Time kEarliest =
    absl::FromCivil(absl::CivilDay(2000, 1, 1), absl::UTCTimeZone());

// A enum field that holds a named value other than UNSPECIFIED.
bool IsSetEnum(bool (*is_valid)(int), int value) {
  return value != 0 && is_valid(value);
}

}  // namespace

// Collects the violations of one request; each check takes the field path.
class WorkoutRules::Checker {
 public:
  Checker(const plan::ExerciseCatalog& catalog, absl::Time now)
      : catalog_(catalog), now_(now) {}

  Violations& violations() { return violations_; }

  void ClientId(const std::string& id, const std::string& field) {
    if (!IsValidClientId(id)) {
      violations_.Add(field, kClientIdRule);
    }
  }

  // Required, valid, from 2000 on and at most kMaxClockSkew ahead of now.
  void Time(const google::protobuf::Timestamp& time, bool present,
            const std::string& field) {
    if (!present) {
      violations_.Add(field, "is required");
      return;
    }
    if (!IsValidTimestamp(time)) {
      violations_.Add(field, "must be a valid timestamp");
      return;
    }
    const absl::Time t = ToTime(time);
    if (t < kEarliest || t > now_ + kMaxClockSkew) {
      violations_.Add(field,
                      "must be after 2000-01-01 and no more than 5 minutes "
                      "in the future");
    }
  }

  void Set(v1::StrengthSet& set, const std::string& field) {
    ClientId(set.set_id(), field + ".set_id");
    const plan::CatalogExercise* exercise = catalog_.Find(set.exercise_id());
    if (exercise == nullptr ||
        exercise->slot() == internal::plan::v1::SLOT_RUN) {
      violations_.Add(field + ".exercise_id",
                      "must be a strength exercise id from ListExercises");
    } else if (!set.variant().empty()) {
      bool known = false;
      for (const auto& step : exercise->ladder()) {
        known = known || step.variant() == set.variant();
      }
      if (!known) {
        violations_.Add(field + ".variant",
                        absl::StrCat("must be empty or a variant of ",
                                     set.exercise_id(), " (ListExercises)"));
      }
    }
    if (set.reps() < 0 || set.reps() > kMaxReps) {
      violations_.Add(field + ".reps", absl::StrCat("must be 0-", kMaxReps));
    }
    if (set.hold_seconds() < 0 || set.hold_seconds() > kMaxHoldSeconds) {
      violations_.Add(field + ".hold_seconds",
                      absl::StrCat("must be 0-", kMaxHoldSeconds));
    }
    if (set.reps() == 0 && set.hold_seconds() == 0) {
      violations_.Add(field + ".reps",
                      "reps or hold_seconds must be more than 0");
    }
    set.set_load_kg(0);
    if (set.has_load()) {
      set.set_load_kg(
          KilogramsIn(set.load(), field + ".load", 0, kMaxLoadKg, violations_)
              .value_or(0));
    }
    const type::v1::Tempo& tempo = set.tempo();
    for (int seconds :
         {tempo.eccentric_seconds(), tempo.bottom_pause_seconds(),
          tempo.concentric_seconds(), tempo.top_pause_seconds()}) {
      if (seconds < 0 || seconds > kMaxTempoPhaseSeconds) {
        violations_.Add(field + ".tempo",
                        absl::StrCat("each phase must be 0-",
                                     kMaxTempoPhaseSeconds, " seconds"));
        break;
      }
    }
    if (!type::v1::Side_IsValid(set.side())) {
      violations_.Add(field + ".side", "must be a Side value");
    }
    if (set.rpe() < 0 || set.rpe() > 10) {
      violations_.Add(field + ".rpe", "must be 1-10, or 0 when not given");
    }
    Time(set.performed_time(), set.has_performed_time(),
         field + ".performed_time");
  }

  void Run(v1::Run& run, const std::string& field) {
    ClientId(run.run_id(), field + ".run_id");
    if (!IsSetEnum(type::v1::RunType_IsValid, run.type())) {
      violations_.Add(field + ".type",
                      "must be EASY, INTERVALS, HILL_REPEATS or SPRINTS");
    }
    run.set_distance_m(MetresIn(run.distance(), field + ".distance", 0,
                                kMaxRunMetres, violations_)
                           .value_or(0));
    if (run.duration_seconds() < 1 || run.duration_seconds() > kMaxRunSeconds) {
      violations_.Add(field + ".duration_seconds", "must be 1 s to 24 h");
    }
    if (run.segments_size() > kMaxSegmentsPerRun) {
      violations_.Add(field + ".segments",
                      absl::StrCat("must be at most ", kMaxSegmentsPerRun));
    }
    int64_t segment_seconds = 0;
    for (int i = 0; i < run.segments_size(); ++i) {
      v1::RunSegment& segment = *run.mutable_segments(i);
      const std::string at = absl::StrCat(field, ".segments[", i, "]");
      if (!IsSetEnum(v1::RunSegment::Kind_IsValid, segment.kind())) {
        violations_.Add(at + ".kind", "must be a RunSegment.Kind value");
      }
      segment.set_distance_m(0);
      if (segment.has_distance()) {
        segment.set_distance_m(MetresIn(segment.distance(), at + ".distance", 0,
                                        kMaxRunMetres, violations_)
                                   .value_or(0));
      }
      if (segment.duration_seconds() < 0 ||
          segment.duration_seconds() > kMaxRunSeconds) {
        violations_.Add(at + ".duration_seconds", "must be 0 s to 24 h");
      }
      segment_seconds += std::max(0, segment.duration_seconds());
      if (!(segment.elevation_gain_m() >= 0 &&
            segment.elevation_gain_m() <= kMaxElevationGainM)) {
        violations_.Add(at + ".elevation_gain_m", "must be 0-2000 m");
      }
    }
    if (segment_seconds > run.duration_seconds()) {
      violations_.Add(field + ".segments",
                      "durations must add up to no more than duration_seconds");
    }
    Time(run.start_time(), run.has_start_time(), field + ".start_time");
  }

  // Sets, runs (unique ids, caps) and notes of a whole workout.
  void Contents(v1::Workout& workout, const std::string& field) {
    if (workout.sets_size() > kMaxSetsPerWorkout) {
      violations_.Add(field + ".sets",
                      absl::StrCat("must be at most ", kMaxSetsPerWorkout));
    }
    if (workout.runs_size() > kMaxRunsPerWorkout) {
      violations_.Add(field + ".runs",
                      absl::StrCat("must be at most ", kMaxRunsPerWorkout));
    }
    if (workout.sets_size() > kMaxSetsPerWorkout ||
        workout.runs_size() > kMaxRunsPerWorkout) {
      return;  // over the cap: the items themselves are not looked at
    }
    std::set<std::string> ids;
    for (int i = 0; i < workout.sets_size(); ++i) {
      const std::string at = absl::StrCat(field, ".sets[", i, "]");
      Set(*workout.mutable_sets(i), at);
      if (!ids.insert(workout.sets(i).set_id()).second) {
        violations_.Add(at + ".set_id", "must be unique within the workout");
      }
    }
    ids.clear();
    for (int i = 0; i < workout.runs_size(); ++i) {
      const std::string at = absl::StrCat(field, ".runs[", i, "]");
      Run(*workout.mutable_runs(i), at);
      if (!ids.insert(workout.runs(i).run_id()).second) {
        violations_.Add(at + ".run_id", "must be unique within the workout");
      }
    }
    if (workout.notes().size() > kMaxNotesChars) {
      violations_.Add(
          field + ".notes",
          absl::StrCat("must be at most ", kMaxNotesChars, " characters"));
    }
    if (!workout.planned_session_id().empty() &&
        !IsValidClientId(workout.planned_session_id())) {
      violations_.Add(field + ".planned_session_id",
                      "must be empty or a PlannedSession.id from your plan");
    }
  }

  // end_time after start_time, within 24 h of it.
  void Span(const v1::Workout& workout, const std::string& field) {
    Time(workout.end_time(), workout.has_end_time(), field + ".end_time");
    if (workout.has_start_time() && workout.has_end_time()) {
      const absl::Duration length =
          ToTime(workout.end_time()) - ToTime(workout.start_time());
      if (length < absl::ZeroDuration() || length > absl::Hours(24)) {
        violations_.Add(field + ".end_time", "must be 0-24 h after start_time");
      }
    }
  }

 private:
  const plan::ExerciseCatalog& catalog_;
  absl::Time now_;
  Violations violations_;
};

namespace {

// Output-only fields are the server's; requests cannot set them.
void ClearOutputOnly(v1::Workout& workout) {
  workout.clear_name();
  workout.clear_state();
  workout.clear_update_time();
  workout.clear_version();
}

template <typename T>
absl::StatusOr<T> ValueOrViolations(T value, const Violations& violations) {
  if (!violations.empty()) {
    return violations.ToStatus();
  }
  return value;
}

}  // namespace

absl::StatusOr<v1::StrengthSet> WorkoutRules::Set(const v1::StrengthSet& set,
                                                  const std::string& field,
                                                  absl::Time now) const {
  Checker check(catalog_, now);
  v1::StrengthSet normalised = set;
  check.Set(normalised, field);
  return ValueOrViolations(std::move(normalised), check.violations());
}

absl::StatusOr<v1::Run> WorkoutRules::Run(const v1::Run& run,
                                          const std::string& field,
                                          absl::Time now) const {
  Checker check(catalog_, now);
  v1::Run normalised = run;
  check.Run(normalised, field);
  return ValueOrViolations(std::move(normalised), check.violations());
}

absl::StatusOr<v1::Workout> WorkoutRules::Started(const v1::Workout& workout,
                                                  const std::string& field,
                                                  absl::Time now) const {
  Checker check(catalog_, now);
  v1::Workout started = workout;
  ClearOutputOnly(started);
  check.ClientId(started.workout_id(), field + ".workout_id");
  if (!started.has_start_time()) {
    *started.mutable_start_time() = ToTimestamp(now);
  }
  check.Time(started.start_time(), true, field + ".start_time");
  if (started.has_end_time()) {
    check.violations().Add(field + ".end_time",
                           "must be unset; FinishWorkout sets it");
  }
  check.Contents(started, field);
  started.set_state(v1::Workout::STATE_ACTIVE);
  return ValueOrViolations(std::move(started), check.violations());
}

absl::StatusOr<v1::Workout> WorkoutRules::Synced(const v1::Workout& workout,
                                                 const std::string& field,
                                                 absl::Time now) const {
  Checker check(catalog_, now);
  v1::Workout synced = workout;
  check.ClientId(synced.workout_id(), field + ".workout_id");
  const v1::Workout::State state = workout.state();
  if (state != v1::Workout::STATE_UNSPECIFIED &&
      state != v1::Workout::STATE_FINISHED &&
      state != v1::Workout::STATE_ABANDONED) {
    check.violations().Add(field + ".state",
                           "must be FINISHED (the default) or ABANDONED: sync "
                           "uploads complete workouts");
  }
  ClearOutputOnly(synced);
  synced.set_state(state == v1::Workout::STATE_ABANDONED
                       ? v1::Workout::STATE_ABANDONED
                       : v1::Workout::STATE_FINISHED);
  check.Time(synced.start_time(), synced.has_start_time(),
             field + ".start_time");
  check.Span(synced, field);
  check.Contents(synced, field);
  return ValueOrViolations(std::move(synced), check.violations());
}

absl::StatusOr<v1::Workout> WorkoutRules::Updated(
    const v1::Workout& current, const v1::Workout& patch,
    const google::protobuf::FieldMask& mask, absl::Time now) const {
  Checker check(catalog_, now);
  v1::Workout next = current;
  const std::vector<std::string> paths =
      UpdatePaths({mask.paths().begin(), mask.paths().end()}, patch,
                  {"name", "workout_id", "state", "update_time", "version"});
  for (const std::string& path : paths) {
    if (path == "planned_session_id") {
      next.set_planned_session_id(patch.planned_session_id());
    } else if (path == "start_time") {
      *next.mutable_start_time() = patch.start_time();
    } else if (path == "end_time") {
      *next.mutable_end_time() = patch.end_time();
    } else if (path == "sets") {
      *next.mutable_sets() = patch.sets();
    } else if (path == "runs") {
      *next.mutable_runs() = patch.runs();
    } else if (path == "notes") {
      next.set_notes(patch.notes());
    } else if (path == "name" || path == "workout_id" || path == "state" ||
               path == "update_time" || path == "version") {
      check.violations().Add("update_mask",
                             absl::StrCat("'", path,
                                          "' is set by the server and cannot "
                                          "be written"));
    } else {
      check.violations().Add(
          "update_mask",
          absl::StrCat("'", path,
                       "' is not a field; writable: planned_session_id, "
                       "start_time, end_time, sets, runs, notes"));
    }
  }
  check.Time(next.start_time(), next.has_start_time(), "workout.start_time");
  if (next.state() == v1::Workout::STATE_ACTIVE) {
    if (next.has_end_time()) {
      check.violations().Add("workout.end_time",
                             "must be unset while the workout is active");
    }
  } else {
    check.Span(next, "workout");
  }
  check.Contents(next, "workout");
  return ValueOrViolations(std::move(next), check.violations());
}

absl::StatusOr<v1::BodyMeasurement> WorkoutRules::Measurement(
    const v1::BodyMeasurement& measurement, absl::Time now) const {
  Checker check(catalog_, now);
  Violations& v = check.violations();
  v1::BodyMeasurement normalised = measurement;
  check.ClientId(normalised.measurement_id(), "measurement.measurement_id");
  check.Time(normalised.measure_time(), normalised.has_measure_time(),
             "measurement.measure_time");
  normalised.set_body_weight_kg(0);
  normalised.set_waist_cm(0);
  normalised.set_thigh_cm(0);
  if (normalised.has_body_weight()) {
    normalised.set_body_weight_kg(KilogramsIn(normalised.body_weight(),
                                              "measurement.body_weight", 20,
                                              500, v)
                                      .value_or(0));
  }
  if (normalised.has_waist()) {
    normalised.set_waist_cm(
        CentimetresIn(normalised.waist(), "measurement.waist", 30, 250, v)
            .value_or(0));
  }
  if (normalised.has_thigh()) {
    normalised.set_thigh_cm(
        CentimetresIn(normalised.thigh(), "measurement.thigh", 20, 150, v)
            .value_or(0));
  }
  if (!normalised.has_body_weight() && !normalised.has_waist() &&
      !normalised.has_thigh()) {
    v.Add("measurement", "must have body_weight, waist or thigh");
  }
  return ValueOrViolations(std::move(normalised), v);
}

absl::StatusOr<v1::NutritionLog> WorkoutRules::Nutrition(
    const v1::NutritionLog& log, absl::CivilDay today) const {
  Violations v;
  const type::v1::Date& date = log.date();
  const absl::CivilDay day = plan::ToCivilDay(date);
  if (day.year() != date.year() || day.month() != date.month() ||
      day.day() != date.day() || date.year() < 2000) {
    v.Add("log.date", "must be a real date from 2000 on");
  } else if (day > today) {
    v.Add("log.date", "must not be after today in your time zone");
  }
  if (log.protein_grams() < 0 || log.protein_grams() > 1000) {
    v.Add("log.protein_grams", "must be 0-1000 g");
  }
  if (log.calories_kcal() < 0 || log.calories_kcal() > 20000) {
    v.Add("log.calories_kcal", "must be 0-20000 kcal");
  }
  if (log.water_ml() < 0 || log.water_ml() > 20000) {
    v.Add("log.water_ml", "must be 0-20000 ml");
  }
  return ValueOrViolations(log, v);
}

absl::StatusOr<absl::Time> WorkoutRules::EndTime(
    const v1::FinishWorkoutRequest& request, absl::Time now) const {
  if (!request.has_end_time()) {
    return now;
  }
  Checker check(catalog_, now);
  check.Time(request.end_time(), true, "end_time");
  return ValueOrViolations(ToTime(request.end_time()), check.violations());
}

int64_t DayNumber(const type::v1::Date& date) {
  return plan::ToCivilDay(date) - absl::CivilDay(1970, 1, 1);
}

}  // namespace gracilis::workout
