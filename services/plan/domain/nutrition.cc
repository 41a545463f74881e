#include "services/plan/domain/nutrition.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/units/units.h"
#include "services/plan/domain/coaching_rules.h"

namespace gracilis::plan {

double MifflinStJeorKcal(const internal::plan::v1::PlanInputs& inputs) {
  const double base = 10 * inputs.body_weight_kg() + 6.25 * inputs.height_cm() -
                      5 * inputs.age_years();
  return inputs.sex() == account::v1::SEX_MALE ? base + 5 : base - 161;
}

double ActivityFactor(int weekly_minutes) {
  for (const rules::ActivityLevel& level : rules::kActivityLevels) {
    if (weekly_minutes <= level.up_to_minutes) {
      return level.factor;
    }
  }
  return rules::kVeryActiveFactor;
}

double BodyMassIndex(const internal::plan::v1::PlanInputs& inputs) {
  const double metres = inputs.height_cm() / 100;
  return inputs.body_weight_kg() / (metres * metres);
}

int DeficitKcal(account::v1::Goal goal) {
  switch (goal) {
    case account::v1::GOAL_SLIM_THIGHS:
      return rules::kDeficitKcalMax;
    case account::v1::GOAL_TONE_INNER_THIGHS:
      return rules::kDeficitKcalMin;
    default:
      return (rules::kDeficitKcalMin + rules::kDeficitKcalMax) / 2;
  }
}

v1::NutritionTargets NutritionFor(
    const internal::plan::v1::PlanInputs& inputs, int weekly_minutes,
    const google::protobuf::RepeatedPtrField<internal::plan::v1::Adjustment>&
        adjustments) {
  v1::NutritionTargets targets;
  const double bmi = BodyMassIndex(inputs);
  const bool adjusted = bmi >= rules::kProteinAdjustFromBmi;
  const double metres = inputs.height_cm() / 100;
  const double basis_kg = adjusted ? rules::kAdjustedWeightBmi * metres * metres
                                   : inputs.body_weight_kg();
  const double pounds = basis_kg * kLbPerKg;
  targets.set_protein_grams_min(
      static_cast<int>(std::ceil(pounds * rules::kProteinGramsPerLbMin)));
  targets.set_protein_grams_max(
      static_cast<int>(std::floor(pounds * rules::kProteinGramsPerLbMax)));
  targets.set_protein_basis(adjusted ? v1::PROTEIN_BASIS_ADJUSTED_BODY_WEIGHT
                                     : v1::PROTEIN_BASIS_BODY_WEIGHT);
  const double factor = ActivityFactor(weekly_minutes);
  const int maintenance =
      static_cast<int>(std::lround(MifflinStJeorKcal(inputs) * factor));
  const int deficit = DeficitKcal(inputs.goal());
  targets.set_maintenance_kcal(maintenance);
  targets.set_target_kcal(maintenance - deficit);
  targets.set_maintenance_method(
      absl::StrFormat("mifflin_st_jeor x %.3g", factor));
  // Rounded to a 50 ml measure, at most 4 litres.
  targets.set_water_ml(std::min(
      rules::kMaxWaterMl,
      static_cast<int>(
          std::lround(inputs.body_weight_kg() * rules::kWaterMlPerKg / 50.0) *
          50)));
  *targets.add_why() = rules::Why(
      rules::kProteinTarget,
      adjusted
          ? absl::StrFormat(
                "Protein %d-%d g a day: 0.8-1.0 g per lb of an adjusted "
                "weight (basis: %.0f lb, the weight at BMI 25 for your "
                "height), because at a BMI of %.0f total body weight "
                "overstates the need; enough to build adductor muscle in a "
                "deficit.",
                targets.protein_grams_min(), targets.protein_grams_max(),
                pounds, bmi)
          : absl::StrFormat(
                "Protein %d-%d g a day: 0.8-1.0 g per lb of body weight "
                "(basis: total body weight, %.0f lb), to build adductor "
                "muscle while in a deficit.",
                targets.protein_grams_min(), targets.protein_grams_max(),
                pounds));
  *targets.add_why() = rules::Why(
      rules::kCalorieDeficit,
      absl::StrFormat(
          "%d kcal a day: %d below your estimated maintenance of %d "
          "(Mifflin-St Jeor x %.3g for about %d planned training minutes a "
          "week). Thigh fat only falls with whole-body fat loss; a modest "
          "deficit keeps strength rising. Re-estimated from your logs once "
          "you have logged food and weight for 3 weeks.",
          targets.target_kcal(), deficit, maintenance, factor, weekly_minutes));
  targets.set_maintenance_phase_target_kcal(maintenance);
  const internal::plan::v1::Adjustment* estimate = nullptr;
  for (const auto& a : adjustments) {
    if (a.kind() == internal::plan::v1::Adjustment::KIND_CALORIES) {
      estimate = &a;
    }
  }
  if (estimate != nullptr) {
    // Domain: "Adaptive maintenance": the logs replace the formula.
    targets.set_maintenance_kcal(estimate->maintenance_kcal());
    targets.set_target_kcal(estimate->target_kcal());
    targets.set_maintenance_phase_target_kcal(estimate->maintenance_kcal());
    targets.set_maintenance_method("logged_intake_and_weight_trend");
    *targets.mutable_why(1) = estimate->why();
  }
  *targets.add_why() = rules::Why(
      rules::kHydration,
      absl::StrCat("Drink about ", targets.water_ml(),
                   " ml of water a day (35 ml per kg, up to 4 litres), more "
                   "on run days: hydration changes how the thigh skin "
                   "looks."));
  return targets;
}

}  // namespace gracilis::plan
