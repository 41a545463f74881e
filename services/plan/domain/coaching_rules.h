#pragma once

// The coaching rules of ../shared/domain.md as named constants. Every plan
// element carries a Rationale whose `rule` is one of the ids below, so each
// "why" the app shows traces back to a rule here.

#include <string>

#include "coaching/progress_rules.h"
#include "gracilis/plan/v1/plan.pb.h"

namespace gracilis::plan::rules {

// Rule ids (Rationale.rule).
inline constexpr char kNoSpotReduction[] = "no_spot_reduction";
inline constexpr char kTwoProngs[] = "two_prongs";
inline constexpr char kAdductorFrequency[] = "adductor_frequency";
inline constexpr char kSessionOrder[] = "session_order";
inline constexpr char kProgressiveOverload[] = "progressive_overload";
inline constexpr char kPhaseLearn[] = "phase_learn";
inline constexpr char kPhaseAddResistance[] = "phase_add_resistance";
inline constexpr char kPhaseHighVolume[] = "phase_high_volume";
inline constexpr char kMaintenance[] = "maintenance_minimum";
inline constexpr char kRunProgression[] = "run_progression";
inline constexpr char kRunVolumeGuardrail[] = "run_volume_guardrail";
inline constexpr char kSingleRunGuardrail[] = "single_run_guardrail";
inline constexpr char kHardRunSpacing[] = "hard_run_spacing";
inline constexpr char kRunWalk[] = "run_walk";
inline constexpr char kEquipmentSubstitution[] = "equipment_substitution";
inline constexpr char kSessionLength[] = "session_length";
inline constexpr char kProteinTarget[] = "protein_target";
inline constexpr char kCalorieDeficit[] = "calorie_deficit";
inline constexpr char kHydration[] = "hydration";
inline constexpr char kHeavyIsFine[] = "heavy_is_fine";
inline constexpr char kAdaptHold[] = "adapt_hold";
inline constexpr char kAdaptDeload[] = "adapt_deload";
inline constexpr char kAdaptRepeatWeek[] = "adapt_repeat_week";
inline constexpr char kAdaptContinue[] = "adapt_continue_from_logged";
inline constexpr char kAdaptMicroStep[] = "adapt_micro_step";
inline constexpr char kAdaptiveCalories[] = "adaptive_calories";
inline constexpr char kUserRequest[] = "user_request";
inline constexpr char kReadinessCheck[] = "readiness_check";

// Program shape.
inline constexpr int kProgramWeeks = 8;
inline constexpr int kMaintenanceWeek = kProgramWeeks + 1;
inline constexpr int kMinAdductorSessionsProgram = 2;
inline constexpr int kMinHeavyAdductorMovesMaintenance = 1;
inline constexpr int kFirstAddResistanceWeek = 3;
inline constexpr int kFirstHighVolumeWeek = 5;

// Running guardrails.
inline constexpr double kMaxTwoWeekRunVolumeRise = 0.30;  // +30% over 2 weeks
inline constexpr double kMaxSingleRunVsRecentLongest = 1.10;
inline constexpr int kRecentRunWindowDays = 30;
inline constexpr double kWeeklyRunGrowth = 0.10;  // per week, stays under both
inline constexpr int kLongestRunMinutes = 60;
// A stated or level-based usual run when no runs are logged: the running
// level's (NONE 15, CASUAL 25, REGULAR 35 minutes).
inline int UsualRunMinutes(v1::RunningLevel level) {
  switch (level) {
    case v1::RUNNING_LEVEL_REGULAR:
      return 35;
    case v1::RUNNING_LEVEL_CASUAL:
      return 25;
    default:
      return 15;
  }
}
// Logged runs amount to a base (about 4 weeks of running twice a week)
// from this many in the 30 days.
inline constexpr int kRunsInThirtyDaysForBase = 8;
// No planned run is shorter, whatever the base (the weekly guardrail
// counts from at least this much on each run day).
inline constexpr int kFewestRunMinutes = 5;
// Who cannot run this long starts with run-walk.
inline constexpr int kRunWalkUntilMinutes = 10;
// Base before intensity: intervals, hills and sprints only after this many
// weeks of running at least twice a week (a regular runner brings them).
inline constexpr int kRunningBaseWeeks = 4;
inline constexpr int kMinRunsForBase = 2;
inline constexpr int kFirstHardRunWeek = 5;
// Hard sessions start small and grow by repeats, not with the run's length.
inline constexpr int kFirstHardRepeats = 4;
inline constexpr int kHardRepeatsAddedPerWeek = 1;
inline constexpr int kMaxHardRepeats = 8;
// Low impact where impact is the risk.
inline constexpr double kLowImpactFromBmi = 30;
inline constexpr int kLowImpactFromAge = 60;
// Run-walk until the user can run 10 minutes: 1 min running, 1.5 min walking.
inline constexpr int kRunWalkWeeks = 4;
inline constexpr int kRunWalkRunSeconds = 60;
inline constexpr int kRunWalkWalkSeconds = 90;

// Load steps (domain fact 4): +2.5 kg or +5 lb.
inline constexpr double kLoadStepKg = coaching::kLoadStepKg;
inline constexpr double kLoadStepLb = coaching::kLoadStepLb;
inline constexpr int kMaxSets = 5;

// Nutrition.
inline constexpr double kProteinGramsPerLbMin = 0.8;
inline constexpr double kProteinGramsPerLbMax = 1.0;
inline constexpr int kDeficitKcalMin = coaching::kDeficitKcalMin;
inline constexpr int kDeficitKcalMax = coaching::kDeficitKcalMax;
inline constexpr int kWaterMlPerKg = 35;
inline constexpr int kMaxWaterMl = 4000;
// From a BMI of 30, total body weight overstates the protein need: use the
// weight at BMI 25 for the user's height instead (domain.md, "Nutrition").
inline constexpr double kProteinAdjustFromBmi = 30;
inline constexpr double kAdjustedWeightBmi = 25;
// Mifflin-St Jeor multipliers by planned training minutes a week: light,
// light-moderate, moderate, moderate-high; above the last, very active.
struct ActivityLevel {
  int up_to_minutes;
  double factor;
};
inline constexpr ActivityLevel kActivityLevels[] = {
    {75, 1.375}, {150, 1.46}, {225, 1.55}, {300, 1.64}};
inline constexpr double kVeryActiveFactor = 1.725;

// Adaptation. The stall, micro-step and deload rules are the progress
// analytics' own (coaching/progress_rules.h): one rule, one place.
// Below this share of planned sessions done, the week is repeated.
inline constexpr double kRepeatWeekBelowAdherence = 0.75;

// The phase of program week `week` (kMaintenanceWeek and after: maintenance).
inline v1::Phase PhaseOf(int week) {
  if (week < kFirstAddResistanceWeek) {
    return v1::PHASE_LEARN;
  }
  if (week < kFirstHighVolumeWeek) {
    return v1::PHASE_ADD_RESISTANCE;
  }
  return week <= kProgramWeeks ? v1::PHASE_HIGH_VOLUME : v1::PHASE_MAINTENANCE;
}
// Whether a new program phase starts in `week` (the phase may then call
// for a harder variant).
inline bool PhaseStarts(int week) {
  return week == kFirstAddResistanceWeek || week == kFirstHighVolumeWeek;
}

inline v1::Rationale Why(const char* rule, std::string text) {
  v1::Rationale why;
  why.set_rule(rule);
  why.set_text(std::move(text));
  return why;
}

}  // namespace gracilis::plan::rules
