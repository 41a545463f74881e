#pragma once

// Synthetic users for tests, the demo and benchmarks (gracilis-seed). User
// i is one of three personas: progressing (does every planned session as
// prescribed, so loads and holds rise and weight falls), stalling (does
// every session but keeps the first dose of each exercise, weight flat) and
// skipping (every other session). Deterministic: the same index and "now"
// give the same user.

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gracilis/account/v1/account.pb.h"
#include "gracilis/internal/plan/v1/plan_record.pb.h"
#include "gracilis/workout/v1/workout.pb.h"

namespace gracilis::seed {

enum class Persona { kProgressing, kStalling, kSkipping };
Persona PersonaOf(int index);

// 24 lowercase hex digits, "5eed" then the index.
std::string SyntheticUserId(int index);

account::v1::Profile SyntheticProfile(int index);

// A plan that started on the Monday `weeks_ago` weeks before the current
// UTC week.
internal::plan::v1::PlanInputs SyntheticPlanInputs(int index, int weeks_ago,
                                                   absl::Time now);

// Workouts of every planned session before today, as a phone uploads them
// (units as typed; not yet normalised).
std::vector<workout::v1::Workout> SyntheticWorkouts(int index,
                                                    const plan::v1::Plan& plan,
                                                    absl::Time now);

// A weigh-in every other day (3 or 4 a week, enough to judge the weight
// trend) from the plan's start until now, with the waist.
std::vector<workout::v1::BodyMeasurement> SyntheticMeasurements(
    int index, const internal::plan::v1::PlanInputs& inputs, absl::Time now);

}  // namespace gracilis::seed
