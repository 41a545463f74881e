#include "fuzz/plan_case.h"

#include "fuzz/fuzz_support.h"
#include "services/account/domain/account_rules.h"
#include "services/plan/domain/adaptation.h"
#include "services/plan/domain/plan_inputs.h"
#include "services/plan/plan_records.h"

namespace gracilis::fuzz {

std::optional<internal::plan::v1::PlanRecord> PlayPlanCase(
    const internal::fuzz::v1::PlanCase& c) {
  const absl::CivilDay today = Today(c.today());
  const std::vector<std::string> mask(c.profile().mask().begin(),
                                      c.profile().mask().end());
  absl::StatusOr<account::v1::Profile> profile = account::ApplyProfileUpdate(
      account::v1::Profile(), c.profile().update(), mask, today.year());
  if (!profile.ok()) {
    return std::nullopt;
  }
  absl::StatusOr<internal::plan::v1::PlanInputs> inputs =
      plan::PlanInputsFrom(*profile, c.request(), today);
  if (!inputs.ok()) {
    return std::nullopt;
  }
  absl::StatusOr<internal::plan::v1::PlanRecord> record = plan::NewPlanRecord(
      Catalog(), *inputs, "0123456789abcdef01234567", NoonOf(today));
  Require(record.ok(),
          "a plan is built for every accepted profile and request");
  for (int i = 0; i < c.adaptations_size() && i < 12; ++i) {
    const plan::v1::AdaptPlanRequest& adapt = c.adaptations(i);
    if (!plan::ValidateAdaptation(adapt, Catalog()).ok() ||
        record->adapted_weeks().contains(adapt.week_number())) {
      continue;  // refused, or answered with the earlier revision
    }
    internal::plan::v1::PlanRecord next = *record;
    for (auto& adjustment : plan::AdjustmentsFor(adapt, *record, Catalog())) {
      *next.add_adjustments() = std::move(adjustment);
    }
    (*next.mutable_adapted_weeks())[adapt.week_number()] = adapt.request_id();
    next.mutable_revision()->set_revision(record->revision().revision() + 1);
    record = plan::BuildPlan(Catalog(), std::move(next));
    Require(record.ok(), "an accepted adaptation keeps every coaching rule");
  }
  return *std::move(record);
}

}  // namespace gracilis::fuzz
