#pragma once

// The adaptation rules (domain.md, "Adapting the plan"): what one week's
// logs show becomes adjustments to the weeks after it. Per exercise, the
// best logged work against what was prescribed: beat it -> continue from
// the logged work; hit it -> the next ladder step, as written; missed it ->
// hold; stalled (the progress analytics' count, coaching/) -> the micro-step,
// then the deload. Most sessions missed -> repeat the week. A maintenance
// re-estimate from the logs moves the calorie target. The plan is then
// rebuilt with them.

#include <vector>

#include "absl/status/statusor.h"
#include "gracilis/internal/plan/v1/plan_record.pb.h"
#include "gracilis/plan/v1/plan.pb.h"
#include "services/plan/domain/catalog.h"

namespace gracilis::plan {

// An adaptation names at most this many exercises.
inline constexpr int kMaxAdaptedExercises = 50;

// INVALID_ARGUMENT naming the field for a bad request (request id, week
// number, session counts, unknown exercise or variant, logged numbers out
// of range, the calorie estimate).
absl::Status ValidateAdaptation(const v1::AdaptPlanRequest& request,
                                const ExerciseCatalog& catalog);

// The adjustments the week's logs call for, starting the week after
// (maintenance weeks adjust the maintenance week), judged against what
// `record`'s plan prescribed that week. Request must be valid.
std::vector<internal::plan::v1::Adjustment> AdjustmentsFor(
    const v1::AdaptPlanRequest& request,
    const internal::plan::v1::PlanRecord& record,
    const ExerciseCatalog& catalog);

// INVALID_ARGUMENT naming each field of a malformed RequestPlanChange
// (request id, kind, week number, exercise and substitute ids, reason).
absl::Status ValidateChangeRequest(const v1::RequestPlanChangeRequest& request,
                                   const ExerciseCatalog& catalog);

// The adjustments a user's request calls for, from plan week `week` on,
// judged against `record`'s plan: INVALID_ARGUMENT for an exercise not in
// that week or a substitute the catalog or the equipment does not allow,
// FAILED_PRECONDITION at the top or bottom of a ladder (or to repeat a
// maintenance week, which repeats anyway). Request must be valid.
absl::StatusOr<std::vector<internal::plan::v1::Adjustment>>
AdjustmentsForRequest(const v1::RequestPlanChangeRequest& request, int week,
                      const internal::plan::v1::PlanRecord& record,
                      const ExerciseCatalog& catalog);

// What `added` changed, from `before`'s prescriptions to `after`'s, for the
// revision's list of changes.
std::vector<v1::PlanChange> ChangesOf(
    const std::vector<internal::plan::v1::Adjustment>& added,
    const v1::Plan& before, const v1::Plan& after);

}  // namespace gracilis::plan
