#include "services/workout/domain/workout_rules.h"

#include "common/status/errors.h"
#include "common/status/status_matchers.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"

namespace gracilis::workout {
namespace {

using google::protobuf::util::TimeUtil;
using ::gracilis::testing::IsOk;
using ::gracilis::testing::StatusIs;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromCivil(
    absl::CivilSecond(2026, 11, 23, 18, 0, 0), absl::UTCTimeZone());

google::protobuf::Timestamp At(absl::Time time) {
  return TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(time));
}

std::vector<std::string> FieldsOf(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const FieldViolation& v : FieldViolationsOf(status)) {
    fields.push_back(v.field);
  }
  return fields;
}

class WorkoutRulesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    catalog_ = new plan::ExerciseCatalog(
        *plan::ExerciseCatalog::Parse(plan::BuiltInCatalogText()));
  }

  static v1::StrengthSet GobletSquat() {
    v1::StrengthSet set;
    set.set_set_id("s1");
    set.set_exercise_id("sumo_squat");
    set.set_variant("goblet");
    set.set_reps(10);
    set.mutable_load()->set_value(25);
    set.mutable_load()->set_unit(type::v1::MASS_UNIT_POUND);
    set.set_rpe(7);
    *set.mutable_performed_time() = At(kNow - absl::Minutes(3));
    return set;
  }

  static v1::Run EasyRun() {
    v1::Run run;
    run.set_run_id("r1");
    run.set_type(type::v1::RUN_TYPE_EASY);
    run.mutable_distance()->set_value(3.1);
    run.mutable_distance()->set_unit(type::v1::LENGTH_UNIT_MILE);
    run.set_duration_seconds(1800);
    *run.mutable_start_time() = At(kNow - absl::Hours(1));
    return run;
  }

  static v1::Workout Offline() {
    v1::Workout workout;
    workout.set_workout_id("w1");
    *workout.mutable_start_time() = At(kNow - absl::Hours(2));
    *workout.mutable_end_time() = At(kNow - absl::Hours(1));
    *workout.add_sets() = GobletSquat();
    *workout.add_runs() = EasyRun();
    return workout;
  }

  static plan::ExerciseCatalog* catalog_;
  WorkoutRules rules_{*catalog_};
};

plan::ExerciseCatalog* WorkoutRulesTest::catalog_ = nullptr;

TEST_F(WorkoutRulesTest, ASetKeepsTheTypedUnitAndGainsKilograms) {
  absl::StatusOr<v1::StrengthSet> set = rules_.Set(GobletSquat(), "set", kNow);
  ASSERT_THAT(set.status(), IsOk());
  EXPECT_DOUBLE_EQ(set->load().value(), 25);
  EXPECT_EQ(set->load().unit(), type::v1::MASS_UNIT_POUND);
  EXPECT_DOUBLE_EQ(set->load_kg(), 25 * 0.45359237);
}

TEST_F(WorkoutRulesTest, EveryBadSetFieldIsNamed) {
  v1::StrengthSet set = GobletSquat();
  set.set_set_id("has space");
  set.set_reps(1001);
  set.set_hold_seconds(3601);
  set.mutable_load()->set_value(2300);  // lb: over 1000 kg
  set.mutable_tempo()->set_eccentric_seconds(21);
  set.set_rpe(11);
  *set.mutable_performed_time() = At(kNow + absl::Minutes(6));
  absl::Status status = rules_.Set(set, "set", kNow).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FieldsOf(status),
            (std::vector<std::string>{
                "set.set_id", "set.reps", "set.hold_seconds", "set.load.value",
                "set.tempo", "set.rpe", "set.performed_time"}));
}

TEST_F(WorkoutRulesTest, SetLimitsAreInclusive) {
  v1::StrengthSet set = GobletSquat();
  set.set_reps(1000);
  set.set_hold_seconds(3600);
  set.mutable_load()->set_value(1000);
  set.mutable_load()->set_unit(type::v1::MASS_UNIT_KILOGRAM);
  set.set_rpe(10);
  *set.mutable_performed_time() = At(kNow + absl::Minutes(5));
  EXPECT_THAT(rules_.Set(set, "set", kNow).status(), IsOk());
  set.set_rpe(0);    // not given
  set.clear_load();  // bodyweight
  EXPECT_THAT(rules_.Set(set, "set", kNow).status(), IsOk());
}

TEST_F(WorkoutRulesTest, ExercisesAndVariantsComeFromTheCatalog) {
  v1::StrengthSet set = GobletSquat();
  set.set_exercise_id("inner_thigh_machine_of_doom");
  EXPECT_EQ(FieldsOf(rules_.Set(set, "set", kNow).status()),
            std::vector<std::string>{"set.exercise_id"});
  set.set_exercise_id("easy_run");  // a run is not a set
  EXPECT_EQ(FieldsOf(rules_.Set(set, "set", kNow).status()),
            std::vector<std::string>{"set.exercise_id"});
  set.set_exercise_id("sumo_squat");
  set.set_variant("knee_on_bench");  // Copenhagen's, not the squat's
  EXPECT_EQ(FieldsOf(rules_.Set(set, "set", kNow).status()),
            std::vector<std::string>{"set.variant"});
}

TEST_F(WorkoutRulesTest, ASetNeedsRepsOrAHoldAndATime) {
  v1::StrengthSet set = GobletSquat();
  set.set_reps(0);
  set.clear_performed_time();
  EXPECT_EQ(FieldsOf(rules_.Set(set, "set", kNow).status()),
            (std::vector<std::string>{"set.reps", "set.performed_time"}));
  set = GobletSquat();
  set.set_exercise_id("copenhagen_plank");
  set.set_variant("");
  set.set_reps(0);
  set.set_hold_seconds(30);
  EXPECT_THAT(rules_.Set(set, "set", kNow).status(), IsOk());
}

TEST_F(WorkoutRulesTest, RunsAreNormalisedToMetres) {
  v1::Run run = EasyRun();
  v1::RunSegment* hill = run.add_segments();
  hill->set_kind(v1::RunSegment::KIND_HILL);
  hill->mutable_distance()->set_value(0.2);
  hill->mutable_distance()->set_unit(type::v1::LENGTH_UNIT_KILOMETER);
  hill->set_duration_seconds(60);
  hill->set_elevation_gain_m(15);
  absl::StatusOr<v1::Run> checked = rules_.Run(run, "run", kNow);
  ASSERT_THAT(checked.status(), IsOk());
  EXPECT_DOUBLE_EQ(checked->distance_m(), 3.1 * 1609.344);
  EXPECT_DOUBLE_EQ(checked->segments(0).distance_m(), 200);
  EXPECT_EQ(checked->distance().unit(), type::v1::LENGTH_UNIT_MILE);
}

TEST_F(WorkoutRulesTest, BadRunsAreNamed) {
  v1::Run run = EasyRun();
  run.set_type(type::v1::RUN_TYPE_UNSPECIFIED);
  run.mutable_distance()->set_value(301);
  run.mutable_distance()->set_unit(type::v1::LENGTH_UNIT_KILOMETER);
  run.set_duration_seconds(24 * 3600 + 1);
  v1::RunSegment* segment = run.add_segments();
  segment->set_kind(v1::RunSegment::KIND_WORK);
  segment->set_elevation_gain_m(2001);
  EXPECT_EQ(FieldsOf(rules_.Run(run, "run", kNow).status()),
            (std::vector<std::string>{"run.type", "run.distance.value",
                                      "run.duration_seconds",
                                      "run.segments[0].elevation_gain_m"}));
  run = EasyRun();
  run.mutable_distance()->set_unit(type::v1::LENGTH_UNIT_INCH);
  run.add_segments()->set_duration_seconds(1801);  // longer than the run
  EXPECT_EQ(FieldsOf(rules_.Run(run, "run", kNow).status()),
            (std::vector<std::string>{"run.distance.unit",
                                      "run.segments[0].kind", "run.segments"}));
}

TEST_F(WorkoutRulesTest, AStartedWorkoutIsActiveFromNowUnlessTold) {
  v1::Workout workout;
  workout.set_workout_id("w1");
  workout.set_state(v1::Workout::STATE_FINISHED);  // output only: ignored
  workout.set_version(7);
  absl::StatusOr<v1::Workout> started =
      rules_.Started(workout, "workout", kNow);
  ASSERT_THAT(started.status(), IsOk());
  EXPECT_EQ(started->state(), v1::Workout::STATE_ACTIVE);
  EXPECT_EQ(started->version(), 0);
  EXPECT_EQ(TimeUtil::TimestampToNanoseconds(started->start_time()),
            absl::ToUnixNanos(kNow));
  *workout.mutable_end_time() = At(kNow);
  workout.set_workout_id("");
  EXPECT_EQ(
      FieldsOf(rules_.Started(workout, "workout", kNow).status()),
      (std::vector<std::string>{"workout.workout_id", "workout.end_time"}));
}

TEST_F(WorkoutRulesTest, SyncedWorkoutsAreCompleteAndEveryItemIsChecked) {
  absl::StatusOr<v1::Workout> synced = rules_.Synced(Offline(), "w", kNow);
  ASSERT_THAT(synced.status(), IsOk());
  EXPECT_EQ(synced->state(), v1::Workout::STATE_FINISHED);
  EXPECT_GT(synced->sets(0).load_kg(), 11);
  EXPECT_GT(synced->runs(0).distance_m(), 4900);

  v1::Workout workout = Offline();
  workout.set_state(v1::Workout::STATE_ACTIVE);
  workout.clear_end_time();
  *workout.add_sets() = GobletSquat();  // the same set id again
  workout.mutable_runs(0)->set_duration_seconds(0);
  workout.set_notes(std::string(2001, 'x'));
  EXPECT_EQ(
      FieldsOf(rules_.Synced(workout, "w", kNow).status()),
      (std::vector<std::string>{"w.state", "w.end_time", "w.sets[1].set_id",
                                "w.runs[0].duration_seconds", "w.notes"}));
}

TEST_F(WorkoutRulesTest, CapsOnSetsAndRuns) {
  v1::Workout workout = Offline();
  workout.clear_sets();
  for (int i = 0; i <= kMaxSetsPerWorkout; ++i) {
    v1::StrengthSet* set = workout.add_sets();
    *set = GobletSquat();
    set->set_set_id(absl::StrCat("s", i));
  }
  EXPECT_EQ(FieldsOf(rules_.Synced(workout, "w", kNow).status()),
            std::vector<std::string>{"w.sets"});
  // 10,000 sets sharing one id in a started workout: one violation, the
  // cap, not one per set (issue 21: 300 such sets once answered 36,930
  // characters, and 400 hung).
  v1::Workout live;
  for (int i = 0; i < 10000; ++i) {
    *live.add_sets() = GobletSquat();
  }
  live.set_workout_id("live");
  const std::vector<std::string> fields =
      FieldsOf(rules_.Started(live, "workout", kNow).status());
  EXPECT_THAT(fields, ::testing::Contains("workout.sets"));
  EXPECT_LE(fields.size(), 2u);
}

TEST_F(WorkoutRulesTest, UpdatesWriteOnlyWritableFields) {
  absl::StatusOr<v1::Workout> current = rules_.Synced(Offline(), "w", kNow);
  ASSERT_THAT(current.status(), IsOk());
  current->set_version(3);
  v1::Workout patch;
  patch.set_notes("felt strong");
  patch.set_state(v1::Workout::STATE_ABANDONED);
  google::protobuf::FieldMask mask;
  mask.add_paths("notes");
  absl::StatusOr<v1::Workout> next =
      rules_.Updated(*current, patch, mask, kNow);
  ASSERT_THAT(next.status(), IsOk());
  EXPECT_EQ(next->notes(), "felt strong");
  EXPECT_EQ(next->state(), v1::Workout::STATE_FINISHED);
  EXPECT_EQ(next->sets_size(), 1);

  mask.add_paths("state");
  mask.add_paths("colour");
  absl::Status status = rules_.Updated(*current, patch, mask, kNow).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr("'state' is set by the server")));
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr("'colour' is not a field")));
  // No mask (AIP-134): the fields the patch sets, its server-owned ones
  // ignored.
  patch.set_state(v1::Workout::STATE_ABANDONED);
  patch.set_version(99);
  next = rules_.Updated(*current, patch, {}, kNow);
  ASSERT_THAT(next.status(), IsOk());
  EXPECT_EQ(next->notes(), "felt strong");
  EXPECT_EQ(next->state(), v1::Workout::STATE_FINISHED);
  EXPECT_EQ(next->sets_size(), 1);
}

TEST_F(WorkoutRulesTest, UpdatedSetsAreCheckedLikeNewOnes) {
  absl::StatusOr<v1::Workout> current = rules_.Synced(Offline(), "w", kNow);
  ASSERT_THAT(current.status(), IsOk());
  v1::Workout patch;
  *patch.add_sets() = GobletSquat();
  patch.mutable_sets(0)->set_reps(-1);
  google::protobuf::FieldMask mask;
  mask.add_paths("sets");
  EXPECT_EQ(FieldsOf(rules_.Updated(*current, patch, mask, kNow).status()),
            std::vector<std::string>{"workout.sets[0].reps"});
}

TEST_F(WorkoutRulesTest, BodyMeasurementsInAnyUnit) {
  v1::BodyMeasurement m;
  m.set_measurement_id("m1");
  *m.mutable_measure_time() = At(kNow);
  m.mutable_body_weight()->set_value(141);
  m.mutable_body_weight()->set_unit(type::v1::MASS_UNIT_POUND);
  m.mutable_thigh()->set_value(22);
  m.mutable_thigh()->set_unit(type::v1::LENGTH_UNIT_INCH);
  absl::StatusOr<v1::BodyMeasurement> checked = rules_.Measurement(m, kNow);
  ASSERT_THAT(checked.status(), IsOk());
  EXPECT_NEAR(checked->body_weight_kg(), 63.956, 0.001);
  EXPECT_DOUBLE_EQ(checked->thigh_cm(), 55.88);
  EXPECT_EQ(checked->waist_cm(), 0);

  m.mutable_waist()->set_value(20);
  m.mutable_waist()->set_unit(type::v1::LENGTH_UNIT_CENTIMETER);
  m.mutable_thigh()->set_unit(type::v1::LENGTH_UNIT_MILE);
  EXPECT_EQ(FieldsOf(rules_.Measurement(m, kNow).status()),
            (std::vector<std::string>{"measurement.waist.value",
                                      "measurement.thigh.unit"}));
  EXPECT_EQ(
      FieldsOf(rules_.Measurement(v1::BodyMeasurement(), kNow).status()),
      (std::vector<std::string>{"measurement.measurement_id",
                                "measurement.measure_time", "measurement"}));
}

TEST_F(WorkoutRulesTest, NutritionLogsAreForRealDaysUpToToday) {
  v1::NutritionLog log;
  log.mutable_date()->set_year(2026);
  log.mutable_date()->set_month(11);
  log.mutable_date()->set_day(23);
  log.set_protein_grams(110);
  log.set_calories_kcal(1800);
  log.set_water_ml(2500);
  const absl::CivilDay today(2026, 11, 23);
  EXPECT_THAT(rules_.Nutrition(log, today).status(), IsOk());
  log.mutable_date()->set_day(24);
  log.set_protein_grams(1001);
  EXPECT_EQ(FieldsOf(rules_.Nutrition(log, today).status()),
            (std::vector<std::string>{"log.date", "log.protein_grams"}));
  log.mutable_date()->set_month(2);
  log.mutable_date()->set_day(30);
  EXPECT_THAT(
      rules_.Nutrition(log, today).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("real date")));
}

}  // namespace
}  // namespace gracilis::workout
