#include "services/progress/domain/lift_progress.h"

#include "gtest/gtest.h"

namespace gracilis::progress {
namespace {

using workout::v1::StrengthSet;
using workout::v1::Workout;

StrengthSet Set(const std::string& exercise, int reps, double kg,
                int hold_seconds = 0,
                type::v1::Side side = type::v1::SIDE_UNSPECIFIED,
                const std::string& variant = "") {
  StrengthSet set;
  set.set_exercise_id(exercise);
  set.set_reps(reps);
  set.set_load_kg(kg);
  set.set_hold_seconds(hold_seconds);
  set.set_side(side);
  set.set_variant(variant);
  return set;
}

// `sets` x `reps` of a bodyweight exercise.
std::vector<StrengthSet> Bodyweight(const std::string& exercise, int sets,
                                    int reps) {
  return std::vector<StrengthSet>(
      sets,
      Set(exercise, reps, 0, 0, type::v1::SIDE_UNSPECIFIED, "bodyweight"));
}

Workout Finished(std::vector<StrengthSet> sets,
                 Workout::State state = Workout::STATE_FINISHED) {
  Workout workout;
  workout.set_state(state);
  for (StrengthSet& set : sets) {
    *workout.add_sets() = std::move(set);
  }
  return workout;
}

WorkoutRefs Refs(const std::vector<Workout>& workouts) {
  WorkoutRefs refs;
  for (const Workout& workout : workouts) {
    refs.push_back(&workout);
  }
  return refs;
}

const plan::ExerciseCatalog& Catalog() {
  static const plan::ExerciseCatalog* catalog = new plan::ExerciseCatalog(
      *plan::ExerciseCatalog::Parse(plan::BuiltInCatalogText()));
  return *catalog;
}

// One lift's week from sets done in one workout.
v1::LiftProgress Measure(
    const std::string& exercise, const std::vector<StrengthSet>& sets,
    type::v1::MassUnit unit = type::v1::MASS_UNIT_KILOGRAM) {
  std::vector<TaggedSet> tagged;
  for (const StrengthSet& set : sets) {
    tagged.push_back({&set, 0});
  }
  return MeasureLift(exercise, tagged, Catalog(), unit);
}

// `week` judged against `previous` (nullptr: its first week).
v1::LiftProgress Judged(
    const v1::LiftProgress* previous, v1::LiftProgress week,
    type::v1::MassUnit unit = type::v1::MASS_UNIT_KILOGRAM) {
  ApplyTrend(previous, week, Catalog(), unit);
  return week;
}

TEST(EpleyTest, HandComputedEstimates) {
  EXPECT_DOUBLE_EQ(EpleyOneRepMaxKg(5, 100), 100 * (1 + 5 / 30.0));
  EXPECT_DOUBLE_EQ(EpleyOneRepMaxKg(10, 30), 40);
  EXPECT_DOUBLE_EQ(EpleyOneRepMaxKg(1, 80), 80);
  EXPECT_EQ(EpleyOneRepMaxKg(11, 30), 0);  // rep records instead
  EXPECT_EQ(EpleyOneRepMaxKg(8, 0), 0);    // bodyweight
  EXPECT_EQ(EpleyOneRepMaxKg(0, 50), 0);
}

TEST(MeasureLiftTest, HeavyWorkGetsAnEstimatedOneRepMax) {
  const v1::LiftProgress lift = Measure(
      "sumo_squat", {Set("sumo_squat", 8, 20), Set("sumo_squat", 10, 22)});
  // max(20 x 1.2667, 22 x 1.3333) = 29.33, shown to 0.1 kg.
  EXPECT_DOUBLE_EQ(lift.estimated_one_rep_max().value(), 29.3);
  EXPECT_EQ(lift.estimated_one_rep_max().unit(), type::v1::MASS_UNIT_KILOGRAM);
  EXPECT_DOUBLE_EQ(lift.volume_load_kg(), 8 * 20 + 10 * 22);
  EXPECT_EQ(lift.rep_record_reps(), 0);
}

TEST(MeasureLiftTest, HighRepWorkGetsARepRecordAtTheHeaviestLoad) {
  const v1::LiftProgress lift =
      Measure("cable_adduction",
              {Set("cable_adduction", 15, 10), Set("cable_adduction", 18, 10),
               Set("cable_adduction", 12, 12.5)});
  EXPECT_EQ(lift.rep_record_reps(), 12);
  EXPECT_DOUBLE_EQ(lift.rep_record_load().value(), 12.5);
  EXPECT_FALSE(lift.has_estimated_one_rep_max());
  EXPECT_DOUBLE_EQ(lift.volume_load_kg(), 150 + 180 + 150);
}

TEST(MeasureLiftTest, PlanksGetTheirBestHold) {
  const v1::LiftProgress lift =
      Measure("copenhagen_plank",
              {Set("copenhagen_plank", 0, 0, 20, type::v1::SIDE_BOTH),
               Set("copenhagen_plank", 0, 0, 25, type::v1::SIDE_BOTH)});
  EXPECT_EQ(lift.best_hold_seconds(), 25);
  EXPECT_EQ(lift.volume_load_kg(), 0);
}

TEST(MeasureLiftTest, LoadsAreShownInTheUsersUnitWithKilogramsBeside) {
  const v1::LiftProgress lift = Measure(
      "sumo_squat", {Set("sumo_squat", 8, 20)}, type::v1::MASS_UNIT_POUND);
  // 20 x 1.2667 = 25.33 kg = 55.85 lb.
  EXPECT_EQ(lift.estimated_one_rep_max().unit(), type::v1::MASS_UNIT_POUND);
  EXPECT_DOUBLE_EQ(lift.estimated_one_rep_max().value(), 55.9);
  EXPECT_DOUBLE_EQ(lift.estimated_one_rep_max_kg(), 25.3);
  EXPECT_DOUBLE_EQ(lift.top_load().value(), 44.1);
  EXPECT_DOUBLE_EQ(lift.top_load_kg(), 20);
}

TEST(MeasureLiftTest, BodyweightWorkRecordsItsBestSet) {
  const v1::LiftProgress lift =
      Measure("sumo_squat", Bodyweight("sumo_squat", 3, 9));
  EXPECT_EQ(lift.variant(), "bodyweight");
  EXPECT_EQ(lift.best_reps(), 9);
  EXPECT_EQ(lift.sets(), 3);
  EXPECT_FALSE(lift.has_top_load());
  EXPECT_FALSE(lift.has_estimated_one_rep_max());
}

TEST(TrendTest, TheBodyweightDoubleProgressionIsProgressEveryWeek) {
  // The beginner: 3x8, 3x9, 3x10 of bodyweight sumo squats.
  const v1::LiftProgress week1 =
      Judged(nullptr, Measure("sumo_squat", Bodyweight("sumo_squat", 3, 8)));
  EXPECT_EQ(week1.trend(), v1::LIFT_TREND_NEW);
  EXPECT_EQ(week1.progress(), "baseline: the first week with this lift");
  const v1::LiftProgress week2 =
      Judged(&week1, Measure("sumo_squat", Bodyweight("sumo_squat", 3, 9)));
  EXPECT_EQ(week2.trend(), v1::LIFT_TREND_UP);
  EXPECT_EQ(week2.progress_dimension(), v1::PROGRESS_DIMENSION_REPS);
  EXPECT_EQ(week2.progress(), "+1 rep at bodyweight (9)");
  const v1::LiftProgress week3 =
      Judged(&week2, Measure("sumo_squat", Bodyweight("sumo_squat", 3, 10)));
  EXPECT_EQ(week3.trend(), v1::LIFT_TREND_UP);
  EXPECT_FALSE(week3.stalled());
  EXPECT_EQ(week3.weeks_without_progress(), 0);
  // 3x12 -> 4x12 is progress too.
  const v1::LiftProgress three =
      Judged(nullptr, Measure("sumo_squat", Bodyweight("sumo_squat", 3, 12)));
  const v1::LiftProgress four =
      Judged(&three, Measure("sumo_squat", Bodyweight("sumo_squat", 4, 12)));
  EXPECT_EQ(four.progress_dimension(), v1::PROGRESS_DIMENSION_SETS);
  EXPECT_EQ(four.progress(), "+1 set (4)");
}

TEST(TrendTest, AHarderVariantWithAShorterHoldIsProgress) {
  const v1::LiftProgress knee = Judged(
      nullptr,
      Measure("copenhagen_plank", {Set("copenhagen_plank", 0, 0, 40,
                                       type::v1::SIDE_BOTH, "knee_on_bench")}));
  const v1::LiftProgress foot = Judged(
      &knee,
      Measure("copenhagen_plank", {Set("copenhagen_plank", 0, 0, 20,
                                       type::v1::SIDE_BOTH, "foot_on_bench")}));
  EXPECT_EQ(foot.trend(), v1::LIFT_TREND_UP);
  EXPECT_EQ(foot.progress_dimension(), v1::PROGRESS_DIMENSION_VARIANT);
  EXPECT_EQ(foot.progress(), "harder variant: foot_on_bench, 20 s");
}

TEST(TrendTest, NewUpFlatThenStalledWithAMicroStepThenDeload) {
  const v1::LiftProgress week1 =
      Judged(nullptr, Measure("sumo_squat", {Set("sumo_squat", 8, 20)}));
  EXPECT_EQ(week1.trend(), v1::LIFT_TREND_NEW);

  const v1::LiftProgress week2 =
      Judged(&week1, Measure("sumo_squat", {Set("sumo_squat", 8, 22.5)}));
  EXPECT_EQ(week2.trend(), v1::LIFT_TREND_UP);
  EXPECT_EQ(week2.progress(), "+2.5 kg (22.5 kg)");
  EXPECT_FALSE(week2.stalled());

  const v1::LiftProgress week3 =
      Judged(&week2, Measure("sumo_squat", {Set("sumo_squat", 8, 22.5)}));
  EXPECT_EQ(week3.trend(), v1::LIFT_TREND_FLAT);
  EXPECT_EQ(week3.weeks_without_progress(), 1);
  EXPECT_FALSE(week3.stalled());
  EXPECT_EQ(week3.suggestion(), "");

  const v1::LiftProgress week4 =
      Judged(&week3, Measure("sumo_squat", {Set("sumo_squat", 6, 22.5)}));
  EXPECT_EQ(week4.trend(), v1::LIFT_TREND_DOWN);
  EXPECT_EQ(week4.weeks_without_progress(), 2);
  EXPECT_TRUE(week4.stalled());
  EXPECT_EQ(week4.suggestion(), "add 2.5 kg");
  EXPECT_EQ(Judged(&week3,
                   Measure("sumo_squat", {Set("sumo_squat", 6, 22.5)},
                           type::v1::MASS_UNIT_POUND),
                   type::v1::MASS_UNIT_POUND)
                .suggestion(),
            "add 5 lb");

  const v1::LiftProgress week5 = Judged(&week4, week4);
  EXPECT_EQ(week5.suggestion(),
            "keep the load and slow the lowering to 3 seconds");
  const v1::LiftProgress week6 = Judged(&week5, week5);
  EXPECT_EQ(week6.weeks_without_progress(), 4);
  EXPECT_EQ(week6.suggestion(),
            "deload: take about 10% off for one week, then build back up");
  // The deload week is lighter on purpose and restarts the count.
  const v1::LiftProgress week7 =
      Judged(&week6, Measure("sumo_squat", {Set("sumo_squat", 6, 20)}));
  EXPECT_EQ(week7.weeks_without_progress(), 0);
  EXPECT_FALSE(week7.stalled());
  EXPECT_EQ(week7.progress(),
            "deload week: lighter on purpose, then build back up");

  // Any progress resets the count.
  const v1::LiftProgress week8 =
      Judged(&week5, Measure("sumo_squat", {Set("sumo_squat", 9, 22.5)}));
  EXPECT_EQ(week8.trend(), v1::LIFT_TREND_UP);
  EXPECT_EQ(week8.weeks_without_progress(), 0);
  EXPECT_EQ(week8.suggestion(), "");
}

TEST(TrendTest, StalledHoldsAndBodyweightLiftsGetTheirOwnStep) {
  v1::LiftProgress plank =
      Measure("copenhagen_plank", {Set("copenhagen_plank", 0, 0, 30,
                                       type::v1::SIDE_BOTH, "knee_on_bench")});
  plank.set_weeks_without_progress(1);
  const v1::LiftProgress same = Judged(&plank, plank);
  EXPECT_TRUE(same.stalled());
  EXPECT_EQ(same.suggestion(), "hold 5 s longer");

  v1::LiftProgress squat =
      Measure("sumo_squat", Bodyweight("sumo_squat", 3, 10));
  squat.set_weeks_without_progress(1);
  EXPECT_EQ(Judged(&squat, squat).suggestion(), "add one rep per set");
}

TEST(TrendTest, ALiftStoredWithoutItsBestWorkIsABaselineAgain) {
  v1::LiftProgress old;
  old.set_exercise_id("sumo_squat");
  old.set_weeks_without_progress(3);
  const v1::LiftProgress week =
      Judged(&old, Measure("sumo_squat", Bodyweight("sumo_squat", 3, 10)));
  EXPECT_EQ(week.trend(), v1::LIFT_TREND_NEW);
  EXPECT_EQ(week.weeks_without_progress(), 0);
}

TEST(MeasureLiftsTest, OnlyFinishedWorkoutsCountGroupedByExercise) {
  const std::vector<Workout> week = {
      Finished({Set("sumo_squat", 8, 20), Set("copenhagen_plank", 0, 0, 20)}),
      Finished({Set("sumo_squat", 8, 24)}),
      Finished({Set("sumo_squat", 5, 100)}, Workout::STATE_ABANDONED)};
  const std::vector<v1::LiftProgress> lifts =
      MeasureLifts(Refs(week), Catalog(), type::v1::MASS_UNIT_KILOGRAM);
  ASSERT_EQ(lifts.size(), 2u);
  EXPECT_EQ(lifts[0].exercise_id(), "copenhagen_plank");
  EXPECT_EQ(lifts[1].exercise_id(), "sumo_squat");
  EXPECT_DOUBLE_EQ(lifts[1].volume_load_kg(), 8 * 20 + 8 * 24);
}

TEST(AdductorSessionsTest, FinishedSessionsWithInnerThighWork) {
  const plan::ExerciseCatalog& catalog = Catalog();
  Workout run_only = Finished({});
  run_only.add_runs()->set_duration_seconds(1200);
  const std::vector<Workout> week = {
      Finished({Set("sumo_squat", 8, 20)}),           // heavy
      Finished({Set("copenhagen_plank", 0, 0, 20)}),  // not heavy
      Finished({Set("sumo_squat", 8, 20)}, Workout::STATE_ABANDONED), run_only};
  EXPECT_EQ(AdductorSessions(Refs(week), catalog, /*heavy_only=*/false), 2);
  EXPECT_EQ(AdductorSessions(Refs(week), catalog, /*heavy_only=*/true), 1);

  // By the step done: the long-lever Copenhagen is heavy, bodyweight
  // squats are not.
  const std::vector<Workout> steps = {
      Finished({Set("copenhagen_plank", 0, 0, 20, type::v1::SIDE_BOTH,
                    "foot_on_bench")}),
      Finished(Bodyweight("sumo_squat", 3, 12))};
  EXPECT_EQ(AdductorSessions(Refs(steps), catalog, /*heavy_only=*/true), 1);
}

}  // namespace
}  // namespace gracilis::progress
