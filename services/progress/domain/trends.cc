#include "services/progress/domain/trends.h"

#include <cmath>

#include "common/clock/timestamp.h"
#include "services/plan/domain/plan_generator.h"

namespace gracilis::progress {
namespace {

using workout::v1::Workout;

const v1::LiftProgress* LiftOf(const v1::WeeklyProgress& week,
                               const std::string& exercise_id) {
  for (const v1::LiftProgress& lift : week.lifts()) {
    if (lift.exercise_id() == exercise_id) {
      return &lift;
    }
  }
  return nullptr;
}

void AddPoint(v1::Trend& trend, const v1::WeeklyProgress& week, double value,
              bool present) {
  v1::TrendPoint& point = *trend.add_points();
  *point.mutable_week() = week.week();
  point.set_value(present ? value : 0);
  point.set_present(present);
}

std::string UnitWord(type::v1::MassUnit unit) {
  return unit == type::v1::MASS_UNIT_POUND ? "lb" : "kg";
}

}  // namespace

v1::Trend ExerciseTrend(const std::vector<v1::WeeklyProgress>& weeks,
                        const std::string& exercise_id) {
  enum class Measure { kOneRepMax, kHold, kReps };
  Measure measure = Measure::kReps;
  for (const v1::WeeklyProgress& week : weeks) {
    const v1::LiftProgress* lift = LiftOf(week, exercise_id);
    if (lift != nullptr && lift->has_estimated_one_rep_max()) {
      measure = Measure::kOneRepMax;
      break;
    }
    if (lift != nullptr && lift->best_hold_seconds() > 0) {
      measure = Measure::kHold;
    }
  }
  v1::Trend trend;
  trend.set_unit(measure == Measure::kOneRepMax
                     ? UnitWord(weeks.empty() ? type::v1::MASS_UNIT_KILOGRAM
                                              : weeks.back().unit())
                 : measure == Measure::kHold ? "s"
                                             : "reps");
  for (const v1::WeeklyProgress& week : weeks) {
    const v1::LiftProgress* lift = LiftOf(week, exercise_id);
    double value = 0;
    if (lift != nullptr) {
      switch (measure) {
        case Measure::kOneRepMax:
          value = lift->estimated_one_rep_max().value();
          break;
        case Measure::kHold:
          value = lift->best_hold_seconds();
          break;
        case Measure::kReps:
          // Reps in the best workout: more reps and added sets both show.
          value = lift->sets() > 0 ? lift->sets() * lift->best_reps()
                                   : lift->rep_record_reps();
          break;
      }
    }
    AddPoint(trend, week, value, value > 0);
    if (lift != nullptr) {
      trend.mutable_points()->rbegin()->set_variant(lift->variant());
    }
  }
  return trend;
}

v1::Trend MetricTrend(const std::vector<v1::WeeklyProgress>& weeks,
                      v1::Metric metric) {
  v1::Trend trend;
  for (const v1::WeeklyProgress& week : weeks) {
    switch (metric) {
      case v1::METRIC_BODY_WEIGHT_KG:
        trend.set_unit("kg");
        AddPoint(trend, week, week.body().weight_average_kg(),
                 week.body().weight_average_kg() > 0);
        break;
      case v1::METRIC_BODY_WEIGHT_TREND:
        trend.set_unit(UnitWord(week.unit()));
        AddPoint(trend, week, week.body().weight_trend().value(),
                 week.body().weight_trend_kg() > 0);
        break;
      case v1::METRIC_WAIST_CM:
        trend.set_unit("cm");
        AddPoint(trend, week, week.body().waist_cm(),
                 week.body().waist_cm() > 0);
        break;
      case v1::METRIC_THIGH_CM:
        trend.set_unit("cm");
        AddPoint(trend, week, week.body().thigh_cm(),
                 week.body().thigh_cm() > 0);
        break;
      case v1::METRIC_RUNNING_MINUTES:
        trend.set_unit("min");
        AddPoint(trend, week, week.running().minutes(), true);
        break;
      case v1::METRIC_RUNNING_DISTANCE_KM:
        trend.set_unit("km");
        AddPoint(trend, week, week.running().distance_km(), true);
        break;
      case v1::METRIC_ADDUCTOR_SESSIONS:
        trend.set_unit("sessions");
        AddPoint(trend, week, week.adductor_sessions(), true);
        break;
      case v1::METRIC_PLAN_ADHERENCE:
        trend.set_unit("ratio");
        AddPoint(trend, week,
                 week.sessions_planned() == 0
                     ? 0
                     : std::min(1.0, static_cast<double>(week.sessions_done()) /
                                         week.sessions_planned()),
                 week.sessions_planned() > 0);
        break;
      default:
        break;
    }
  }
  return trend;
}

v1::ProgressSummary Summarize(const std::vector<v1::WeeklyProgress>& weeks,
                              const History& history, absl::TimeZone zone) {
  v1::ProgressSummary summary;
  for (auto week = weeks.rbegin();
       week != weeks.rend() && week->adductor_goal_met(); ++week) {
    summary.set_adductor_goal_streak_weeks(
        summary.adductor_goal_streak_weeks() + 1);
  }
  absl::Time first = absl::InfiniteFuture();
  absl::Time last = absl::InfinitePast();
  double metres = 0;
  for (const Workout& workout : history.workouts) {
    if (workout.state() != Workout::STATE_FINISHED) {
      continue;
    }
    summary.set_total_workouts(summary.total_workouts() + 1);
    summary.set_total_sets(summary.total_sets() + workout.sets_size());
    for (const workout::v1::Run& run : workout.runs()) {
      metres += run.distance_m();
    }
    const absl::Time start = ToTime(workout.start_time());
    first = std::min(first, start);
    last = std::max(last, start);
  }
  summary.set_total_running_km(std::round(metres / 10) / 100);
  if (summary.total_workouts() > 0) {
    *summary.mutable_first_workout_date() =
        plan::ToDate(absl::ToCivilDay(first, zone));
    *summary.mutable_last_workout_time() = ToTimestamp(last);
  }
  return summary;
}

}  // namespace gracilis::progress
