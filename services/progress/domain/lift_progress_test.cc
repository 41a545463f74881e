#include "services/progress/domain/lift_progress.h"

#include "gtest/gtest.h"

namespace gracilis::progress {
namespace {

using workout::v1::StrengthSet;
using workout::v1::Workout;

StrengthSet Set(const std::string& exercise, int reps, double kg,
                int hold_seconds = 0,
                type::v1::Side side = type::v1::SIDE_UNSPECIFIED) {
  StrengthSet set;
  set.set_exercise_id(exercise);
  set.set_reps(reps);
  set.set_load_kg(kg);
  set.set_hold_seconds(hold_seconds);
  set.set_side(side);
  return set;
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

TEST(EpleyTest, HandComputedEstimates) {
  EXPECT_DOUBLE_EQ(EpleyOneRepMaxKg(5, 100), 100 * (1 + 5 / 30.0));
  EXPECT_DOUBLE_EQ(EpleyOneRepMaxKg(10, 30), 40);
  EXPECT_DOUBLE_EQ(EpleyOneRepMaxKg(1, 80), 80);
  EXPECT_EQ(EpleyOneRepMaxKg(11, 30), 0);  // rep records instead
  EXPECT_EQ(EpleyOneRepMaxKg(8, 0), 0);    // bodyweight
  EXPECT_EQ(EpleyOneRepMaxKg(0, 50), 0);
}

TEST(MeasureLiftTest, HeavyWorkGetsAnEstimatedOneRepMax) {
  const v1::LiftProgress lift = MeasureLift(
      "sumo_squat", {Set("sumo_squat", 8, 20), Set("sumo_squat", 10, 22)});
  // max(20 x 1.2667, 22 x 1.3333) = 29.33, shown to 0.1 kg.
  EXPECT_DOUBLE_EQ(lift.estimated_one_rep_max().value(), 29.3);
  EXPECT_EQ(lift.estimated_one_rep_max().unit(), type::v1::MASS_UNIT_KILOGRAM);
  EXPECT_DOUBLE_EQ(lift.volume_load_kg(), 8 * 20 + 10 * 22);
  EXPECT_EQ(lift.rep_record_reps(), 0);
}

TEST(MeasureLiftTest, HighRepWorkGetsARepRecordAtTheHeaviestLoad) {
  const v1::LiftProgress lift =
      MeasureLift("cable_adduction", {Set("cable_adduction", 15, 10),
                                      Set("cable_adduction", 18, 10),
                                      Set("cable_adduction", 12, 12.5)});
  EXPECT_EQ(lift.rep_record_reps(), 12);
  EXPECT_DOUBLE_EQ(lift.rep_record_load().value(), 12.5);
  EXPECT_FALSE(lift.has_estimated_one_rep_max());
  EXPECT_DOUBLE_EQ(lift.volume_load_kg(), 150 + 180 + 150);
}

TEST(MeasureLiftTest, PlanksGetTheirBestHold) {
  const v1::LiftProgress lift =
      MeasureLift("copenhagen_plank",
                  {Set("copenhagen_plank", 0, 0, 20, type::v1::SIDE_BOTH),
                   Set("copenhagen_plank", 0, 0, 25, type::v1::SIDE_BOTH)});
  EXPECT_EQ(lift.best_hold_seconds(), 25);
  EXPECT_EQ(lift.volume_load_kg(), 0);
}

TEST(TrendTest, NewUpFlatThenStalledWithASuggestion) {
  v1::LiftProgress week1 =
      MeasureLift("sumo_squat", {Set("sumo_squat", 8, 20)});
  ApplyTrend(nullptr, week1);
  EXPECT_EQ(week1.trend(), v1::LIFT_TREND_NEW);

  v1::LiftProgress week2 =
      MeasureLift("sumo_squat", {Set("sumo_squat", 8, 22)});
  ApplyTrend(&week1, week2);
  EXPECT_EQ(week2.trend(), v1::LIFT_TREND_UP);
  EXPECT_FALSE(week2.stalled());

  v1::LiftProgress week3 =
      MeasureLift("sumo_squat", {Set("sumo_squat", 8, 22)});
  ApplyTrend(&week2, week3);
  EXPECT_EQ(week3.trend(), v1::LIFT_TREND_FLAT);
  EXPECT_EQ(week3.weeks_without_progress(), 1);
  EXPECT_FALSE(week3.stalled());

  v1::LiftProgress week4 =
      MeasureLift("sumo_squat", {Set("sumo_squat", 6, 22)});
  ApplyTrend(&week3, week4);
  EXPECT_EQ(week4.trend(), v1::LIFT_TREND_DOWN);
  EXPECT_EQ(week4.weeks_without_progress(), 2);
  EXPECT_TRUE(week4.stalled());
  EXPECT_EQ(week4.suggestion(), "add 2.5 kg (5 lb)");

  v1::LiftProgress week5 = week4;
  ApplyTrend(&week4, week5);
  EXPECT_EQ(week5.suggestion(),
            "keep the load and slow the lowering to 3 seconds");
  v1::LiftProgress week6 = week5;
  ApplyTrend(&week5, week6);
  EXPECT_EQ(week6.weeks_without_progress(), 4);
  EXPECT_EQ(week6.suggestion(),
            "deload: take about 10% off for a week, then build back up");

  // Any progress resets the count.
  v1::LiftProgress week7 =
      MeasureLift("sumo_squat", {Set("sumo_squat", 9, 22)});
  ApplyTrend(&week6, week7);
  EXPECT_EQ(week7.trend(), v1::LIFT_TREND_UP);
  EXPECT_EQ(week7.weeks_without_progress(), 0);
  EXPECT_FALSE(week7.stalled());
  EXPECT_EQ(week7.suggestion(), "");
}

TEST(TrendTest, StalledHoldsAndRepRecordsGetTheirOwnStep) {
  v1::LiftProgress plank =
      MeasureLift("copenhagen_plank", {Set("copenhagen_plank", 0, 0, 30)});
  plank.set_weeks_without_progress(1);
  v1::LiftProgress same = plank;
  ApplyTrend(&plank, same);
  EXPECT_TRUE(same.stalled());
  EXPECT_EQ(same.suggestion(), "hold 5 s longer, or move to the next variant");

  v1::LiftProgress cable =
      MeasureLift("cable_adduction", {Set("cable_adduction", 15, 10)});
  cable.set_weeks_without_progress(1);
  v1::LiftProgress fewer =
      MeasureLift("cable_adduction", {Set("cable_adduction", 14, 10)});
  ApplyTrend(&cable, fewer);
  EXPECT_EQ(fewer.trend(), v1::LIFT_TREND_DOWN);
  EXPECT_EQ(fewer.suggestion(), "add one rep per set at the same load");
  // More reps at the same load, or a heavier record load, is progress.
  v1::LiftProgress heavier =
      MeasureLift("cable_adduction", {Set("cable_adduction", 12, 12.5)});
  EXPECT_TRUE(Progressed(cable, heavier));
}

TEST(MeasureLiftsTest, OnlyFinishedWorkoutsCountGroupedByExercise) {
  const std::vector<Workout> week = {
      Finished({Set("sumo_squat", 8, 20), Set("copenhagen_plank", 0, 0, 20)}),
      Finished({Set("sumo_squat", 8, 24)}),
      Finished({Set("sumo_squat", 5, 100)}, Workout::STATE_ABANDONED)};
  const std::vector<v1::LiftProgress> lifts = MeasureLifts(Refs(week));
  ASSERT_EQ(lifts.size(), 2u);
  EXPECT_EQ(lifts[0].exercise_id(), "copenhagen_plank");
  EXPECT_EQ(lifts[1].exercise_id(), "sumo_squat");
  EXPECT_DOUBLE_EQ(lifts[1].volume_load_kg(), 8 * 20 + 8 * 24);
}

TEST(AdductorSessionsTest, FinishedSessionsWithInnerThighWork) {
  const plan::ExerciseCatalog catalog =
      *plan::ExerciseCatalog::Parse(plan::BuiltInCatalogText());
  Workout run_only = Finished({});
  run_only.add_runs()->set_duration_seconds(1200);
  const std::vector<Workout> week = {
      Finished({Set("sumo_squat", 8, 20)}),           // heavy
      Finished({Set("copenhagen_plank", 0, 0, 20)}),  // not heavy
      Finished({Set("sumo_squat", 8, 20)}, Workout::STATE_ABANDONED), run_only};
  EXPECT_EQ(AdductorSessions(Refs(week), catalog, /*heavy_only=*/false), 2);
  EXPECT_EQ(AdductorSessions(Refs(week), catalog, /*heavy_only=*/true), 1);
}

}  // namespace
}  // namespace gracilis::progress
