#pragma once

// Daily nutrition targets (domain.md, "Nutrition targets"): protein 0.8-1.0
// g per lb of body weight (of the weight at BMI 25 from a BMI of 30),
// calories 200-300 kcal below maintenance estimated from the planned
// training minutes, 35 ml of water per kg up to 4 litres.

#include "gracilis/internal/plan/v1/plan_record.pb.h"
#include "gracilis/plan/v1/plan.pb.h"

namespace gracilis::plan {

// Mifflin-St Jeor resting energy, kcal per day.
double MifflinStJeorKcal(const internal::plan::v1::PlanInputs& inputs);
// Activity factor for the planned training minutes a week.
double ActivityFactor(int weekly_minutes);
// Body mass index from the inputs' weight and height.
double BodyMassIndex(const internal::plan::v1::PlanInputs& inputs);
// The calorie deficit for the goal, within 200-300 kcal.
int DeficitKcal(account::v1::Goal goal);

// The targets from the profile and the plan's average training minutes a
// week, then the latest calorie re-estimate among `adjustments`
// (KIND_CALORIES), if any.
v1::NutritionTargets NutritionFor(
    const internal::plan::v1::PlanInputs& inputs, int weekly_minutes,
    const google::protobuf::RepeatedPtrField<internal::plan::v1::Adjustment>&
        adjustments);

}  // namespace gracilis::plan
