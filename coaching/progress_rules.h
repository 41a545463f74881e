#pragma once

// The coaching rules that judge progress (../shared/domain.md, "Judging
// progress", "Adapting the plan", "Body weight and calories"), in one place.
// The progress analytics and the plan's adaptation both link this library,
// so a stall, a deload, a micro-step or "leaner" is decided by the same code
// for both. Pure: no protobuf, no I/O; loads in kilograms.

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace gracilis::coaching {

// --- Strength ---------------------------------------------------------------

// Epley is trusted for loaded sets of 1-10 reps; above that, rep records.
inline constexpr int kMaxRepsForOneRepMax = 10;
// No dimension improved for this many trained weeks in a row: stalled, and
// the user gets one concrete micro-step.
inline constexpr int kStallWeeks = 2;
// Still stalled two weeks later (4 weeks without progress): deload.
inline constexpr int kDeloadAfterWeeks = 4;
// A deload takes about 10% off for one week, then training resumes.
inline constexpr double kDeloadFraction = 0.10;
// Micro-steps: +2.5 kg or +5 lb, +5 s hold, one more rep, slower lowering.
inline constexpr double kLoadStepKg = 2.5;
inline constexpr double kLoadStepLb = 5.0;
inline constexpr int kHoldStepSeconds = 5;
inline constexpr int kSlowTempoSeconds = 3;
// Loads within this of each other are the same load (unit rounding).
inline constexpr double kSameLoadKg = 0.05;

// The ways a lift can progress, hardest evidence first.
enum class Dimension {
  kNone,
  kVariant,  // a harder ladder step, even with reps or hold reset lower
  kLoad,     // more load (or a higher estimated 1RM)
  kReps,     // more reps at the same load, bodyweight included
  kHold,     // a longer hold
  kTempo,    // a slower controlled lowering
  kSets,     // an added set
  kDeload,   // only as a step: about 10% off for one week
};

// One lift's best work in one week: the hardest ladder step trained, and on
// it the heaviest load, the most reps at that load, the longest hold, the
// slowest lowering and the most sets in one workout.
struct LiftPerformance {
  int variant_rank = 0;  // position on the catalog ladder, 0 = easiest
  std::string variant;
  double load_kg = 0;  // 0 for bodyweight
  int reps = 0;
  int hold_seconds = 0;
  int tempo_seconds = 0;
  int sets = 0;
};

// One logged set, as the rules need it.
struct SetRecord {
  int variant_rank = 0;
  std::string variant;
  double load_kg = 0;
  int reps = 0;
  int hold_seconds = 0;
  int tempo_seconds = 0;
  // Sets of one workout share a session number; sets count per session.
  int session = 0;
};

// The week's performance from its sets; nullopt without sets.
std::optional<LiftPerformance> PerformanceOf(
    const std::vector<SetRecord>& sets);

// load x (1 + reps / 30); a single rep is the load itself; 0 outside 1-10
// reps or without load.
double EpleyOneRepMaxKg(int reps, double load_kg);

// Where `after` beat `before`, the first dimension (in Dimension order) and a
// short text for people, e.g. "+1 rep at bodyweight", "harder variant:
// foot_on_bench, 20 s". `regressed` when nothing improved and some dimension
// went down.
struct Comparison {
  Dimension improved = Dimension::kNone;
  std::string text;
  bool regressed = false;
};
Comparison Compare(const LiftPerformance& before, const LiftPerformance& after,
                   bool pounds);

// Weeks without progress after this week: 0 when it improved (or it is the
// lift's first week, or the week after a deload, which restarts the count),
// else one more than before.
int WeeksWithoutProgress(int previous_weeks, bool first_week, bool improved);
inline bool Stalled(int weeks_without_progress) {
  return weeks_without_progress >= kStallWeeks;
}
inline bool DeloadDue(int weeks_without_progress) {
  return weeks_without_progress >= kDeloadAfterWeeks;
}

// The one concrete step for a stalled lift (weeks_without_progress >= 2):
// holds get +5 s; otherwise 2 weeks: +load for loaded lifts, +1 rep for
// bodyweight; 3 weeks: slower lowering; 4: the deload. kNone when not
// stalled. The plan's adaptation applies the same step to the next
// prescription.
struct MicroStep {
  Dimension dimension = Dimension::kNone;
  std::string text;
};
MicroStep StallStep(const LiftPerformance& performance,
                    int weeks_without_progress, bool pounds);

// "2.5 kg" / "5 lb": a load in the user's unit.
std::string LoadText(double kg, bool pounds);

// --- Body weight
// --------------------------------------------------------------

// Each weigh-in moves the trend 10% of the way (The Hacker's Diet).
inline constexpr double kTrendSmoothing = 0.10;
// The trend at a moment reads the weigh-ins of this many days before it.
inline constexpr int kTrendWindowDays = 28;
// Fewer weigh-ins than this in a week: not enough to judge.
inline constexpr int kMinWeighInsToJudge = 3;
// Leaner: the trend fell at least this much over the week...
inline constexpr double kLeanerTrendFallKg = 0.1;
// ...or the waist fell at least this much (tape precision).
inline constexpr double kWaistPrecisionCm = 0.5;

struct WeighIn {
  absl::Time time;
  double kg = 0;
};

// The smoothed trend at `at` from the weigh-ins in [at - 28 days, at), in any
// order; it starts at the first of them. nullopt without one.
std::optional<double> WeightTrendAt(const std::vector<WeighIn>& weigh_ins,
                                    absl::Time at);

// --- Calories
// -------------------------------------------------------------------

// The target sits 200-300 kcal below maintenance; adaptive estimates aim at
// the middle of that band.
inline constexpr int kDeficitKcalMin = 200;
inline constexpr int kDeficitKcalMax = 300;
inline constexpr int kDeficitKcalAim = (kDeficitKcalMin + kDeficitKcalMax) / 2;
// Re-estimating maintenance needs this many weeks, each with weigh-ins and
// nutrition logged on at least this many days.
inline constexpr int kAdaptiveWeeks = 3;
inline constexpr int kMinLoggedDaysPerWeek = 5;
// A kilogram of body weight is about 7,700 kcal (3,500 per lb).
inline constexpr double kKcalPerKg = 7700;
// The target moves at most this much a week.
inline constexpr int kMaxTargetStepKcal = 150;

// Maintenance from what was eaten and what the trend did: average daily
// intake minus the trend's daily change in kcal (a trend falling 0.5 kg a
// week on 1,800 kcal a day: 1,800 + 0.5 x 7,700 / 7 = 2,350).
int EstimateMaintenanceKcal(double average_intake_kcal,
                            double trend_change_kg_per_day);

// The next target: maintenance (in maintenance weeks) or 250 below it,
// moved at most 150 kcal from the current target.
int NextTargetKcal(int current_target_kcal, int maintenance_kcal,
                   bool maintenance_phase);

}  // namespace gracilis::coaching
