// gracilis workout start|show|finish|abandon, gracilis log set|run|planned,
// gracilis workouts: the live-workout flow a phone has, on the command line.
// Ids are generated here, as a phone would, so a repeated call is a retry.

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "cli/arguments.h"
#include "cli/cli.h"
#include "common/clock/timestamp.h"
#include "common/compress/gzip.h"
#include "common/status/errors.h"
#include "common/status/grpc_status.h"
#include "common/status/status_macros.h"
#include "gracilis/plan/v1/plan.grpc.pb.h"
#include "gracilis/workout/v1/workout.grpc.pb.h"
#include "services/workout/domain/prescribed_work.h"

namespace gracilis::cli {
namespace {

namespace v1 = gracilis::workout::v1;
constexpr char kWorkoutUsage[] =
    "workout start [session=<planned session id>|next] [notes=...] | workout "
    "show "
    "| workout finish | workout abandon";
constexpr char kLogUsage[] =
    "log set exercise=<id> reps=N [load=20kg|45lb] [variant=...] [hold=30s] "
    "[rpe=1-10] [side=left|right|both]\n"
    "       gracilis log run type=easy|intervals|hill_repeats|sprints "
    "distance=5km duration=30m\n"
    "       gracilis log run file=morning.gpx [type=easy]   (a watch's run, "
    "as a workout of its own)\n"
    "       gracilis log planned   (every set and run the active workout's "
    "planned session prescribes)";

std::string NewClientId(absl::string_view prefix) {
  absl::BitGen bits;
  return absl::StrFormat("%s-%012x", prefix,
                         absl::Uniform<uint64_t>(bits) & 0xffffffffffff);
}

google::protobuf::Timestamp Now() { return ToTimestamp(absl::Now()); }

std::string TimeText(const google::protobuf::Timestamp& time) {
  return absl::FormatTime("%Y-%m-%d %H:%M",
                          absl::FromUnixSeconds(time.seconds()),
                          absl::LocalTimeZone());
}

std::string SetText(const v1::StrengthSet& set) {
  std::string text = absl::StrCat(set.exercise_id());
  if (!set.variant().empty()) {
    absl::StrAppend(&text, " (", set.variant(), ")");
  }
  if (set.reps() > 0) {
    absl::StrAppend(&text, " x", set.reps());
  }
  if (set.hold_seconds() > 0) {
    absl::StrAppend(&text, " hold ", set.hold_seconds(), "s");
  }
  if (set.has_load()) {
    absl::StrAppend(
        &text, " @ ", set.load().value(),
        set.load().unit() == type::v1::MASS_UNIT_POUND ? "lb" : "kg");
  }
  if (set.side() != type::v1::SIDE_UNSPECIFIED) {
    absl::StrAppend(&text, " ",
                    EnumWord(*type::v1::Side_descriptor(), set.side()));
  }
  return text;
}

std::string RunText(const v1::Run& run) {
  return absl::StrFormat("%s run %.2f km in %d:%02d",
                         EnumWord(*type::v1::RunType_descriptor(), run.type()),
                         run.distance_m() / 1000, run.duration_seconds() / 60,
                         run.duration_seconds() % 60);
}

std::string WorkoutLine(const v1::Workout& workout) {
  return absl::StrFormat(
      "%s  %s  %-9s %d sets, %d runs%s", TimeText(workout.start_time()),
      workout.workout_id(),
      EnumWord(*v1::Workout::State_descriptor(), workout.state()),
      workout.sets_size(), workout.runs_size(),
      workout.planned_session_id().empty()
          ? ""
          : absl::StrCat("  (planned ", workout.planned_session_id(), ")"));
}

std::string WorkoutText(const v1::Workout& workout) {
  std::string text =
      absl::StrCat(workout.name(), "\n  ", WorkoutLine(workout), "\n");
  for (const v1::StrengthSet& set : workout.sets()) {
    absl::StrAppend(&text, "    ", SetText(set), "\n");
  }
  for (const v1::Run& run : workout.runs()) {
    absl::StrAppend(&text, "    ", RunText(run), "\n");
  }
  return text;
}

// key=value arguments, each key once.
absl::StatusOr<std::map<std::string, std::string>> KeyValues(
    const std::vector<std::string>& args) {
  std::map<std::string, std::string> values;
  Violations bad;
  for (const std::string& arg : args) {
    std::vector<std::string> kv = absl::StrSplit(arg, absl::MaxSplits('=', 1));
    if (kv.size() != 2 || kv[0].empty() ||
        !values.emplace(kv[0], kv[1]).second) {
      bad.Add(arg, "expected key=value, each key once");
    }
  }
  RETURN_IF_ERROR(bad.ToStatus());
  return values;
}

absl::StatusOr<int> Number(absl::string_view key, const std::string& text) {
  int number = 0;
  if (!absl::SimpleAtoi(text, &number)) {
    return InvalidField(std::string(key), "a whole number");
  }
  return number;
}

absl::StatusOr<v1::StrengthSet> ParseSet(const std::vector<std::string>& args) {
  ASSIGN_OR_RETURN(auto values, KeyValues(args));
  v1::StrengthSet set;
  set.set_set_id(NewClientId("set"));
  *set.mutable_performed_time() = Now();
  for (const auto& [key, text] : values) {
    if (key == "exercise") {
      set.set_exercise_id(text);
    } else if (key == "variant") {
      set.set_variant(text);
    } else if (key == "reps") {
      ASSIGN_OR_RETURN(int reps, Number(key, text));
      set.set_reps(reps);
    } else if (key == "load") {
      ASSIGN_OR_RETURN(*set.mutable_load(), ParseMass(key, text));
    } else if (key == "hold") {
      ASSIGN_OR_RETURN(int seconds, ParseSeconds(key, text));
      set.set_hold_seconds(seconds);
    } else if (key == "rpe") {
      ASSIGN_OR_RETURN(int rpe, Number(key, text));
      set.set_rpe(rpe);
    } else if (key == "side") {
      ASSIGN_OR_RETURN(int side,
                       ParseEnum(*type::v1::Side_descriptor(), key, text));
      set.set_side(static_cast<type::v1::Side>(side));
    } else {
      return InvalidField(
          key, "expected exercise, reps, load, variant, hold, rpe or side");
    }
  }
  return set;
}

absl::StatusOr<v1::Run> ParseRun(const std::vector<std::string>& args) {
  ASSIGN_OR_RETURN(auto values, KeyValues(args));
  v1::Run run;
  run.set_run_id(NewClientId("run"));
  for (const auto& [key, text] : values) {
    if (key == "type") {
      ASSIGN_OR_RETURN(int type,
                       ParseEnum(*type::v1::RunType_descriptor(), key, text));
      run.set_type(static_cast<type::v1::RunType>(type));
    } else if (key == "distance") {
      ASSIGN_OR_RETURN(*run.mutable_distance(), ParseDistance(key, text));
    } else if (key == "duration") {
      ASSIGN_OR_RETURN(int seconds, ParseSeconds(key, text));
      run.set_duration_seconds(seconds);
    } else {
      return InvalidField(key, "expected type, distance or duration");
    }
  }
  // A run logged now started `duration` ago.
  *run.mutable_start_time() =
      ToTimestamp(absl::Now() - absl::Seconds(run.duration_seconds()));
  return run;
}

// Calls on the gateway for one command; each call gets its own context.
class WorkoutCalls {
 public:
  explicit WorkoutCalls(const Cli& cli)
      : cli_(cli),
        workouts_(v1::WorkoutService::NewStub(cli.channel())),
        plans_(plan::v1::PlanService::NewStub(cli.channel())) {}

  template <typename Stub, typename Request, typename Response>
  absl::Status Call(Stub& stub,
                    grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                 const Request&, Response*),
                    const Request& request, Response* response) const {
    ASSIGN_OR_RETURN(auto context, cli_.NewSignedInContext());
    return FromGrpcStatus((stub.*method)(context.get(), request, response));
  }

  absl::StatusOr<v1::Workout> Active() const {
    v1::Workout workout;
    absl::Status status =
        Call(*workouts_, &v1::WorkoutService::Stub::GetActiveWorkout,
             v1::GetActiveWorkoutRequest(), &workout);
    if (absl::IsNotFound(status)) {
      return absl::FailedPreconditionError(
          "no workout is active; start one with `gracilis workout start`");
    }
    RETURN_IF_ERROR(status);
    return workout;
  }

  v1::WorkoutService::Stub& workouts() const { return *workouts_; }
  plan::v1::PlanService::Stub& plans() const { return *plans_; }

 private:
  const Cli& cli_;
  std::unique_ptr<v1::WorkoutService::Stub> workouts_;
  std::unique_ptr<plan::v1::PlanService::Stub> plans_;
};

using WorkoutStub = v1::WorkoutService::Stub;

absl::StatusOr<plan::v1::Plan> CurrentPlan(const WorkoutCalls& calls) {
  plan::v1::GetPlanRequest request;
  request.set_name("users/me/plans/current");
  plan::v1::Plan plan;
  RETURN_IF_ERROR(calls.Call(
      calls.plans(), &plan::v1::PlanService::Stub::GetPlan, request, &plan));
  return plan;
}

// The first planned session from today on (the user's local date).
absl::StatusOr<std::string> NextPlannedSession(const WorkoutCalls& calls) {
  ASSIGN_OR_RETURN(plan::v1::Plan plan, CurrentPlan(calls));
  const absl::CivilDay today =
      absl::ToCivilDay(absl::Now(), absl::LocalTimeZone());
  for (const auto& week : plan.weeks()) {
    for (const auto& session : week.sessions()) {
      const absl::CivilDay day(session.date().year(), session.date().month(),
                               session.date().day());
      if (day >= today) {
        return session.id();
      }
    }
  }
  return absl::FailedPreconditionError(
      "your plan has no sessions left; generate a new one");
}

// Logs every set and run the planned session of `workout` prescribes.
absl::Status LogPlanned(const WorkoutCalls& calls, const v1::Workout& workout) {
  if (workout.planned_session_id().empty()) {
    return absl::FailedPreconditionError(
        "the active workout follows no planned session; start one with "
        "`gracilis workout start session=<id from gracilis plan week N>`");
  }
  plan::v1::GetPlanRequest request;
  request.set_name("users/me/plans/current");
  plan::v1::Plan plan;
  RETURN_IF_ERROR(calls.Call(
      calls.plans(), &plan::v1::PlanService::Stub::GetPlan, request, &plan));
  const plan::v1::PlannedSession* session = nullptr;
  for (const auto& week : plan.weeks()) {
    for (const auto& planned : week.sessions()) {
      if (planned.id() == workout.planned_session_id()) {
        session = &planned;
      }
    }
  }
  if (session == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "session ", workout.planned_session_id(), " is not in your plan"));
  }
  workout::PrescribedWork work = workout::AsPrescribed(*session);
  for (v1::StrengthSet& set : work.sets) {
    v1::LogSetRequest log;
    log.set_workout(workout.name());
    set.set_set_id(NewClientId("set"));
    *set.mutable_performed_time() = Now();
    *log.mutable_set() = std::move(set);
    v1::StrengthSet logged;
    RETURN_IF_ERROR(
        calls.Call(calls.workouts(), &WorkoutStub::LogSet, log, &logged));
    std::cout << "logged " << SetText(logged) << "\n";
  }
  if (work.run) {
    v1::LogRunRequest log;
    log.set_workout(workout.name());
    work.run->set_run_id(NewClientId("run"));
    *work.run->mutable_start_time() = Now();
    *log.mutable_run() = *std::move(work.run);
    v1::Run logged;
    RETURN_IF_ERROR(
        calls.Call(calls.workouts(), &WorkoutStub::LogRun, log, &logged));
    std::cout << "logged " << RunText(logged) << "\n";
  }
  return absl::OkStatus();
}

absl::Status RunWorkout(const WorkoutCalls& calls,
                        const std::vector<std::string>& args) {
  const std::string& verb = args[0];
  if (verb == "start") {
    ASSIGN_OR_RETURN(auto values, KeyValues({args.begin() + 1, args.end()}));
    v1::StartWorkoutRequest request;
    request.mutable_workout()->set_workout_id(NewClientId("workout"));
    for (const auto& [key, text] : values) {
      if (key == "session" && text == "next") {
        ASSIGN_OR_RETURN(std::string id, NextPlannedSession(calls));
        request.mutable_workout()->set_planned_session_id(id);
      } else if (key == "session") {
        request.mutable_workout()->set_planned_session_id(text);
      } else if (key == "notes") {
        request.mutable_workout()->set_notes(text);
      } else {
        return InvalidField(key, "expected session or notes");
      }
    }
    v1::Workout workout;
    RETURN_IF_ERROR(calls.Call(calls.workouts(), &WorkoutStub::StartWorkout,
                               request, &workout));
    std::cout << "started " << WorkoutText(workout);
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(v1::Workout active, calls.Active());
  if (verb == "show") {
    std::cout << WorkoutText(active);
  } else if (verb == "finish") {
    v1::FinishWorkoutRequest request;
    request.set_workout(active.name());
    v1::Workout workout;
    RETURN_IF_ERROR(calls.Call(calls.workouts(), &WorkoutStub::FinishWorkout,
                               request, &workout));
    std::cout << "finished " << WorkoutText(workout);
  } else {
    v1::AbandonWorkoutRequest request;
    request.set_workout(active.name());
    v1::Workout workout;
    RETURN_IF_ERROR(calls.Call(calls.workouts(), &WorkoutStub::AbandonWorkout,
                               request, &workout));
    std::cout << "abandoned " << WorkoutText(workout);
  }
  return absl::OkStatus();
}

int WorkoutCommand(const Cli& cli, const std::vector<std::string>& args) {
  if (args.empty() || (args[0] != "start" && args.size() != 1) ||
      (args[0] != "start" && args[0] != "show" && args[0] != "finish" &&
       args[0] != "abandon")) {
    std::cerr << "usage: gracilis " << kWorkoutUsage << "\n";
    return kExitUsage;
  }
  const WorkoutCalls calls(cli);
  const absl::Status status = RunWorkout(calls, args);
  return status.ok() ? kExitOk : cli.Fail(status);
}

// `log run file=...`: the GPX file, gzipped, to ImportRun.
absl::Status ImportGpx(const WorkoutCalls& calls,
                       const std::vector<std::string>& args) {
  ASSIGN_OR_RETURN(auto values, KeyValues(args));
  v1::ImportRunRequest request;
  std::string path;
  for (const auto& [key, text] : values) {
    if (key == "file") {
      path = text;
    } else if (key == "type") {
      ASSIGN_OR_RETURN(int type,
                       ParseEnum(*type::v1::RunType_descriptor(), key, text));
      request.set_type(static_cast<type::v1::RunType>(type));
    } else {
      return InvalidField(key, "expected file or type");
    }
  }
  std::ifstream file(path, std::ios::binary);
  std::stringstream bytes;
  bytes << file.rdbuf();
  if (!file) {
    return InvalidField("file", absl::StrCat("cannot read ", path));
  }
  request.set_gpx(Gzip(bytes.str()));
  v1::ImportRunResponse imported;
  RETURN_IF_ERROR(calls.Call(calls.workouts(), &WorkoutStub::ImportRun, request,
                             &imported));
  const v1::Workout& workout = imported.workout();
  std::cout << "imported " << path << " as workout " << workout.workout_id()
            << ": " << RunText(workout.runs(0))
            << absl::StrFormat(" moving, %d:%02d in all, +%.0f m, %d points",
                               imported.elapsed_seconds() / 60,
                               imported.elapsed_seconds() % 60,
                               imported.elevation_gain_m(), imported.points())
            << "\n";
  for (int i = 0; i < workout.runs(0).segments_size(); ++i) {
    const v1::RunSegment& split = workout.runs(0).segments(i);
    std::cout << absl::StrFormat(
        "  split %d: %.2f km in %d:%02d, +%.0f m\n", i + 1,
        split.distance_m() / 1000, split.duration_seconds() / 60,
        split.duration_seconds() % 60, split.elevation_gain_m());
  }
  return absl::OkStatus();
}

absl::Status RunLog(const WorkoutCalls& calls,
                    const std::vector<std::string>& args) {
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "run" &&
      std::any_of(rest.begin(), rest.end(), [](const std::string& arg) {
        return absl::StartsWith(arg, "file=");
      })) {
    return ImportGpx(calls, rest);
  }
  // Arguments are checked before anything is sent.
  absl::StatusOr<v1::StrengthSet> set = v1::StrengthSet();
  absl::StatusOr<v1::Run> run = v1::Run();
  if (args[0] == "set") {
    set = ParseSet(rest);
    RETURN_IF_ERROR(set.status());
  } else if (args[0] == "run") {
    run = ParseRun(rest);
    RETURN_IF_ERROR(run.status());
  }
  ASSIGN_OR_RETURN(v1::Workout active, calls.Active());
  if (args[0] == "planned") {
    return LogPlanned(calls, active);
  }
  if (args[0] == "set") {
    v1::LogSetRequest request;
    request.set_workout(active.name());
    *request.mutable_set() = *set;
    v1::StrengthSet logged;
    RETURN_IF_ERROR(
        calls.Call(calls.workouts(), &WorkoutStub::LogSet, request, &logged));
    std::cout << "logged " << SetText(logged) << "\n";
    return absl::OkStatus();
  }
  v1::LogRunRequest request;
  request.set_workout(active.name());
  *request.mutable_run() = *run;
  v1::Run logged;
  RETURN_IF_ERROR(
      calls.Call(calls.workouts(), &WorkoutStub::LogRun, request, &logged));
  std::cout << "logged " << RunText(logged) << "\n";
  return absl::OkStatus();
}

int LogCommand(const Cli& cli, const std::vector<std::string>& args) {
  if (args.empty() || (args[0] != "set" && args[0] != "run" &&
                       !(args[0] == "planned" && args.size() == 1))) {
    std::cerr << "usage: gracilis " << kLogUsage << "\n";
    return kExitUsage;
  }
  const WorkoutCalls calls(cli);
  const absl::Status status = RunLog(calls, args);
  return status.ok() ? kExitOk : cli.Fail(status);
}

int WorkoutsCommand(const Cli& cli, const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::cerr << "usage: gracilis workouts\n";
    return kExitUsage;
  }
  const WorkoutCalls calls(cli);
  v1::ListWorkoutsRequest request;
  request.set_page_size(10);
  v1::ListWorkoutsResponse response;
  const absl::Status status = calls.Call(
      calls.workouts(), &WorkoutStub::ListWorkouts, request, &response);
  if (!status.ok()) {
    return cli.Fail(status);
  }
  if (response.workouts().empty()) {
    std::cout << "no workouts yet\n";
  }
  for (const v1::Workout& workout : response.workouts()) {
    std::cout << WorkoutLine(workout) << "\n";
  }
  return kExitOk;
}

}  // namespace

std::vector<Command> WorkoutCommands() {
  return {{"workout", kWorkoutUsage,
           "start, show, finish or abandon the live workout", WorkoutCommand},
          {"log", "log set ... | log run ... | log planned",
           "log a set or run into the live workout", LogCommand},
          {"workouts", "workouts", "your 10 latest workouts", WorkoutsCommand}};
}

}  // namespace gracilis::cli
