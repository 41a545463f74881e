// gracilis progress week|trend|summary: "am I getting stronger and leaner?"
// on the command line, with a small text chart for trends.

#include <algorithm>
#include <iostream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/arguments.h"
#include "cli/cli.h"
#include "cli/progress_text.h"
#include "common/clock/iso_week.h"
#include "common/status/grpc_status.h"
#include "common/status/status_macros.h"
#include "gracilis/progress/v1/progress.grpc.pb.h"

namespace gracilis::cli {
namespace {

namespace v1 = gracilis::progress::v1;
using Stub = v1::ProgressService::Stub;

constexpr char kUsage[] =
    "progress week [week=2026-W48] | progress trend <exercise id|metric> "
    "[weeks=1-52] | progress summary";
constexpr int kChartWidth = 30;

template <typename Request, typename Response>
absl::Status Call(const Cli& cli,
                  grpc::Status (Stub::*method)(grpc::ClientContext*,
                                               const Request&, Response*),
                  const Request& request, Response* response) {
  ASSIGN_OR_RETURN(auto context, cli.NewSignedInContext());
  auto stub = v1::ProgressService::NewStub(cli.channel());
  return FromGrpcStatus(((*stub).*method)(context.get(), request, response));
}

std::string MassText(const type::v1::Mass& mass) {
  return absl::StrFormat(
      "%g %s", mass.value(),
      mass.unit() == type::v1::MASS_UNIT_POUND ? "lb" : "kg");
}

// "sumo_squat  3x9 bodyweight  UP  +1 rep at bodyweight (9)".
std::string LiftLine(const v1::LiftProgress& lift) {
  std::string best;
  if (lift.best_hold_seconds() > 0 && lift.best_reps() == 0) {
    best = absl::StrFormat("%dx%d s", lift.sets(), lift.best_hold_seconds());
  } else if (lift.sets() > 0) {
    best = absl::StrFormat(
        "%dx%d %s", lift.sets(), lift.best_reps(),
        lift.has_top_load() ? MassText(lift.top_load()) : "bodyweight");
  }
  if (!lift.variant().empty() && lift.variant() != "bodyweight") {
    absl::StrAppend(&best, " ", lift.variant());
  }
  if (lift.has_estimated_one_rep_max()) {
    absl::StrAppend(&best, ", 1RM ", MassText(lift.estimated_one_rep_max()));
  }
  std::string line =
      absl::StrFormat("    %-20s %-34s %s", lift.exercise_id(), best,
                      EnumWord(*v1::LiftTrend_descriptor(), lift.trend()));
  if (!lift.progress().empty()) {
    absl::StrAppend(&line, ": ", lift.progress());
  }
  if (lift.weeks_without_progress() > 0) {
    absl::StrAppend(&line, " (", lift.weeks_without_progress(),
                    lift.weeks_without_progress() == 1 ? " week" : " weeks",
                    " without progress)");
  }
  if (lift.stalled()) {
    absl::StrAppend(&line, "\n      stalled: ", lift.suggestion());
  }
  return line;
}

}  // namespace

std::string WeekText(const progress::v1::WeeklyProgress& week) {
  std::ostringstream out;
  out << "Week " << IsoWeekText(week.week());
  if (week.plan_week_number() > 0) {
    out << " (plan week " << week.plan_week_number() << ")";
  }
  out << (week.from_snapshot() ? ", from the weekly snapshot" : "") << "\n";
  out << absl::StrFormat(
      "  adductor sessions  %d of %d  %s\n", week.adductor_sessions(),
      week.adductor_sessions_goal(),
      week.adductor_goal_met() ? "goal met" : "goal not met yet");
  out << absl::StrFormat("  sessions           %d done, %d planned\n",
                         week.sessions_done(), week.sessions_planned());
  if (!week.lifts().empty()) {
    out << "  lifts\n";
    for (const v1::LiftProgress& lift : week.lifts()) {
      out << LiftLine(lift) << "\n";
    }
  }
  const v1::RunningProgress& running = week.running();
  out << absl::StrFormat("  running            %d %s, %d min, %.2f km",
                         running.sessions(),
                         running.sessions() == 1 ? "run" : "runs",
                         running.minutes(), running.distance_km());
  if (running.pace_seconds_per_km() > 0) {
    out << absl::StrFormat(", %d:%02d /km", running.pace_seconds_per_km() / 60,
                           running.pace_seconds_per_km() % 60);
  }
  out << "\n";
  for (const std::string& warning : running.warnings()) {
    out << "    ! " << warning << "\n";
  }
  const v1::BodyProgress& body = week.body();
  if (body.weight_trend_kg() > 0 || body.waist_cm() > 0) {
    out << "  body              ";
    if (body.weight_trend_kg() > 0) {
      out << " trend " << MassText(body.weight_trend());
      if (body.has_weight_trend_change()) {
        out << absl::StrFormat(
            " (%+.2f %s)", body.weight_trend_change().value(),
            body.weight_trend_change().unit() == type::v1::MASS_UNIT_POUND
                ? "lb"
                : "kg");
      }
      out << ", " << body.weigh_ins() << " weigh-ins";
    }
    if (body.waist_cm() > 0) {
      out << absl::StrFormat(", waist %.1f cm", body.waist_cm());
    }
    if (body.thigh_cm() > 0) {
      out << absl::StrFormat(", thigh %.1f cm", body.thigh_cm());
    }
    out << "\n";
  }
  if (week.nutrition().days_logged() > 0) {
    out << absl::StrFormat(
        "  nutrition          %d days logged: protein met %d, calories met "
        "%d\n",
        week.nutrition().days_logged(), week.nutrition().days_protein_met(),
        week.nutrition().days_calories_met());
  }
  // The reason starts with the verdict ("Stronger: ...").
  out << "  verdict            " << week.verdict().reason() << "\n";
  if (week.has_calories()) {
    out << absl::StrFormat(
        "  calories           maintenance re-estimated at %d kcal (%s); "
        "target %d -> %d kcal\n",
        week.calories().maintenance_kcal(), week.calories().basis(),
        week.calories().current_target_kcal(), week.calories().target_kcal());
  }
  if (!week.calorie_check().empty()) {
    out << "  calorie check      " << week.calorie_check() << "\n";
  }
  return out.str();
}

namespace {

int WeekCommand(const Cli& cli, const std::vector<std::string>& args) {
  v1::GetWeeklyProgressRequest request;
  if (args.size() > 2 ||
      (args.size() == 2 && !absl::StartsWith(args[1], "week="))) {
    std::cerr << "usage: gracilis " << kUsage << "\n";
    return kExitUsage;
  }
  if (args.size() == 2) {
    std::optional<type::v1::IsoWeek> week = ParseIsoWeek(args[1].substr(5));
    if (!week) {
      std::cerr << "gracilis: week must look like 2026-W48\n";
      return kExitUsage;
    }
    *request.mutable_week() = *week;
  }
  v1::WeeklyProgress week;
  const absl::Status status =
      Call(cli, &Stub::GetWeeklyProgress, request, &week);
  if (!status.ok()) {
    return cli.Fail(status);
  }
  std::cout << WeekText(week);
  return kExitOk;
}

// One bar per week, scaled to the largest value.
void PrintChart(const v1::Trend& trend, const std::string& subject) {
  double largest = 0;
  for (const v1::TrendPoint& point : trend.points()) {
    largest = std::max(largest, point.value());
  }
  std::cout << subject << " (" << trend.unit() << ")\n";
  std::string previous_variant;
  for (const v1::TrendPoint& point : trend.points()) {
    std::cout << "  " << IsoWeekText(point.week()) << "  ";
    if (!point.present()) {
      std::cout << std::string(kChartWidth, ' ') << "  -\n";
      continue;
    }
    const int length = largest > 0 ? static_cast<int>(std::lround(
                                         point.value() / largest * kChartWidth))
                                   : 0;
    std::string bar;
    for (int i = 0; i < kChartWidth; ++i) {
      bar += i < length ? "#" : ".";
    }
    std::cout << bar << absl::StrFormat("  %g", point.value());
    // Mark a move up the ladder, where reps or holds restart lower.
    if (!point.variant().empty() && point.variant() != previous_variant &&
        !previous_variant.empty()) {
      std::cout << "  (" << point.variant() << ")";
    }
    previous_variant = point.variant();
    std::cout << "\n";
  }
}

int TrendCommand(const Cli& cli, const std::vector<std::string>& args) {
  if (args.size() < 2 || args.size() > 3 ||
      (args.size() == 3 && !absl::StartsWith(args[2], "weeks="))) {
    std::cerr << "usage: gracilis " << kUsage
              << "\n  metrics: " << EnumWords(*v1::Metric_descriptor()) << "\n";
    return kExitUsage;
  }
  v1::GetTrendRequest request;
  absl::StatusOr<int> metric =
      ParseEnum(*v1::Metric_descriptor(), "metric", args[1]);
  if (metric.ok()) {
    request.set_metric(static_cast<v1::Metric>(*metric));
  } else {
    request.set_exercise_id(args[1]);
  }
  if (args.size() == 3) {
    int weeks = 0;
    if (!absl::SimpleAtoi(args[2].substr(6), &weeks)) {
      std::cerr << "gracilis: weeks must be a number, 1-52\n";
      return kExitUsage;
    }
    request.set_weeks(weeks);
  }
  v1::Trend trend;
  const absl::Status status = Call(cli, &Stub::GetTrend, request, &trend);
  if (!status.ok()) {
    return cli.Fail(status);
  }
  PrintChart(trend, args[1]);
  return kExitOk;
}

int SummaryCommand(const Cli& cli) {
  v1::ProgressSummary summary;
  const absl::Status status = Call(cli, &Stub::GetProgressSummary,
                                   v1::GetProgressSummaryRequest(), &summary);
  if (!status.ok()) {
    return cli.Fail(status);
  }
  std::cout << absl::StrFormat(
      "adductor goal streak  %d weeks\nworkouts              %d (%d sets)\n"
      "running               %.2f km\n",
      summary.adductor_goal_streak_weeks(), summary.total_workouts(),
      summary.total_sets(), summary.total_running_km());
  if (summary.total_workouts() > 0) {
    std::cout << absl::StrFormat("first workout         %04d-%02d-%02d\n",
                                 summary.first_workout_date().year(),
                                 summary.first_workout_date().month(),
                                 summary.first_workout_date().day());
  }
  return kExitOk;
}

int ProgressCommand(const Cli& cli, const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "week") {
    return WeekCommand(cli, args);
  }
  if (!args.empty() && args[0] == "trend") {
    return TrendCommand(cli, args);
  }
  if (args.size() == 1 && args[0] == "summary") {
    return SummaryCommand(cli);
  }
  std::cerr << "usage: gracilis " << kUsage << "\n";
  return kExitUsage;
}

}  // namespace

std::vector<Command> ProgressCommands() {
  return {{"progress", kUsage,
           "this week's progress and verdict, trends, the summary",
           ProgressCommand}};
}

}  // namespace gracilis::cli
