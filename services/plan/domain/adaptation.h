#pragma once

// The adaptation rules: one week's outcomes become adjustments to the weeks
// after it (domain: step up where targets were hit, hold where they were
// missed, deload about 10% after repeated stalls, repeat a week after
// missed sessions). The plan is then rebuilt with them.

#include <vector>

#include "absl/status/statusor.h"
#include "gracilis/internal/plan/v1/plan_record.pb.h"
#include "gracilis/plan/v1/plan.pb.h"
#include "services/plan/domain/catalog.h"

namespace gracilis::plan {

// The adjustments one week's outcomes call for, starting the week after
// (maintenance weeks adjust the maintenance week). Request must be valid.
std::vector<internal::plan::v1::Adjustment> AdjustmentsFor(
    const v1::AdaptPlanRequest& request);

// INVALID_ARGUMENT naming the field for a bad request (week number,
// session counts, unknown exercise or outcome).
absl::Status ValidateAdaptation(const v1::AdaptPlanRequest& request,
                                const ExerciseCatalog& catalog);

}  // namespace gracilis::plan
