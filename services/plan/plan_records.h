#pragma once

// Stored plan revisions: built from their inputs and adjustments, checked
// against the coaching rules. Used by PlanService and by gracilis-seed, so a
// seeded plan is exactly what GeneratePlan would store.

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gracilis/internal/plan/v1/plan_record.pb.h"
#include "services/plan/domain/catalog.h"

namespace gracilis::plan {

using internal::plan::v1::PlanInputs;
using internal::plan::v1::PlanRecord;

// 16 random lowercase hex digits.
std::string NewPlanId();

// Generates `record`'s plan from its inputs and adjustments and checks every
// coaching rule (INTERNAL if one breaks), keeping the record's plan name,
// revision number and create time.
absl::StatusOr<PlanRecord> BuildPlan(const ExerciseCatalog& catalog,
                                     PlanRecord record);

// Revision 1 of a new plan of `user_id` ("generated from your profile").
absl::StatusOr<PlanRecord> NewPlanRecord(const ExerciseCatalog& catalog,
                                         PlanInputs inputs,
                                         const std::string& user_id,
                                         absl::Time now);

}  // namespace gracilis::plan
