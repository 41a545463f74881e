#include "bench/workloads.h"

#include <atomic>
#include <type_traits>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/clock/timestamp.h"
#include "gracilis/account/v1/account.grpc.pb.h"
#include "gracilis/internal/bench/v1/echo.grpc.pb.h"
#include "gracilis/plan/v1/plan.grpc.pb.h"
#include "gracilis/progress/v1/progress.grpc.pb.h"
#include "gracilis/workout/v1/workout.grpc.pb.h"
#include "services/plan/domain/catalog.h"
#include "services/plan/plan_records.h"
#include "tools/seed/synthetic_users.h"

namespace gracilis::bench {
namespace {

namespace workout_v1 = gracilis::workout::v1;

constexpr absl::Duration kDeadline = absl::Seconds(10);

// A unary RPC of `Service` on the callback API: `method` is the stub's
// asynchronous method, e.g. &AccountService::Stub::async::GetProfile, and
// `fill(n, request)` writes call n's request.
template <typename Service, typename Request, typename Response>
class Unary : public RpcWorkload {
 public:
  using Stub = typename Service::Stub;
  // Stub::async names both a class and the method returning it; clang
  // wants the class spelled through the method.
  using Async = std::remove_pointer_t<decltype(std::declval<Stub&>().async())>;
  using Method = void (Async::*)(grpc::ClientContext*, const Request*,
                                 Response*, std::function<void(grpc::Status)>);
  using Fill = std::function<void(int64_t n, Request&)>;

  Unary(const ChannelList& channels, const std::vector<std::string>& tokens,
        Method method, Fill fill)
      : method_(method), fill_(std::move(fill)) {
    for (const auto& channel : channels) {
      stubs_.push_back(Service::NewStub(channel));
    }
    for (const std::string& token : tokens) {
      bearers_.push_back("Bearer " + token);
    }
  }

  void Start(int64_t n, Done done) override {
    struct Call {
      grpc::ClientContext context;
      Request request;
      Response response;
    };
    Call* call = new Call;
    call->context.set_deadline(absl::ToChronoTime(absl::Now() + kDeadline));
    if (!bearers_.empty()) {
      call->context.AddMetadata("authorization", bearers_[n % bearers_.size()]);
    }
    fill_(n, call->request);
    (stubs_[n % stubs_.size()]->async()->*method_)(
        &call->context, &call->request, &call->response,
        [this, call, done = std::move(done)](grpc::Status status) {
          if (status.ok() && !sized_.exchange(true)) {
            sample_request_ = call->request.SerializeAsString();
            sizes_.request_bytes = sample_request_.size();
            sizes_.response_bytes = call->response.ByteSizeLong();
          }
          done(status);
          delete call;
        });
  }

  PayloadSizes sizes() const override { return sizes_; }
  std::string sample_request() const override { return sample_request_; }

 protected:
  std::vector<std::unique_ptr<Stub>> stubs_;
  std::vector<std::string> bearers_;

 private:
  Method method_;
  Fill fill_;
  std::atomic<bool> sized_{false};
  PayloadSizes sizes_;
  std::string sample_request_;
};

// (A function, not make_unique, so that the overloaded `method` resolves
// against the parameter's type.)
template <typename Service, typename Request, typename Response>
std::unique_ptr<RpcWorkload> NewUnary(
    const ChannelList& channels, const std::vector<std::string>& tokens,
    typename Unary<Service, Request, Response>::Method method,
    typename Unary<Service, Request, Response>::Fill fill) {
  return std::make_unique<Unary<Service, Request, Response>>(
      channels, tokens, method, std::move(fill));
}

// A client id (set, workout, request) no run has used before: this process's
// start time, then a counter. Reused ids would replay stored results (or be
// refused) instead of writing, so every run must make its own.
std::string NewClientId(absl::string_view kind) {
  static const int64_t run = absl::ToUnixNanos(absl::Now());
  static std::atomic<int64_t> next{0};
  return absl::StrFormat("%s-%x-%d", kind, run, next.fetch_add(1));
}

class LogSet
    : public Unary<workout_v1::WorkoutService, workout_v1::LogSetRequest,
                   workout_v1::StrengthSet> {
 public:
  LogSet(const ChannelList& channels, const std::vector<std::string>& tokens)
      : Unary(channels, tokens,
              &workout_v1::WorkoutService::Stub::async::LogSet,
              [this](int64_t n, workout_v1::LogSetRequest& request) {
                Fill(n, request);
              }),
        workouts_(tokens.size()) {}

  // Finishes each user's active workout (a user has one at a time) and
  // starts another.
  absl::Status Prepare() override {
    for (size_t user = 0; user < workouts_.size(); ++user) {
      workout_v1::WorkoutService::Stub& stub = *stubs_[user % stubs_.size()];
      // Asked each time: another workload may have started one.
      workout_v1::Workout active;
      if (stub.GetActiveWorkout(Context(user).get(),
                                workout_v1::GetActiveWorkoutRequest(), &active)
              .ok()) {
        workout_v1::FinishWorkoutRequest finish;
        finish.set_workout(active.name());
        workout_v1::Workout finished;
        const grpc::Status status =
            stub.FinishWorkout(Context(user).get(), finish, &finished);
        if (!status.ok()) {
          return absl::UnavailableError(
              absl::StrCat("FinishWorkout: ", status.error_message()));
        }
      }
      workout_v1::StartWorkoutRequest start;
      start.mutable_workout()->set_workout_id(NewClientId("bench"));
      workout_v1::Workout started;
      const grpc::Status status =
          stub.StartWorkout(Context(user).get(), start, &started);
      if (!status.ok()) {
        return absl::UnavailableError(
            absl::StrCat("StartWorkout: ", status.error_message()));
      }
      workouts_[user] = started.name();
    }
    return absl::OkStatus();
  }

 private:
  std::unique_ptr<grpc::ClientContext> Context(size_t user) const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(absl::ToChronoTime(absl::Now() + kDeadline));
    context->AddMetadata("authorization", bearers_[user]);
    return context;
  }

  void Fill(int64_t n, workout_v1::LogSetRequest& request) const {
    request.set_workout(workouts_[n % workouts_.size()]);
    workout_v1::StrengthSet& set = *request.mutable_set();
    set.set_set_id(NewClientId("set"));
    set.set_exercise_id("sumo_squat");
    set.set_variant("goblet");
    set.set_reps(10);
    set.mutable_load()->set_value(16);
    set.mutable_load()->set_unit(type::v1::MASS_UNIT_KILOGRAM);
    set.set_rpe(7);
    *set.mutable_performed_time() = ToTimestamp(absl::Now());
  }

  std::vector<std::string> workouts_;
};

// Finished workouts as a synthetic user uploads them: those of user 0's
// plan, which began 8 weeks ago.
std::vector<workout_v1::Workout> SampleWorkouts() {
  const absl::Time now = absl::Now();
  absl::StatusOr<plan::ExerciseCatalog> catalog =
      plan::ExerciseCatalog::Parse(plan::BuiltInCatalogText());
  if (!catalog.ok()) {
    return {};
  }
  absl::StatusOr<plan::PlanRecord> record =
      plan::NewPlanRecord(*catalog, seed::SyntheticPlanInputs(0, 8, now),
                          seed::SyntheticUserId(0), now);
  if (!record.ok()) {
    return {};
  }
  return seed::SyntheticWorkouts(0, record->plan(), now);
}

}  // namespace

std::unique_ptr<RpcWorkload> EchoWorkload(ChannelList channels,
                                          PayloadSizes sizes) {
  using internal::bench::v1::EchoMessage;
  using internal::bench::v1::EchoService;
  const std::string payload(sizes.request_bytes, 'x');
  const int response_bytes = static_cast<int>(sizes.response_bytes);
  return NewUnary<EchoService, EchoMessage, EchoMessage>(
      channels, std::vector<std::string>(), &EchoService::Stub::async::Echo,
      [payload, response_bytes](int64_t, EchoMessage& request) {
        request.set_payload(payload);
        request.set_response_bytes(response_bytes);
      });
}

std::unique_ptr<RpcWorkload> GetProfileWorkload(
    ChannelList channels, std::vector<std::string> tokens) {
  using account::v1::AccountService;
  return NewUnary<AccountService, account::v1::GetProfileRequest,
                  account::v1::Profile>(
      channels, tokens, &AccountService::Stub::async::GetProfile,
      [](int64_t, account::v1::GetProfileRequest& request) {
        request.set_name("users/me");
      });
}

std::unique_ptr<RpcWorkload> GeneratePlanWorkload(
    ChannelList channels, std::vector<std::string> tokens) {
  using plan::v1::PlanService;
  return NewUnary<PlanService, plan::v1::GeneratePlanRequest, plan::v1::Plan>(
      channels, tokens, &PlanService::Stub::async::GeneratePlan,
      [](int64_t, plan::v1::GeneratePlanRequest& request) {
        request.set_request_id(NewClientId("bench"));
        request.set_running_level(plan::v1::RUNNING_LEVEL_CASUAL);
        request.set_session_minutes(45);
      });
}

std::unique_ptr<RpcWorkload> LogSetWorkload(ChannelList channels,
                                            std::vector<std::string> tokens) {
  return std::make_unique<LogSet>(channels, tokens);
}

std::unique_ptr<RpcWorkload> SyncWorkoutsWorkload(
    ChannelList channels, std::vector<std::string> tokens, int batch) {
  using workout_v1::WorkoutService;
  return NewUnary<WorkoutService, workout_v1::SyncWorkoutsRequest,
                  workout_v1::SyncWorkoutsResponse>(
      channels, tokens, &WorkoutService::Stub::async::SyncWorkouts,
      [samples = SampleWorkouts(), batch](
          int64_t n, workout_v1::SyncWorkoutsRequest& request) {
        for (int i = 0; i < batch && !samples.empty(); ++i) {
          workout_v1::Workout& workout = *request.add_workouts();
          workout = samples[(n * batch + i) % samples.size()];
          workout.set_workout_id(NewClientId("bench"));
        }
      });
}

std::unique_ptr<RpcWorkload> GetWeeklyProgressWorkload(
    ChannelList channels, std::vector<std::string> tokens) {
  using progress::v1::ProgressService;
  // The current week, as the app asks each time it opens (issue 20).
  return NewUnary<ProgressService, progress::v1::GetWeeklyProgressRequest,
                  progress::v1::WeeklyProgress>(
      channels, tokens, &ProgressService::Stub::async::GetWeeklyProgress,
      [](int64_t, progress::v1::GetWeeklyProgressRequest&) {});
}

const std::vector<std::string>& WorkloadNames() {
  static const auto* names = new std::vector<std::string>{
      "echo",   "GetProfile",   "GeneratePlan",
      "LogSet", "SyncWorkouts", "GetWeeklyProgress"};
  return *names;
}

absl::StatusOr<std::unique_ptr<RpcWorkload>> NewWorkload(
    const std::string& name, ChannelList channels,
    std::vector<std::string> tokens, PayloadSizes echo_sizes) {
  if (name == "echo") {
    return EchoWorkload(std::move(channels), echo_sizes);
  }
  if (name == "GetProfile") {
    return GetProfileWorkload(std::move(channels), std::move(tokens));
  }
  if (name == "GeneratePlan") {
    return GeneratePlanWorkload(std::move(channels), std::move(tokens));
  }
  if (name == "LogSet") {
    return LogSetWorkload(std::move(channels), std::move(tokens));
  }
  if (name == "SyncWorkouts") {
    return SyncWorkoutsWorkload(std::move(channels), std::move(tokens), 5);
  }
  if (name == "GetWeeklyProgress") {
    return GetWeeklyProgressWorkload(std::move(channels), std::move(tokens));
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown RPC \"", name, "\""));
}

}  // namespace gracilis::bench
