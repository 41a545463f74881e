#pragma once

// One user's progress for one ISO week (domain.md, "What the product
// measures"): adductor sessions against the frequency goal, per-lift
// strength trends, running with its spike guardrails, the body-weight trend,
// nutrition adherence against the plan's targets, plan adherence, the week-5
// calorie check and one verdict. Pure and deterministic: the caller loads
// the history and stamps compute_time.

#include <memory>
#include <optional>
#include <vector>

#include "absl/time/time.h"
#include "gracilis/internal/plan/v1/plan_record.pb.h"
#include "gracilis/progress/v1/progress.pb.h"
#include "gracilis/type/v1/date.pb.h"
#include "gracilis/workout/v1/workout.pb.h"
#include "services/plan/domain/catalog.h"

namespace gracilis::progress {

// A logged calorie day is "met" within this much of the plan's 200-300 kcal
// deficit band (logging is approximate; a far bigger deficit is not met:
// domain.md, "nothing crazier").
inline constexpr int kCalorieToleranceKcal = 100;
// Program week of the calorie re-evaluation (domain.md, weeks 5-8).
inline constexpr int kCalorieCheckWeek = 5;

// What one user has stored, over at least the weeks being measured and the
// days before them that the guardrails look back on (HistoryStart).
struct History {
  std::vector<workout::v1::Workout> workouts;
  std::vector<workout::v1::BodyMeasurement> measurements;
  std::vector<workout::v1::NutritionLog> nutrition;
  // The user's current plan: schedule, targets, goal and time zone. Shared,
  // not copied: a stored plan is about 24 KB.
  std::shared_ptr<const internal::plan::v1::PlanRecord> plan;
};

// Weeks are counted in the plan's time zone (UTC without a plan).
absl::TimeZone ZoneOf(const History& history);

// The earliest time measuring `first` reads: the single-run guardrail's
// window and the two weeks the volume guardrail compares with.
absl::Time HistoryStart(const type::v1::IsoWeek& first, absl::TimeZone zone);

// The week's progress. `previous` is the week before (for lift trends),
// nullptr when unknown. compute_time and from_snapshot are left unset.
v1::WeeklyProgress MeasureWeek(const type::v1::IsoWeek& week,
                               const History& history,
                               const v1::WeeklyProgress* previous,
                               const plan::ExerciseCatalog& catalog);

// Weeks `first`..`last` in order, each the previous of the next; `seed` is
// the week before `first` (nullptr: unknown).
std::vector<v1::WeeklyProgress> MeasureWeeks(
    const type::v1::IsoWeek& first, const type::v1::IsoWeek& last,
    const History& history, const v1::WeeklyProgress* seed,
    const plan::ExerciseCatalog& catalog);

// The week as the plan service's adaptation reads it: per exercise the plan
// prescribed that week, the best work logged (absent if none) and the weeks
// without progress; the session counts; maintenance re-estimated from the
// logs, once there is an estimate. nullopt when the week is outside the
// plan. The request id is derived from the plan and the week, so sending it
// twice adapts once.
std::optional<plan::v1::AdaptPlanRequest> AdaptationFor(
    const v1::WeeklyProgress& week, const internal::plan::v1::PlanRecord& plan);

}  // namespace gracilis::progress
