#include "services/progress/domain/weekly_progress.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "coaching/progress_rules.h"
#include "common/clock/iso_week.h"
#include "common/clock/timestamp.h"
#include "common/units/units.h"
#include "services/plan/domain/coaching_rules.h"
#include "services/plan/domain/plan_generator.h"
#include "services/progress/domain/lift_progress.h"

namespace gracilis::progress {
namespace {

using internal::plan::v1::PlanRecord;
using type::v1::IsoWeek;
using workout::v1::BodyMeasurement;
using workout::v1::NutritionLog;
using workout::v1::Run;
using workout::v1::Workout;

double Round(double value, double step) {
  return std::round(value / step) * step;
}

bool Within(const google::protobuf::Timestamp& time, absl::Time from,
            absl::Time until) {
  const absl::Time t = ToTime(time);
  return t >= from && t < until;
}

// Finished workouts that started in [from, until).
WorkoutRefs FinishedBetween(const History& history, absl::Time from,
                            absl::Time until) {
  WorkoutRefs out;
  for (const Workout& workout : history.workouts) {
    if (workout.state() == Workout::STATE_FINISHED &&
        Within(workout.start_time(), from, until)) {
      out.push_back(&workout);
    }
  }
  return out;
}

int RunSeconds(const WorkoutRefs& workouts) {
  int seconds = 0;
  for (const Workout* workout : workouts) {
    for (const Run& run : workout->runs()) {
      seconds += run.duration_seconds();
    }
  }
  return seconds;
}

int LongestRunSeconds(const WorkoutRefs& workouts) {
  int longest = 0;
  for (const Workout* workout : workouts) {
    for (const Run& run : workout->runs()) {
      longest = std::max(longest, run.duration_seconds());
    }
  }
  return longest;
}

// The plan week holding the ISO week's Thursday (so a plan that starts
// mid-week numbers ISO weeks the way ISO numbers years); 0 before the plan.
int PlanWeekNumber(const plan::v1::Plan& plan, const IsoWeek& week) {
  const absl::CivilDay thursday = MondayOf(week) + 3;
  const absl::CivilDay start = plan::ToCivilDay(plan.start_date());
  return thursday < start ? 0 : static_cast<int>((thursday - start) / 7) + 1;
}

// Calls `visit` with each of the plan's sessions dated in the ISO week.
template <typename Visit>
void ForEachSessionIn(const plan::v1::Plan& plan, const IsoWeek& week,
                      Visit visit) {
  const absl::CivilDay monday = MondayOf(week);
  const absl::CivilDay start = plan::ToCivilDay(plan.start_date());
  if (monday + 7 <= start) {
    return;
  }
  const int first = monday < start ? 1 : (monday - start) / 7 + 1;
  // Seven days touch at most two plan weeks.
  for (int number = first; number <= first + 1; ++number) {
    const plan::StoredWeek stored = plan::StoredWeekOf(plan, number);
    for (const plan::v1::PlannedSession& session : stored.week->sessions()) {
      const absl::CivilDay day =
          plan::ToCivilDay(session.date()) + stored.shift_days;
      if (day >= monday && day < monday + 7) {
        visit(session);
      }
    }
  }
}

v1::RunningProgress MeasureRunning(const WorkoutRefs& week,
                                   const WorkoutRefs& recent,
                                   int seconds_two_weeks_before) {
  v1::RunningProgress running;
  double metres = 0;
  int timed_seconds = 0;  // of runs with a distance, for the pace
  for (const Workout* workout : week) {
    if (workout->runs().empty()) {
      continue;
    }
    running.set_sessions(running.sessions() + 1);
    for (const Run& run : workout->runs()) {
      metres += run.distance_m();
      if (run.distance_m() > 0) {
        timed_seconds += run.duration_seconds();
      }
    }
  }
  const int seconds = RunSeconds(week);
  running.set_minutes(static_cast<int>(std::lround(seconds / 60.0)));
  running.set_distance_km(Round(metres / 1000, 0.01));
  if (metres > 0) {
    running.set_pace_seconds_per_km(
        static_cast<int>(std::lround(timed_seconds / (metres / 1000))));
  }
  // Guardrails (domain.md): a single run much longer than recent ones...
  const int longest = LongestRunSeconds(week);
  const int recent_longest = LongestRunSeconds(recent);
  if (recent_longest > 0 &&
      longest > plan::rules::kMaxSingleRunVsRecentLongest * recent_longest) {
    running.add_warnings(absl::StrFormat(
        "Your longest run (%d min) is more than %d%% longer than your longest "
        "in the previous %d days (%d min): lengthen long runs gradually.",
        longest / 60,
        static_cast<int>(
            std::lround((plan::rules::kMaxSingleRunVsRecentLongest - 1) * 100)),
        plan::rules::kRecentRunWindowDays, recent_longest / 60));
  }
  // ...and a weekly volume jump beyond the plan's limit over two weeks.
  if (seconds_two_weeks_before > 0 &&
      seconds > (1 + plan::rules::kMaxTwoWeekRunVolumeRise) *
                    seconds_two_weeks_before) {
    running.add_warnings(absl::StrFormat(
        "Running time rose %d%% in two weeks (%d to %d min); keep the rise "
        "under %d%% to stay clear of injury.",
        static_cast<int>(
            std::lround(100.0 * (seconds - seconds_two_weeks_before) /
                        seconds_two_weeks_before)),
        seconds_two_weeks_before / 60, seconds / 60,
        static_cast<int>(
            std::lround(plan::rules::kMaxTwoWeekRunVolumeRise * 100))));
  }
  return running;
}

struct BodyWindow {
  double weight_sum = 0;
  int weights = 0;
  // The latest waist and thigh measurements (0 if none).
  absl::Time waist_time = absl::InfinitePast();
  double waist_cm = 0;
  absl::Time thigh_time = absl::InfinitePast();
  double thigh_cm = 0;

  double WeightAverage() const {
    return weights == 0 ? 0 : weight_sum / weights;
  }
};

BodyWindow BodyBetween(const History& history, absl::Time from,
                       absl::Time until) {
  BodyWindow window;
  for (const BodyMeasurement& m : history.measurements) {
    if (!Within(m.measure_time(), from, until)) {
      continue;
    }
    const absl::Time time = ToTime(m.measure_time());
    if (m.body_weight_kg() > 0) {
      window.weight_sum += m.body_weight_kg();
      ++window.weights;
    }
    if (m.waist_cm() > 0 && time >= window.waist_time) {
      window.waist_time = time;
      window.waist_cm = m.waist_cm();
    }
    if (m.thigh_cm() > 0 && time >= window.thigh_time) {
      window.thigh_time = time;
      window.thigh_cm = m.thigh_cm();
    }
  }
  return window;
}

// Days logged, and those that met the protein minimum and the calorie
// target: in program weeks the 200-300 kcal deficit band, after the program
// maintenance itself (domain.md, "In maintenance the target is
// maintenance"), each give or take the tolerance.
v1::NutritionAdherence MeasureNutrition(const History& history,
                                        const IsoWeek& week,
                                        bool maintenance_phase) {
  v1::NutritionAdherence adherence;
  const absl::CivilDay monday = MondayOf(week);
  const plan::v1::NutritionTargets* targets =
      history.plan ? &history.plan->plan().nutrition() : nullptr;
  for (const NutritionLog& log : history.nutrition) {
    const absl::CivilDay day = plan::ToCivilDay(log.date());
    if (day < monday || day >= monday + 7) {
      continue;
    }
    adherence.set_days_logged(adherence.days_logged() + 1);
    if (targets == nullptr || targets->maintenance_kcal() == 0) {
      continue;
    }
    if (log.protein_grams() >= targets->protein_grams_min()) {
      adherence.set_days_protein_met(adherence.days_protein_met() + 1);
    }
    const int maintenance =
        maintenance_phase && targets->maintenance_phase_target_kcal() > 0
            ? targets->maintenance_phase_target_kcal()
            : targets->maintenance_kcal();
    const int deficit = maintenance - log.calories_kcal();
    const int low = maintenance_phase ? 0 : plan::rules::kDeficitKcalMin;
    const int high = maintenance_phase ? 0 : plan::rules::kDeficitKcalMax;
    if (log.calories_kcal() > 0 && deficit >= low - kCalorieToleranceKcal &&
        deficit <= high + kCalorieToleranceKcal) {
      adherence.set_days_calories_met(adherence.days_calories_met() + 1);
    }
  }
  return adherence;
}

std::string ExerciseName(const plan::ExerciseCatalog& catalog,
                         const std::string& id) {
  const plan::CatalogExercise* exercise = catalog.Find(id);
  return exercise == nullptr ? id : exercise->display_name();
}

// "Leaner?" from the smoothed weight trend and the waist (domain.md, "Body
// weight and calories"): the verdict's half and the sentence saying which
// figure decided it, or why it could not.
struct BodyJudgement {
  bool leaner = false;
  std::string reason;
};
BodyJudgement JudgeBody(const v1::BodyProgress& body, bool trend_before,
                        double previous_waist_cm, type::v1::MassUnit unit) {
  const bool pounds = unit == type::v1::MASS_UNIT_POUND;
  std::vector<std::string> notes;
  if (body.waist_cm() > 0 && previous_waist_cm > 0) {
    if (body.waist_change_cm() <= -coaching::kWaistPrecisionCm) {
      return {true, absl::StrFormat("the waist measured %.1f cm less",
                                    -body.waist_change_cm())};
    }
    notes.push_back(absl::StrFormat(
        "the waist changed %+.1f cm (a change counts from %.1f cm, the "
        "tape's precision)",
        body.waist_change_cm(), coaching::kWaistPrecisionCm));
  }
  if (body.weigh_ins() >= coaching::kMinWeighInsToJudge && trend_before) {
    const double change = body.weight_trend_change_kg();
    // The change as shown, to the hundredth in the user's unit: a 0.07 kg
    // move is not "0.1 kg".
    const double shown = std::abs(body.weight_trend_change().value());
    const std::string amount =
        absl::StrFormat("%.2f %s", shown, pounds ? "lb" : "kg");
    const std::string figures = absl::StrCat(
        coaching::LoadText(body.weight_trend_kg() - change, pounds), " to ",
        coaching::LoadText(body.weight_trend_kg(), pounds));
    if (change <= -coaching::kLeanerTrendFallKg + 1e-9) {
      return {true, absl::StrCat("the weight trend fell ", amount, " (",
                                 figures, ")")};
    }
    notes.push_back(
        absl::StrCat("the weight trend moved ", change < 0 ? "-" : "+", amount,
                     " (", figures, "), less than the ",
                     coaching::LoadText(coaching::kLeanerTrendFallKg, pounds),
                     " fall that counts"));
  } else if (body.weigh_ins() > 0 || trend_before) {
    notes.push_back(absl::StrCat("not enough weigh-ins yet (", body.weigh_ins(),
                                 " of ", coaching::kMinWeighInsToJudge,
                                 " this week) to judge the weight trend"));
  }
  return {false, absl::StrJoin(notes, "; ")};
}

v1::Verdict Judge(const v1::WeeklyProgress& week, bool trend_before,
                  double previous_waist_cm,
                  const plan::ExerciseCatalog& catalog) {
  std::vector<std::string> up;
  std::vector<std::string> compared;
  for (const v1::LiftProgress& lift : week.lifts()) {
    if (lift.trend() == v1::LIFT_TREND_UP) {
      up.push_back(absl::StrCat(ExerciseName(catalog, lift.exercise_id()), " (",
                                lift.progress(), ")"));
    }
    if (lift.trend() != v1::LIFT_TREND_NEW) {
      compared.push_back(ExerciseName(catalog, lift.exercise_id()));
    }
  }
  const BodyJudgement body =
      JudgeBody(week.body(), trend_before, previous_waist_cm, week.unit());
  const bool stronger = !up.empty();
  const std::string stronger_reason =
      absl::StrCat(absl::StrJoin(up, ", "), " beat the last trained week");
  v1::Verdict verdict;
  if (week.lifts().empty() && week.body().weigh_ins() == 0 &&
      week.body().waist_cm() == 0) {
    verdict.set_kind(v1::Verdict::KIND_NEITHER);
    verdict.set_reason("Neither: nothing was logged this week to compare.");
  } else if (stronger && body.leaner) {
    verdict.set_kind(v1::Verdict::KIND_STRONGER_AND_LEANER);
    verdict.set_reason(absl::StrCat("Stronger and leaner: ", stronger_reason,
                                    ", and ", body.reason, "."));
  } else if (stronger) {
    verdict.set_kind(v1::Verdict::KIND_STRONGER);
    verdict.set_reason(absl::StrCat(
        "Stronger: ", stronger_reason, "; ",
        body.reason.empty() ? "no weight trend or waist to compare yet"
                            : body.reason,
        " (fat loss shows over weeks, and only with the calorie target)."));
  } else if (body.leaner) {
    verdict.set_kind(v1::Verdict::KIND_LEANER);
    verdict.set_reason(absl::StrCat(
        "Leaner: ", body.reason, "; ",
        compared.empty() ? "no lift to compare with an earlier week yet."
                         : "no lift beat its last trained week, so add a "
                           "rep, load or hold next week."));
  } else if (compared.empty() && !trend_before && previous_waist_cm == 0) {
    verdict.set_kind(v1::Verdict::KIND_BASELINE);
    verdict.set_reason(
        "Baseline: this week's lifts and weigh-ins are the starting point; "
        "next week is judged against them.");
  } else {
    verdict.set_kind(v1::Verdict::KIND_NEITHER);
    verdict.set_reason(absl::StrCat(
        "Neither: ",
        compared.empty() ? "no lift to compare with an earlier week yet"
                         : absl::StrCat("no lift beat its last trained week (",
                                        absl::StrJoin(compared, ", "), ")"),
        body.reason.empty() ? "" : "; ", body.reason, "."));
  }
  return verdict;
}

bool AimsToLoseFat(const PlanRecord& plan) {
  return plan.inputs().goal() == account::v1::GOAL_SLIM_THIGHS ||
         plan.inputs().goal() == account::v1::GOAL_SLIM_AND_TONE;
}

// Program week 5 (domain.md, weeks 5-8): re-evaluate calories if fat loss is
// a goal: with the logs' estimate when there is one, else against the
// weight the plan was built from.
std::string CalorieCheck(const PlanRecord& plan,
                         const v1::WeeklyProgress& week) {
  const v1::BodyProgress& body = week.body();
  const double start_kg = plan.inputs().body_weight_kg();
  const int target = plan.plan().nutrition().target_kcal();
  if (week.has_calories()) {
    return absl::StrFormat(
        "Week 5 calorie check: maintenance re-estimated from your logs at %d "
        "kcal a day (%s); the target moves from %d to %d kcal.",
        week.calories().maintenance_kcal(), week.calories().basis(),
        week.calories().current_target_kcal(), week.calories().target_kcal());
  }
  if (body.weight_average_kg() == 0) {
    return "Week 5 calorie check: log your weight a few times this week so "
           "the trend can be compared with the plan's start weight.";
  }
  if (body.weight_average_kg() <= start_kg - 0.5) {
    return absl::StrFormat(
        "Week 5 calorie check: weight is down %.1f kg since the plan "
        "started; keep eating about %d kcal a day.",
        start_kg - body.weight_average_kg(), target);
  }
  return absl::StrFormat(
      "Week 5 calorie check: weight has not come down since the plan started "
      "(%.1f to %.1f kg); log what you eat on %d days a week and your weight "
      "so maintenance can be re-estimated, and keep the deficit at %d-%d "
      "kcal, not more.",
      start_kg, body.weight_average_kg(), coaching::kMinLoggedDaysPerWeek,
      coaching::kDeficitKcalMin, coaching::kDeficitKcalMax);
}

std::vector<coaching::WeighIn> WeighIns(const History& history) {
  std::vector<coaching::WeighIn> out;
  for (const BodyMeasurement& m : history.measurements) {
    if (m.body_weight_kg() > 0) {
      out.push_back({ToTime(m.measure_time()), m.body_weight_kg()});
    }
  }
  return out;
}

// The unit the user weighs in: the plan's, else the latest weigh-in's.
type::v1::MassUnit UnitOf(const History& history) {
  if (history.plan &&
      history.plan->inputs().load_unit() != type::v1::MASS_UNIT_UNSPECIFIED) {
    return history.plan->inputs().load_unit();
  }
  absl::Time latest = absl::InfinitePast();
  type::v1::MassUnit unit = type::v1::MASS_UNIT_KILOGRAM;
  for (const BodyMeasurement& m : history.measurements) {
    if (m.body_weight().unit() != type::v1::MASS_UNIT_UNSPECIFIED &&
        ToTime(m.measure_time()) >= latest) {
      latest = ToTime(m.measure_time());
      unit = m.body_weight().unit();
    }
  }
  return unit;
}

// Maintenance re-estimated from the logs of this week and the ones before
// it (domain.md, "Adaptive maintenance"); nullopt until every one of those
// weeks has enough weigh-ins and nutrition days, or without a plan target.
std::optional<v1::CalorieEstimate> EstimateCalories(
    const History& history, const IsoWeek& week, absl::TimeZone zone,
    const std::vector<coaching::WeighIn>& weigh_ins, bool maintenance_phase) {
  if (!history.plan || history.plan->plan().nutrition().target_kcal() == 0) {
    return std::nullopt;
  }
  const IsoWeek first = AddWeeks(week, -(coaching::kAdaptiveWeeks - 1));
  const absl::Time from = SpanOf(first, zone).start;
  const absl::Time until = SpanOf(week, zone).end;
  double intake = 0;
  int days = 0;
  for (int i = 0; i < coaching::kAdaptiveWeeks; ++i) {
    const IsoWeek each = AddWeeks(first, i);
    const WeekSpan span = SpanOf(each, zone);
    const int weighed = static_cast<int>(std::count_if(
        weigh_ins.begin(), weigh_ins.end(), [&](const coaching::WeighIn& w) {
          return w.time >= span.start && w.time < span.end;
        }));
    int logged = 0;
    const absl::CivilDay monday = MondayOf(each);
    for (const NutritionLog& log : history.nutrition) {
      const absl::CivilDay day = plan::ToCivilDay(log.date());
      if (day >= monday && day < monday + 7 && log.calories_kcal() > 0) {
        ++logged;
        intake += log.calories_kcal();
      }
    }
    if (weighed < coaching::kMinWeighInsToJudge ||
        logged < coaching::kMinLoggedDaysPerWeek) {
      return std::nullopt;
    }
    days += logged;
  }
  // The trend where the weeks began (from earlier weigh-ins, or the first
  // of the weeks' own) and where they ended.
  std::optional<double> trend_from = coaching::WeightTrendAt(weigh_ins, from);
  if (!trend_from) {
    absl::Time earliest = absl::InfiniteFuture();
    for (const coaching::WeighIn& w : weigh_ins) {
      if (w.time >= from && w.time < until && w.time < earliest) {
        earliest = w.time;
        trend_from = w.kg;
      }
    }
  }
  const std::optional<double> trend_to =
      coaching::WeightTrendAt(weigh_ins, until);
  if (!trend_from || !trend_to) {
    return std::nullopt;
  }
  const double span_days = absl::ToDoubleHours(until - from) / 24;
  const double change_per_day = (*trend_to - *trend_from) / span_days;
  const double average = intake / days;
  v1::CalorieEstimate estimate;
  estimate.set_maintenance_kcal(
      coaching::EstimateMaintenanceKcal(average, change_per_day));
  estimate.set_current_target_kcal(
      history.plan->plan().nutrition().target_kcal());
  estimate.set_target_kcal(
      coaching::NextTargetKcal(estimate.current_target_kcal(),
                               estimate.maintenance_kcal(), maintenance_phase));
  estimate.set_basis(absl::StrFormat(
      "%d weeks: %d kcal a day eaten on %d logged days, weight trend %+.2f kg "
      "a week",
      coaching::kAdaptiveWeeks, static_cast<int>(std::lround(average)), days,
      change_per_day * 7));
  return estimate;
}

}  // namespace

absl::TimeZone ZoneOf(const History& history) {
  return history.plan ? ZoneOrUtc(history.plan->inputs().time_zone())
                      : absl::UTCTimeZone();
}

absl::Time HistoryStart(const IsoWeek& first, absl::TimeZone zone) {
  // The run guardrail's 30 days, and the weight trend where the calorie
  // estimate's first week begins (its own 28 days before that week).
  const int days =
      std::max(plan::rules::kRecentRunWindowDays,
               7 * (coaching::kAdaptiveWeeks - 1) + coaching::kTrendWindowDays);
  return SpanOf(first, zone).start - absl::Hours(24 * days);
}

v1::WeeklyProgress MeasureWeek(const IsoWeek& week, const History& history,
                               const v1::WeeklyProgress* previous,
                               const plan::ExerciseCatalog& catalog) {
  const absl::TimeZone zone = ZoneOf(history);
  const WeekSpan span = SpanOf(week, zone);
  const absl::Duration seven_days = absl::Hours(24 * 7);
  const WorkoutRefs workouts = FinishedBetween(history, span.start, span.end);

  v1::WeeklyProgress out;
  *out.mutable_week() = week;
  const plan::v1::Plan* plan = history.plan ? &history.plan->plan() : nullptr;
  out.set_plan_week_number(plan ? PlanWeekNumber(*plan, week) : 0);

  // Adductor frequency (domain.md): two sessions in program weeks, one heavy
  // movement in maintenance.
  const bool maintenance =
      out.plan_week_number() >= plan::rules::kMaintenanceWeek;
  out.set_adductor_sessions_goal(
      maintenance ? plan::rules::kMinHeavyAdductorMovesMaintenance
                  : plan::rules::kMinAdductorSessionsProgram);
  out.set_adductor_sessions(AdductorSessions(workouts, catalog, maintenance));
  out.set_adductor_goal_met(out.adductor_sessions() >=
                            out.adductor_sessions_goal());

  out.set_unit(UnitOf(history));
  for (v1::LiftProgress& lift : MeasureLifts(workouts, catalog, out.unit())) {
    const v1::LiftProgress* before = nullptr;
    if (previous != nullptr) {
      for (const v1::LiftProgress& candidate : previous->lifts()) {
        if (candidate.exercise_id() == lift.exercise_id()) {
          before = &candidate;
        }
      }
    }
    ApplyTrend(before, lift, catalog, out.unit());
    *out.add_lifts() = std::move(lift);
  }

  const absl::Time two_weeks_before = span.start - 2 * seven_days;
  *out.mutable_running() = MeasureRunning(
      workouts,
      FinishedBetween(
          history,
          span.start - absl::Hours(24 * plan::rules::kRecentRunWindowDays),
          span.start),
      RunSeconds(FinishedBetween(history, two_weeks_before,
                                 two_weeks_before + seven_days)));

  const BodyWindow body = BodyBetween(history, span.start, span.end);
  const BodyWindow before =
      BodyBetween(history, span.start - seven_days, span.start);
  const BodyWindow earlier =
      BodyBetween(history, HistoryStart(week, zone), span.start);
  v1::BodyProgress& progress = *out.mutable_body();
  progress.set_weight_average_kg(Round(body.WeightAverage(), 0.01));
  if (body.weights > 0 && before.weights > 0) {
    progress.set_weight_change_kg(
        Round(body.WeightAverage() - before.WeightAverage(), 0.01));
  }
  progress.set_weigh_ins(body.weights);
  const std::vector<coaching::WeighIn> weigh_ins = WeighIns(history);
  const std::optional<double> trend_before =
      coaching::WeightTrendAt(weigh_ins, span.start);
  if (const auto trend = coaching::WeightTrendAt(weigh_ins, span.end)) {
    progress.set_weight_trend_kg(Round(*trend, 0.01));
    *progress.mutable_weight_trend() = MassIn(*trend, out.unit());
    if (trend_before) {
      progress.set_weight_trend_change_kg(Round(*trend - *trend_before, 0.01));
      // To the hundredth, like the kilogram figure beside it.
      type::v1::Mass& change = *progress.mutable_weight_trend_change();
      change = MassIn(0, out.unit());
      change.set_value(
          Round((*trend - *trend_before) *
                    (change.unit() == type::v1::MASS_UNIT_POUND ? kLbPerKg : 1),
                0.01));
    }
  }
  progress.set_waist_cm(body.waist_cm);
  progress.set_thigh_cm(body.thigh_cm);
  if (body.waist_cm > 0 && earlier.waist_cm > 0) {
    progress.set_waist_change_cm(Round(body.waist_cm - earlier.waist_cm, 0.1));
  }

  *out.mutable_nutrition() = MeasureNutrition(history, week, maintenance);

  if (plan != nullptr) {
    int planned = 0;
    ForEachSessionIn(*plan, week, [&planned](const plan::v1::PlannedSession&) {
      ++planned;
    });
    out.set_sessions_planned(planned);
  }
  out.set_sessions_done(static_cast<int>(workouts.size()));

  if (auto calories =
          EstimateCalories(history, week, zone, weigh_ins, maintenance)) {
    *out.mutable_calories() = *std::move(calories);
  }
  *out.mutable_verdict() =
      Judge(out, trend_before.has_value() && progress.weight_trend_kg() > 0,
            earlier.waist_cm, catalog);
  if (history.plan && out.plan_week_number() == kCalorieCheckWeek &&
      AimsToLoseFat(*history.plan)) {
    out.set_calorie_check(CalorieCheck(*history.plan, out));
  }
  return out;
}

std::vector<v1::WeeklyProgress> MeasureWeeks(
    const IsoWeek& first, const IsoWeek& last, const History& history,
    const v1::WeeklyProgress* seed, const plan::ExerciseCatalog& catalog) {
  std::vector<v1::WeeklyProgress> weeks;
  const int count = WeeksBetween(first, last) + 1;
  weeks.reserve(std::max(count, 0));
  for (int i = 0; i < count; ++i) {
    weeks.push_back(MeasureWeek(AddWeeks(first, i), history,
                                weeks.empty() ? seed : &weeks.back(), catalog));
  }
  return weeks;
}

std::optional<plan::v1::AdaptPlanRequest> AdaptationFor(
    const v1::WeeklyProgress& week, const PlanRecord& plan) {
  if (week.plan_week_number() < 1) {
    return std::nullopt;
  }
  plan::v1::AdaptPlanRequest request;
  const std::string& name = plan.plan().name();
  request.set_plan(name);
  request.set_request_id(absl::StrCat("weekly-", IsoWeekText(week.week()), "-",
                                      name.substr(name.rfind('/') + 1))
                             .substr(0, 64));
  request.set_week_number(week.plan_week_number());
  const int planned = std::min(week.sessions_planned(), 14);
  request.set_sessions_planned(planned);
  request.set_sessions_done(std::min(week.sessions_done(), planned));
  std::vector<std::string> prescribed;
  ForEachSessionIn(
      plan.plan(), week.week(), [&](const plan::v1::PlannedSession& session) {
        for (const plan::v1::PrescribedExercise& exercise :
             session.exercises()) {
          if (std::find(prescribed.begin(), prescribed.end(),
                        exercise.exercise_id()) == prescribed.end()) {
            prescribed.push_back(exercise.exercise_id());
          }
        }
      });
  for (const std::string& id : prescribed) {
    plan::v1::ExerciseWeekOutcome& outcome = *request.add_outcomes();
    outcome.set_exercise_id(id);
    for (const v1::LiftProgress& lift : week.lifts()) {
      if (lift.exercise_id() != id || lift.sets() == 0) {
        continue;
      }
      outcome.set_stalled_weeks(lift.weeks_without_progress());
      plan::v1::LoggedWork& logged = *outcome.mutable_logged();
      logged.set_variant(lift.variant());
      if (lift.top_load_kg() > 0) {
        logged.mutable_load()->set_value(lift.top_load_kg());
        logged.mutable_load()->set_unit(type::v1::MASS_UNIT_KILOGRAM);
      }
      logged.set_reps(std::min(lift.best_reps(), 1000));
      logged.set_hold_seconds(std::min(lift.best_hold_seconds(), 3600));
      logged.set_tempo_seconds(std::min(lift.slowest_tempo_seconds(), 30));
      logged.set_sets(std::min(lift.sets(), 50));
    }
  }
  if (week.has_calories()) {
    request.set_maintenance_kcal_estimate(
        std::clamp(week.calories().maintenance_kcal(), 1000, 6000));
    request.set_maintenance_basis(week.calories().basis().substr(0, 200));
  }
  return request;
}

}  // namespace gracilis::progress
