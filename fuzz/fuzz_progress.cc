// Fuzzes weekly progress from arbitrary logs: a plan played from the case
// (plan_case.h), then the workouts, measurements and nutrition logs that
// the workout rules accept, as storage would hold them, measured week by
// week. Properties: no crash or sanitizer report, and the adaptation the
// weekly job would send for each week is one the plan service accepts.

#include "common/clock/iso_week.h"
#include "fuzz/fuzz_support.h"
#include "fuzz/plan_case.h"
#include "services/plan/domain/adaptation.h"
#include "services/plan/plan_records.h"
#include "services/progress/domain/weekly_progress.h"
#include "services/workout/domain/workout_rules.h"

namespace gracilis::fuzz {
namespace {

void Check(const internal::fuzz::v1::ProgressCase& c) {
  const absl::CivilDay today = Today(c.plan().today());
  const absl::Time now = NoonOf(today);
  const workout::WorkoutRules rules(Catalog());
  progress::History history;
  if (std::optional<internal::plan::v1::PlanRecord> plan =
          PlayPlanCase(c.plan())) {
    history.plan = std::make_shared<const internal::plan::v1::PlanRecord>(
        *std::move(plan));
  }
  for (const workout::v1::Workout& workout : c.workouts()) {
    if (auto stored = rules.Synced(workout, "workout", now); stored.ok()) {
      history.workouts.push_back(*std::move(stored));
    }
  }
  for (const workout::v1::BodyMeasurement& measurement : c.measurements()) {
    if (auto stored = rules.Measurement(measurement, now); stored.ok()) {
      history.measurements.push_back(*std::move(stored));
    }
  }
  for (const workout::v1::NutritionLog& log : c.nutrition()) {
    if (auto stored = rules.Nutrition(log, today); stored.ok()) {
      history.nutrition.push_back(*std::move(stored));
    }
  }
  const type::v1::IsoWeek first =
      AddWeeks(IsoWeekOf(today), (c.first_week() % 20 + 20) % 20 - 10);
  const type::v1::IsoWeek last = AddWeeks(first, (c.weeks() % 12 + 12) % 12);
  const std::vector<progress::v1::WeeklyProgress> weeks =
      progress::MeasureWeeks(first, last, history, nullptr, Catalog());
  if (history.plan == nullptr) {
    return;
  }
  for (const progress::v1::WeeklyProgress& week : weeks) {
    if (std::optional<plan::v1::AdaptPlanRequest> adapt =
            progress::AdaptationFor(week, *history.plan)) {
      Require(plan::ValidateAdaptation(*adapt, Catalog()).ok(),
              "the weekly job's adaptation is one the plan service accepts");
      internal::plan::v1::PlanRecord next = *history.plan;
      for (auto& adjustment :
           plan::AdjustmentsFor(*adapt, *history.plan, Catalog())) {
        *next.add_adjustments() = std::move(adjustment);
      }
      Require(plan::BuildPlan(Catalog(), std::move(next)).ok(),
              "the plan adapted to what was logged keeps every coaching rule");
    }
  }
}

}  // namespace
}  // namespace gracilis::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gracilis::internal::fuzz::v1::ProgressCase c;
  if (c.ParseFromArray(data, static_cast<int>(size))) {
    gracilis::fuzz::Check(c);
  }
  return 0;
}
