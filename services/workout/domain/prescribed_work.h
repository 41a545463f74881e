#pragma once

// A planned session done exactly as prescribed: one StrengthSet per
// prescribed set and the run, if any (an easy pace of about 7 min/km, as the
// plan's run minutes assume). Ids and times are left for the caller. Used
// by `gracilis log planned` and by gracilis-seed.

#include <optional>
#include <vector>

#include "gracilis/plan/v1/plan.pb.h"
#include "gracilis/workout/v1/workout.pb.h"

namespace gracilis::workout {

inline constexpr double kAssumedEasyMinutesPerKm = 7.0;

struct PrescribedWork {
  std::vector<v1::StrengthSet> sets;
  std::optional<v1::Run> run;
};

PrescribedWork AsPrescribed(const plan::v1::PlannedSession& session);

}  // namespace gracilis::workout
