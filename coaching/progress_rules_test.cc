#include "coaching/progress_rules.h"

#include "gtest/gtest.h"

namespace gracilis::coaching {
namespace {

// `sets` x `reps` of one variant in one session.
std::vector<SetRecord> Sets(int sets, int reps, double load_kg = 0,
                            int rank = 0, const char* variant = "bodyweight",
                            int hold = 0) {
  std::vector<SetRecord> out;
  for (int i = 0; i < sets; ++i) {
    out.push_back({.variant_rank = rank,
                   .variant = variant,
                   .load_kg = load_kg,
                   .reps = reps,
                   .hold_seconds = hold});
  }
  return out;
}

LiftPerformance Of(const std::vector<SetRecord>& sets) {
  return *PerformanceOf(sets);
}

TEST(PerformanceTest, TakesTheHardestVariantAndItsHeaviestSet) {
  std::vector<SetRecord> sets = Sets(2, 12, 0, 0, "bodyweight");
  for (const SetRecord& set : Sets(3, 8, 10, 1, "goblet")) {
    sets.push_back(set);
  }
  sets.push_back(
      {.variant_rank = 1, .variant = "goblet", .load_kg = 12.5, .reps = 6});
  const LiftPerformance p = Of(sets);
  EXPECT_EQ(p.variant, "goblet");
  EXPECT_DOUBLE_EQ(p.load_kg, 12.5);
  EXPECT_EQ(p.reps, 6);
  EXPECT_EQ(p.sets, 4);
  EXPECT_FALSE(PerformanceOf({}).has_value());
}

TEST(PerformanceTest, CountsSetsPerSessionNotPerWeek) {
  std::vector<SetRecord> sets = Sets(3, 10);
  for (SetRecord set : Sets(3, 10)) {
    set.session = 1;
    sets.push_back(set);
  }
  EXPECT_EQ(Of(sets).sets, 3);
}

TEST(CompareTest, BodyweightDoubleProgressionIsProgressEveryWeek) {
  const Comparison eight_to_nine =
      Compare(Of(Sets(3, 8)), Of(Sets(3, 9)), false);
  EXPECT_EQ(eight_to_nine.improved, Dimension::kReps);
  EXPECT_EQ(eight_to_nine.text, "+1 rep at bodyweight (9)");
  EXPECT_EQ(Compare(Of(Sets(3, 9)), Of(Sets(3, 10)), false).improved,
            Dimension::kReps);
}

TEST(CompareTest, AnAddedSetIsProgress) {
  const Comparison c = Compare(Of(Sets(3, 12)), Of(Sets(4, 12)), false);
  EXPECT_EQ(c.improved, Dimension::kSets);
  EXPECT_EQ(c.text, "+1 set (4)");
}

TEST(CompareTest, AHarderVariantWithAShorterHoldIsProgress) {
  const LiftPerformance knee =
      Of(Sets(3, 0, 0, 0, "knee_on_bench", /*hold=*/40));
  const LiftPerformance foot =
      Of(Sets(3, 0, 0, 1, "foot_on_bench", /*hold=*/20));
  const Comparison c = Compare(knee, foot, false);
  EXPECT_EQ(c.improved, Dimension::kVariant);
  EXPECT_EQ(c.text, "harder variant: foot_on_bench, 20 s");
  EXPECT_FALSE(c.regressed);
  EXPECT_TRUE(Compare(foot, knee, false).regressed);
}

TEST(CompareTest, LoadHoldAndTempoInTheUsersUnit) {
  EXPECT_EQ(Compare(Of(Sets(3, 9, 15)), Of(Sets(3, 8, 17.5)), false).text,
            "+2.5 kg (17.5 kg)");
  EXPECT_EQ(Compare(Of(Sets(3, 9, 4.5359237)), Of(Sets(3, 9, 6.80388555)),
                    /*pounds=*/true)
                .text,
            "+5 lb (15 lb)");
  EXPECT_EQ(Compare(Of(Sets(3, 0, 0, 0, "knee", 20)),
                    Of(Sets(3, 0, 0, 0, "knee", 25)), false)
                .improved,
            Dimension::kHold);
  LiftPerformance slow = Of(Sets(3, 9, 15));
  slow.tempo_seconds = 3;
  LiftPerformance before = Of(Sets(3, 9, 15));
  before.tempo_seconds = 2;
  EXPECT_EQ(Compare(before, slow, false).improved, Dimension::kTempo);
}

TEST(CompareTest, LessLoadForMoreRepsCountsOnlyIfTheEstimateRose) {
  // 15 kg x 5 (Epley 17.5) -> 12.5 kg x 10 (Epley 16.7): down.
  EXPECT_TRUE(
      Compare(Of(Sets(3, 5, 15)), Of(Sets(3, 10, 12.5)), false).regressed);
  // 15 kg x 3 (16.5) -> 12.5 kg x 10 (16.7): up.
  EXPECT_EQ(Compare(Of(Sets(3, 3, 15)), Of(Sets(3, 10, 12.5)), false).improved,
            Dimension::kLoad);
}

TEST(CompareTest, TheSameNumbersAreNeitherUpNorDown) {
  const Comparison c = Compare(Of(Sets(3, 10)), Of(Sets(3, 10)), false);
  EXPECT_EQ(c.improved, Dimension::kNone);
  EXPECT_FALSE(c.regressed);
}

TEST(StallTest, TwoWeeksFlatIsAStallWithAMicroStepAndFourIsADeload) {
  // Weeks: baseline, flat, flat (stalled), flat, flat (deload), deload week.
  int weeks = WeeksWithoutProgress(0, /*first_week=*/true, false);
  EXPECT_EQ(weeks, 0);
  weeks = WeeksWithoutProgress(weeks, false, false);
  EXPECT_FALSE(Stalled(weeks));
  weeks = WeeksWithoutProgress(weeks, false, false);
  EXPECT_TRUE(Stalled(weeks));
  EXPECT_EQ(StallStep(Of(Sets(3, 10, 15)), weeks, false).text, "add 2.5 kg");
  EXPECT_EQ(StallStep(Of(Sets(3, 10, 15)), weeks, true).text, "add 5 lb");
  EXPECT_EQ(StallStep(Of(Sets(3, 10)), weeks, false).text,
            "add one rep per set");
  EXPECT_EQ(StallStep(Of(Sets(3, 0, 0, 0, "knee", 30)), weeks, false).dimension,
            Dimension::kHold);
  weeks = WeeksWithoutProgress(weeks, false, false);
  EXPECT_EQ(StallStep(Of(Sets(3, 10, 15)), weeks, false).dimension,
            Dimension::kTempo);
  weeks = WeeksWithoutProgress(weeks, false, false);
  EXPECT_TRUE(DeloadDue(weeks));
  EXPECT_EQ(StallStep(Of(Sets(3, 10, 15)), weeks, false).dimension,
            Dimension::kDeload);
  // The deload week itself restarts the count.
  EXPECT_EQ(WeeksWithoutProgress(weeks, false, false), 0);
  EXPECT_EQ(StallStep(Of(Sets(3, 10, 15)), 1, false).dimension,
            Dimension::kNone);
}

TEST(WeightTrendTest, EachWeighInMovesTheTrendTenPercent) {
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  const std::vector<WeighIn> weigh_ins = {
      {t0, 80}, {t0 + absl::Hours(24), 79}, {t0 + absl::Hours(48), 81}};
  // 80 -> 80 -> 79.9 -> 80.01
  EXPECT_NEAR(*WeightTrendAt(weigh_ins, t0 + absl::Hours(72)), 80.01, 1e-9);
  EXPECT_NEAR(*WeightTrendAt(weigh_ins, t0 + absl::Hours(30)), 79.9, 1e-9);
  EXPECT_FALSE(WeightTrendAt(weigh_ins, t0).has_value());
  // Weigh-ins older than the window are not read.
  EXPECT_FALSE(WeightTrendAt(weigh_ins, t0 + absl::Hours(24 * 40)).has_value());
}

TEST(CaloriesTest, MaintenanceFromIntakeAndTrendAsTheDomainPageComputesIt) {
  // 1,800 kcal a day while the trend falls 0.5 kg a week: 2,350.
  EXPECT_EQ(EstimateMaintenanceKcal(1800, -0.5 / 7), 2350);
  EXPECT_EQ(EstimateMaintenanceKcal(2000, 0), 2000);
}

TEST(CaloriesTest, TheTargetMovesAtMost150KcalAWeek) {
  EXPECT_EQ(NextTargetKcal(1800, 2350, false), 1950);
  EXPECT_EQ(NextTargetKcal(1950, 2350, false), 2100);
  EXPECT_EQ(NextTargetKcal(2100, 2350, false), 2100);
  EXPECT_EQ(NextTargetKcal(2100, 2350, /*maintenance_phase=*/true), 2250);
  EXPECT_EQ(NextTargetKcal(2500, 2350, false), 2350);
  EXPECT_EQ(NextTargetKcal(0, 2350, false), 2100);
}

}  // namespace
}  // namespace gracilis::coaching
