// gracilis plan generate | show | today | week N | change ... | changes

#include <iostream>
#include <map>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "cli/cli.h"
#include "common/status/errors.h"
#include "common/status/status_macros.h"
#include "gracilis/plan/v1/plan.grpc.pb.h"
#include "services/plan/domain/plan_text.h"

namespace gracilis::cli {
namespace {

namespace v1 = gracilis::plan::v1;

constexpr char kUsage[] =
    "plan generate [days=2-6] [minutes=20-120] [running=none|casual|regular] "
    "[usual-run=5-180] [start=YYYY-MM-DD]\n"
    "       gracilis plan show | plan today | plan week N\n"
    "       gracilis plan change too-hard|too-easy <exercise id> [week=N]\n"
    "       gracilis plan change swap <exercise id> reason=hurts|no-equipment "
    "[to=<exercise id>] [week=N]\n"
    "       gracilis plan change repeat-week [week=N]\n"
    "       gracilis plan changes   (what each revision changed, newest "
    "first)";

int Usage() {
  std::cerr << "usage: gracilis " << kUsage << "\n";
  return kExitUsage;
}

absl::StatusOr<v1::GeneratePlanRequest> ParseGenerate(
    const std::vector<std::string>& args) {
  v1::GeneratePlanRequest request;
  absl::BitGen bits;
  request.set_request_id(
      absl::StrFormat("%016x", absl::Uniform<uint64_t>(bits)));
  Violations bad;
  for (const std::string& arg : args) {
    const std::vector<std::string> kv =
        absl::StrSplit(arg, absl::MaxSplits('=', 1));
    int number = 0;
    if (kv.size() == 2 && kv[0] == "days" && absl::SimpleAtoi(kv[1], &number)) {
      request.set_days_per_week(number);
    } else if (kv.size() == 2 && kv[0] == "minutes" &&
               absl::SimpleAtoi(kv[1], &number)) {
      request.set_session_minutes(number);
    } else if (kv.size() == 2 && kv[0] == "running") {
      v1::RunningLevel level;
      if (!v1::RunningLevel_Parse(
              "RUNNING_LEVEL_" + absl::AsciiStrToUpper(kv[1]), &level) ||
          level == v1::RUNNING_LEVEL_UNSPECIFIED) {
        bad.Add("running", "one of: none, casual, regular");
      }
      request.set_running_level(level);
    } else if (kv.size() == 2 && kv[0] == "usual-run" &&
               absl::SimpleAtoi(kv[1], &number)) {
      // Minutes usually run, when no runs are logged yet.
      request.set_usual_run_minutes(number);
    } else if (kv.size() == 2 && kv[0] == "start") {
      absl::CivilDay day;
      if (!absl::ParseCivilTime(kv[1], &day)) {
        bad.Add("start", "a date like 2026-11-30");
      }
      request.mutable_start_date()->set_year(static_cast<int>(day.year()));
      request.mutable_start_date()->set_month(day.month());
      request.mutable_start_date()->set_day(day.day());
    } else {
      bad.Add(arg, "expected days=, minutes=, running=, usual-run= or start=");
    }
  }
  RETURN_IF_ERROR(bad.ToStatus());
  return request;
}

// `plan change <kind> [exercise] [week=N] [reason=...] [to=...]`; the week
// defaults to this one.
absl::StatusOr<v1::RequestPlanChangeRequest> ParseChange(
    const std::vector<std::string>& args) {
  using Request = v1::RequestPlanChangeRequest;
  static const auto* kinds = new std::map<std::string, Request::Kind>{
      {"too-hard", Request::KIND_TOO_HARD},
      {"too-easy", Request::KIND_TOO_EASY},
      {"swap", Request::KIND_SWAP},
      {"repeat-week", Request::KIND_REPEAT_WEEK}};
  Request request;
  absl::BitGen bits;
  request.set_request_id(
      absl::StrFormat("%016x", absl::Uniform<uint64_t>(bits)));
  Violations bad;
  if (args.empty() || !kinds->contains(args[0])) {
    bad.Add("change", "one of: too-hard, too-easy, swap, repeat-week");
    return bad.ToStatus();
  }
  request.set_kind(kinds->at(args[0]));
  for (size_t i = 1; i < args.size(); ++i) {
    const std::vector<std::string> kv =
        absl::StrSplit(args[i], absl::MaxSplits('=', 1));
    int number = 0;
    if (kv.size() == 1 && request.exercise_id().empty()) {
      request.set_exercise_id(kv[0]);
    } else if (kv.size() == 2 && kv[0] == "week" &&
               absl::SimpleAtoi(kv[1], &number)) {
      request.set_week_number(number);
    } else if (kv.size() == 2 && kv[0] == "to") {
      request.set_substitute_id(kv[1]);
    } else if (kv.size() == 2 && kv[0] == "reason" && kv[1] == "hurts") {
      request.set_reason(Request::REASON_IT_HURTS);
    } else if (kv.size() == 2 && kv[0] == "reason" && kv[1] == "no-equipment") {
      request.set_reason(Request::REASON_NO_EQUIPMENT_TODAY);
    } else {
      bad.Add(args[i],
              "expected an exercise id, week=N, reason=hurts|no-equipment or "
              "to=<exercise id>");
    }
  }
  RETURN_IF_ERROR(bad.ToStatus());
  return request;
}

// One revision's changes, for `plan changes`.
std::string ChangesText(const v1::PlanRevision& revision) {
  std::string out = absl::StrFormat("revision %d: %s\n", revision.revision(),
                                    revision.reason().text());
  for (const v1::PlanChange& change : revision.changes()) {
    const std::string kind = absl::AsciiStrToLower(
        v1::PlanChange::Kind_Name(change.kind()).substr(5));
    absl::StrAppend(&out, "  week ", change.week_number(), " ", kind,
                    change.exercise_id().empty() ? "" : " ",
                    change.exercise_id(),
                    change.user_requested() ? " (you asked)" : "", ": ",
                    change.reason().text(), "\n");
  }
  return out;
}

int PlanCommand(const Cli& cli, const std::vector<std::string>& args) {
  if (args.empty()) {
    return Usage();
  }
  auto context = cli.NewSignedInContext();
  if (!context.ok()) {
    return cli.Fail(context.status());
  }
  auto stub = v1::PlanService::NewStub(cli.channel());
  const std::string current = "users/me/plans/current";
  grpc::Status status;
  if (args[0] == "generate") {
    absl::StatusOr<v1::GeneratePlanRequest> request =
        ParseGenerate({args.begin() + 1, args.end()});
    if (!request.ok()) {
      cli.Fail(request.status());
      return Usage();
    }
    v1::Plan plan;
    status = stub->GeneratePlan(context->get(), *request, &plan);
    if (status.ok()) {
      std::cout << plan::FormatPlanSummary(plan) << "\n"
                << plan::FormatPlanWeek(plan.weeks(0));
    }
  } else if (args[0] == "show" && args.size() == 1) {
    v1::GetPlanRequest request;
    request.set_name(current);
    v1::Plan plan;
    status = stub->GetPlan(context->get(), request, &plan);
    if (status.ok()) {
      std::cout << plan::FormatPlanSummary(plan);
    }
  } else if (args[0] == "today" && args.size() == 1) {
    v1::GetPlanDayRequest request;
    request.set_plan(current);
    v1::PlanDay day;
    status = stub->GetPlanDay(context->get(), request, &day);
    if (status.ok()) {
      std::cout << plan::FormatPlanDay(day);
    }
  } else if (args[0] == "week" && args.size() == 2) {
    v1::GetPlanWeekRequest request;
    request.set_plan(current);
    int number = 0;
    if (!absl::SimpleAtoi(args[1], &number)) {
      return Usage();
    }
    request.set_week_number(number);
    v1::PlanWeek week;
    status = stub->GetPlanWeek(context->get(), request, &week);
    if (status.ok()) {
      std::cout << plan::FormatPlanWeek(week);
    }
  } else if (args[0] == "change") {
    absl::StatusOr<v1::RequestPlanChangeRequest> request =
        ParseChange({args.begin() + 1, args.end()});
    if (!request.ok()) {
      cli.Fail(request.status());
      return Usage();
    }
    request->set_plan(current);
    v1::Plan plan;
    status = stub->RequestPlanChange(context->get(), *request, &plan);
    if (status.ok()) {
      v1::ListPlanRevisionsRequest list;
      list.set_name(current);
      list.set_page_size(1);
      v1::ListPlanRevisionsResponse latest;
      auto list_context = cli.NewSignedInContext();
      if (list_context.ok() &&
          stub->ListPlanRevisions(list_context->get(), list, &latest).ok() &&
          latest.revisions_size() == 1) {
        std::cout << ChangesText(latest.revisions(0));
      }
    }
  } else if (args[0] == "changes" && args.size() == 1) {
    v1::ListPlanRevisionsRequest list;
    list.set_name(current);
    v1::ListPlanRevisionsResponse revisions;
    status = stub->ListPlanRevisions(context->get(), list, &revisions);
    if (status.ok()) {
      for (const v1::PlanRevision& revision : revisions.revisions()) {
        std::cout << ChangesText(revision);
      }
    }
  } else {
    return Usage();
  }
  return status.ok() ? kExitOk : cli.Fail(status);
}

}  // namespace

std::vector<Command> PlanCommands() {
  return {{"plan", "plan generate|show|today|week N|change ...|changes",
           "build your 8-week plan from your profile, read it, or ask for a "
           "change",
           PlanCommand}};
}

}  // namespace gracilis::cli
