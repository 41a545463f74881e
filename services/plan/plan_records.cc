#include "services/plan/plan_records.h"

#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/clock/timestamp.h"
#include "services/plan/domain/coaching_rules.h"
#include "services/plan/domain/plan_generator.h"
#include "services/plan/domain/plan_rules_check.h"

namespace gracilis::plan {

std::string NewPlanId() {
  absl::BitGen bits;
  return absl::StrFormat("%016x", absl::Uniform<uint64_t>(bits));
}

absl::StatusOr<PlanRecord> BuildPlan(const ExerciseCatalog& catalog,
                                     PlanRecord record) {
  absl::StatusOr<v1::Plan> plan =
      GeneratePlan(catalog, record.inputs(), record.adjustments());
  if (!plan.ok()) {
    return plan.status();
  }
  // The independent rule check guards every plan a user receives.
  const std::vector<std::string> broken =
      CheckCoachingRules(*plan, catalog, record.inputs(), record.adjustments());
  if (!broken.empty()) {
    return absl::InternalError(absl::StrCat(
        "generated plan breaks a coaching rule: ", broken.front()));
  }
  plan->set_name(record.plan().name());
  plan->set_revision(record.revision().revision());
  *plan->mutable_create_time() = record.revision().create_time();
  *record.mutable_plan() = *std::move(plan);
  return record;
}

absl::StatusOr<PlanRecord> NewPlanRecord(const ExerciseCatalog& catalog,
                                         PlanInputs inputs,
                                         const std::string& user_id,
                                         absl::Time now) {
  PlanRecord record;
  *record.mutable_inputs() = std::move(inputs);
  record.mutable_plan()->set_name(
      absl::StrCat("users/", user_id, "/plans/", NewPlanId()));
  record.mutable_revision()->set_revision(1);
  *record.mutable_revision()->mutable_create_time() = ToTimestamp(now);
  *record.mutable_revision()->mutable_reason() =
      rules::Why("generated", "generated from your profile");
  return BuildPlan(catalog, std::move(record));
}

}  // namespace gracilis::plan
