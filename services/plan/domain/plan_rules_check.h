#pragma once

// An independent check of a generated plan against the coaching rules,
// written apart from the generator so that one cannot hide the other's
// mistakes. Property tests run it over many profiles; the service runs it
// on every plan before storing it.

#include <string>
#include <vector>

#include "gracilis/internal/plan/v1/plan_record.pb.h"
#include "gracilis/plan/v1/plan.pb.h"
#include "services/plan/domain/catalog.h"

namespace gracilis::plan {

// One line per broken rule, naming the week and session; empty if none.
std::vector<std::string> CheckCoachingRules(
    const v1::Plan& plan, const ExerciseCatalog& catalog,
    const internal::plan::v1::PlanInputs& inputs,
    const google::protobuf::RepeatedPtrField<internal::plan::v1::Adjustment>&
        adjustments);

}  // namespace gracilis::plan
