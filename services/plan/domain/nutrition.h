#pragma once

// Daily nutrition targets (domain: protein 0.8-1.0 g per lb of body weight,
// calories 200-300 kcal below an estimated maintenance, a water target).

#include "gracilis/internal/plan/v1/plan_record.pb.h"
#include "gracilis/plan/v1/plan.pb.h"

namespace gracilis::plan {

// Mifflin-St Jeor resting energy, kcal per day.
double MifflinStJeorKcal(const internal::plan::v1::PlanInputs& inputs);
// Activity factor for the number of training days a week.
double ActivityFactor(int days_per_week);
// The calorie deficit for the goal, within 200-300 kcal.
int DeficitKcal(account::v1::Goal goal);

// The targets from the profile, then the latest calorie re-estimate among
// `adjustments` (KIND_CALORIES), if any.
v1::NutritionTargets NutritionFor(
    const internal::plan::v1::PlanInputs& inputs,
    const google::protobuf::RepeatedPtrField<internal::plan::v1::Adjustment>&
        adjustments);

}  // namespace gracilis::plan
