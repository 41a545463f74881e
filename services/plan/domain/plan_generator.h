#pragma once

// Builds a personalised plan: 8 program weeks in three phases, then a
// repeating maintenance week. Pure and deterministic: the same catalog,
// inputs and adjustments give the same plan, byte for byte.

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "gracilis/internal/plan/v1/plan_record.pb.h"
#include "gracilis/plan/v1/plan.pb.h"
#include "services/plan/domain/catalog.h"

namespace gracilis::plan {

using internal::plan::v1::Adjustment;
using internal::plan::v1::PlanInputs;
using Adjustments = google::protobuf::RepeatedPtrField<Adjustment>;

// INVALID_ARGUMENT naming each field out of range (days 2-6, session
// minutes 20-120, ...). Start dates are checked by the caller, who knows
// today.
absl::Status ValidatePlanInputs(const PlanInputs& inputs);

// Everything but name, revision and create_time (the service owns those).
absl::StatusOr<v1::Plan> GeneratePlan(const ExerciseCatalog& catalog,
                                      const PlanInputs& inputs,
                                      const Adjustments& adjustments);

absl::CivilDay ToCivilDay(const type::v1::Date& date);
type::v1::Date ToDate(absl::CivilDay day);

// The stored week behind plan week `week_number` (1 or more), without a
// copy: 1-8 as generated, 9 and later the maintenance week, whose dates move
// by `shift_days`.
struct StoredWeek {
  const v1::PlanWeek* week;
  int shift_days;
};
StoredWeek StoredWeekOf(const v1::Plan& plan, int week_number);

// Week `week_number` of `plan`: 1-8 as generated, 9 and later the
// maintenance week with its dates moved to that week. NOT_FOUND outside.
absl::StatusOr<v1::PlanWeek> PlanWeekOf(const v1::Plan& plan, int week_number);
// What the plan has on `day`; FAILED_PRECONDITION before the start.
absl::StatusOr<v1::PlanDay> PlanDayOf(const v1::Plan& plan, absl::CivilDay day);

}  // namespace gracilis::plan
