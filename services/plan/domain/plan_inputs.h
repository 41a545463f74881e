#pragma once

// From a profile and a GeneratePlan request to the generator's inputs,
// with every problem named: INVALID_ARGUMENT for the request's fields,
// FAILED_PRECONDITION (PROFILE_INCOMPLETE) for profile fields still unset.

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "gracilis/account/v1/account.pb.h"
#include "gracilis/internal/plan/v1/plan_record.pb.h"
#include "gracilis/plan/v1/plan.pb.h"

namespace gracilis::plan {

inline constexpr int kDefaultSessionMinutes = 45;
// A plan may start up to 26 weeks back, so an app importing training that
// already happened (or a test replaying it) can place it in the plan.
inline constexpr int kStartDaysBackMax = 182;
inline constexpr int kStartDaysAheadMax = 90;

// `today` is the date in the user's time zone; `logged_run_seconds` are
// the durations of the runs logged in the 30 days before.
absl::StatusOr<internal::plan::v1::PlanInputs> PlanInputsFrom(
    const account::v1::Profile& profile, const v1::GeneratePlanRequest& request,
    absl::CivilDay today, const std::vector<int>& logged_run_seconds = {});

// What the running starts from: the logged runs (their median and longest),
// else the stated usual run, else the running level's usual run.
v1::RunningBase RunningBaseOf(const std::vector<int>& logged_run_seconds,
                              int stated_minutes, v1::RunningLevel level);

}  // namespace gracilis::plan
