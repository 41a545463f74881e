#pragma once

// A PlanCase played the way the services would: the profile update applied
// to an empty profile, a plan generated from it, then each adaptation that
// validates applied in turn. Requires (see fuzz_support.h) that every plan
// built from accepted input is built and keeps every coaching rule.

#include <optional>

#include "gracilis/internal/fuzz/v1/cases.pb.h"
#include "gracilis/internal/plan/v1/plan_record.pb.h"

namespace gracilis::fuzz {

// The latest plan revision, or nullopt when the profile or the request is
// refused (INVALID_ARGUMENT, as the client would be told).
std::optional<internal::plan::v1::PlanRecord> PlayPlanCase(
    const internal::fuzz::v1::PlanCase& c);

}  // namespace gracilis::fuzz
