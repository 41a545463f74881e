// logset-bench: LogSet (gracilis-workout against a real redis-server) side by
// side with a bare gRPC echo server of the same payload size, with the same
// closed-loop client, in one run; then Redis round trips per LogSet (INFO
// commandstats) and Redis memory per logged set (INFO memory).
//
// Usage: logset-bench <gracilis-workout> <bench-echo-server> [seconds]
// Servers run pinned to CPU 1 and this client to CPU 0 when the machine has
// two or more CPUs. See bench/run.

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "bench/load.h"
#include "common/auth/session_store.h"
#include "common/clock/clock.h"
#include "common/clock/timestamp.h"
#include "common/redis/redis_client.h"
#include "common/testing/child_process.h"
#include "common/testing/redis_server.h"
#include "common/testing/signed_in_call.h"
#include "gracilis/internal/bench/v1/echo.grpc.pb.h"
#include "gracilis/workout/v1/workout.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace gracilis::bench {
namespace {

namespace v1 = gracilis::workout::v1;
using internal::bench::v1::EchoMessage;
using internal::bench::v1::EchoService;
using testing::ChildProcess;

constexpr int kSetsPerWorkout = 200;  // the cap: then a new workout starts

// A user who logs sets, starting a new workout whenever one is full.
class Lifter {
 public:
  Lifter(std::string token, std::shared_ptr<grpc::Channel> channel,
         int sets_per_workout)
      : token_(std::move(token)),
        stub_(v1::WorkoutService::NewStub(channel)),
        sets_per_workout_(sets_per_workout) {}

  static v1::LogSetRequest SampleRequest() {
    v1::LogSetRequest request;
    request.set_workout("users/me/workouts/workout-000000000000");
    v1::StrengthSet& set = *request.mutable_set();
    set.set_set_id("set-000000000000");
    set.set_exercise_id("sumo_squat");
    set.set_variant("goblet");
    set.set_reps(10);
    set.mutable_load()->set_value(16);
    set.mutable_load()->set_unit(type::v1::MASS_UNIT_KILOGRAM);
    set.set_rpe(7);
    *set.mutable_performed_time() = ToTimestamp(absl::Now());
    return request;
  }

  // Workout start and finish are not timed: callers time LogSet only.
  bool PrepareWorkout() {
    if (!workout_.empty() && logged_ < sets_per_workout_) {
      return true;
    }
    if (!workout_.empty()) {
      v1::FinishWorkoutRequest finish;
      finish.set_workout(workout_);
      v1::Workout ignored;
      Call(&v1::WorkoutService::Stub::FinishWorkout, finish, &ignored);
    }
    v1::StartWorkoutRequest start;
    start.mutable_workout()->set_workout_id(
        absl::StrFormat("workout-%012d", ++workouts_));
    v1::Workout started;
    if (!Call(&v1::WorkoutService::Stub::StartWorkout, start, &started)) {
      return false;
    }
    workout_ = started.name();
    logged_ = 0;
    return true;
  }

  bool LogSet() {
    v1::LogSetRequest request = SampleRequest();
    request.set_workout(workout_);
    request.mutable_set()->set_set_id(absl::StrFormat("set-%012d", ++sets_));
    v1::StrengthSet logged;
    const bool ok = Call(&v1::WorkoutService::Stub::LogSet, request, &logged);
    logged_ += ok ? 1 : 0;
    return ok;
  }

 private:
  template <typename Request, typename Response>
  bool Call(grpc::Status (v1::WorkoutService::Stub::*method)(
                grpc::ClientContext*, const Request&, Response*),
            const Request& request, Response* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(5));
    context.AddMetadata("authorization", "Bearer " + token_);
    const grpc::Status status = ((*stub_).*method)(&context, request, response);
    if (!status.ok() && failures_++ < 3) {
      std::cerr << "logset-bench: " << status.error_message() << "\n";
    }
    return status.ok();
  }

  std::string token_;
  std::unique_ptr<v1::WorkoutService::Stub> stub_;
  int sets_per_workout_;
  std::string workout_;
  int logged_ = 0;
  int workouts_ = 0;
  int sets_ = 0;
  int failures_ = 0;
};

// Sums the `calls=` in INFO commandstats of the commands with `prefix`
// ("cmdstat_": all of them, including those run inside functions, but INFO).
int64_t RedisCommandCount(const testing::TestRedisServer& redis,
                          absl::string_view prefix) {
  int64_t total = 0;
  for (absl::string_view line :
       absl::StrSplit(redis.Cli("INFO commandstats"), '\n')) {
    if (!absl::StartsWith(line, prefix) ||
        absl::StartsWith(line, "cmdstat_info:")) {
      continue;
    }
    const size_t at = line.find("calls=");
    int64_t calls = 0;
    if (at != absl::string_view::npos &&
        absl::SimpleAtoi(line.substr(at + 6, line.find(',', at) - at - 6),
                         &calls)) {
      total += calls;
    }
  }
  return total;
}

int64_t RedisUsedMemory(const testing::TestRedisServer& redis) {
  for (absl::string_view line :
       absl::StrSplit(redis.Cli("INFO memory"), '\n')) {
    int64_t bytes = 0;
    if (absl::ConsumePrefix(&line, "used_memory:") &&
        absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &bytes)) {
      return bytes;
    }
  }
  return -1;
}

int Main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: logset-bench <gracilis-workout> <bench-echo-server> "
                 "[seconds]\n";
    return 2;
  }
  int seconds = 5;
  if (argc > 3 && (!absl::SimpleAtoi(argv[3], &seconds) || seconds < 1)) {
    std::cerr << "logset-bench: seconds must be a whole number >= 1\n";
    return 2;
  }
  const absl::Duration window = absl::Seconds(seconds);
  const absl::Duration warmup = absl::Seconds(1);

  testing::TestRedisServer redis;
  if (absl::Status started = redis.Start(); !started.ok()) {
    std::cerr << "logset-bench: " << started << "\n";
    return 1;
  }
  // Redis shares the servers' CPU.
  testing::RunCommand(absl::StrCat("taskset -cp 1 $(redis-cli -p ",
                                   redis.port(),
                                   " info server | sed -n "
                                   "'s/^process_id:\\([0-9]*\\).*/\\1/p')"));
  const int workout_port = testing::PickFreePort();
  const int echo_port = testing::PickFreePort();
  ChildProcess workout;
  ChildProcess echo;
  const std::string log_dir = redis.dir();
  if (!workout
           .Start(
               OnServerCpu({argv[1],
                            absl::StrCat("--listen=127.0.0.1:", workout_port),
                            absl::StrCat("--metrics_listen=127.0.0.1:",
                                         testing::PickFreePort()),
                            "--redis=" + redis.address()}),
               {}, log_dir + "/workout.log")
           .ok() ||
      !echo.Start(OnServerCpu({argv[2], absl::StrCat(echo_port)}), {},
                  log_dir + "/echo.log")
           .ok()) {
    std::cerr << "logset-bench: cannot start the servers\n";
    return 1;
  }
  const auto workout_channels =
      Channels(absl::StrCat("127.0.0.1:", workout_port));
  const auto echo_channels = Channels(absl::StrCat("127.0.0.1:", echo_port));
  if (!WaitServing(workout_channels[0])) {
    std::cerr << "logset-bench: gracilis-workout not SERVING; see " << log_dir
              << "/workout.log\n";
    return 1;
  }
  const bool pinned = PinToCpu(0);

  // Users with real sessions (the account service is not under test).
  RedisConfig redis_config;
  redis_config.address = {"127.0.0.1", redis.port()};
  RedisClient client(redis_config, {RedisSessionStore::FunctionLibrary()},
                     nullptr);
  client.Start();
  testing::WaitUntil([&] { return client.ready(); });
  SystemClock clock;
  RedisSessionStore sessions(client, clock, SessionConfig());
  auto NewUser = [&](int n) {
    const std::string user_id = absl::StrFormat("be%022x", n);
    redis.Cli(absl::StrCat("SET '{u:", user_id, "}:profile' bench"));
    return testing::IssueSession(sessions, user_id);
  };

  // 1. Throughput and latency, the same client on both servers.
  std::vector<std::unique_ptr<Lifter>> lifters;
  for (int t = 0; t < kClientThreads; ++t) {
    lifters.push_back(std::make_unique<Lifter>(
        NewUser(t), workout_channels[t % kChannels], kSetsPerWorkout));
  }
  const Result logset = Measure(warmup, window, [&](int t) {
    return lifters[t]->PrepareWorkout() && lifters[t]->LogSet();
  });
  // The same with AOF fsync once a second instead of before every answer,
  // to show what durability costs.
  redis.Cli("CONFIG SET appendfsync everysec");
  const Result logset_everysec = Measure(warmup, window, [&](int t) {
    return lifters[t]->PrepareWorkout() && lifters[t]->LogSet();
  });
  redis.Cli("CONFIG SET appendfsync always");
  EchoMessage payload;
  payload.set_payload(std::string(Lifter::SampleRequest().ByteSizeLong(), 'x'));
  std::vector<std::unique_ptr<EchoService::Stub>> echo_stubs;
  for (const auto& channel : echo_channels) {
    echo_stubs.push_back(EchoService::NewStub(channel));
  }
  const Result reference = Measure(warmup, window, [&](int t) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(5));
    EchoMessage response;
    return echo_stubs[t % kChannels]->Echo(&context, payload, &response).ok();
  });

  // 2. Redis commands per LogSet: 100 sets into one fresh workout.
  Lifter counter(NewUser(1000), workout_channels[0], kSetsPerWorkout);
  counter.PrepareWorkout();
  // Round trips are the top-level commands the service sends; inside a
  // function, Redis counts each redis.call as a command of its own.
  const int64_t fcalls_before = RedisCommandCount(redis, "cmdstat_fcall");
  const int64_t commands_before = RedisCommandCount(redis, "cmdstat_");
  int counted = 0;
  for (int i = 0; i < 100; ++i) {
    counted += counter.LogSet() ? 1 : 0;
  }
  counted = std::max(counted, 1);
  const double round_trips_per_set =
      double(RedisCommandCount(redis, "cmdstat_fcall") - fcalls_before) /
      counted;
  const double commands_per_set =
      double(RedisCommandCount(redis, "cmdstat_") - commands_before) / counted;

  // 3. Redis memory per set: 10,000 sets by 20 users with sessions made
  // beforehand, in workouts of 20 sets (a typical session) and of 200 (the
  // cap).
  auto MemoryPerSet = [&](int sets_per_workout, int first_user) {
    constexpr int kUsers = 20;
    constexpr int kSets = 10000;
    std::vector<std::unique_ptr<Lifter>> users;
    for (int u = 0; u < kUsers; ++u) {
      users.push_back(std::make_unique<Lifter>(NewUser(first_user + u),
                                               workout_channels[u % kChannels],
                                               sets_per_workout));
    }
    const int64_t before = RedisUsedMemory(redis);
    for (int s = 0; s < kSets / kUsers; ++s) {
      for (auto& user : users) {
        user->PrepareWorkout();
        user->LogSet();
      }
    }
    return double(RedisUsedMemory(redis) - before) / kSets;
  };
  const double bytes_per_set_20 = MemoryPerSet(20, 2000);
  const double bytes_per_set_200 = MemoryPerSet(200, 3000);
  client.Stop();

  PrintResults(
      absl::StrFormat("LogSet vs bare gRPC echo (%d client threads on %d "
                      "channels, closed loop, %d s after 1 s warm-up, servers "
                      "%s; aim: LogSet at least 0.50 of the echo):",
                      kClientThreads, kChannels, seconds,
                      pinned ? "on CPU 1, client on CPU 0" : "unpinned"),
      {{"echo (reference)", reference},
       {"LogSet (workout + Redis)", logset},
       {"LogSet, AOF everysec", logset_everysec}});
  std::cout << absl::StrFormat(
      "Redis round trips per LogSet: %.2f (FCALLs; the service sends nothing "
      "else: 1 session check + 1 workout_add; aim: 1 beyond authentication)\n"
      "  commands Redis runs per LogSet, counting those inside the functions: "
      "%.2f\n",
      round_trips_per_set, commands_per_set);
  std::cout << absl::StrFormat(
      "Redis memory per logged set (20 users, 10,000 sets): %.0f bytes in "
      "20-set workouts, %.0f in 200-set workouts (aim: under 100)\n",
      bytes_per_set_20, bytes_per_set_200);
  return logset.errors == 0 && logset_everysec.errors == 0 &&
                 reference.errors == 0
             ? 0
             : 1;
}

}  // namespace
}  // namespace gracilis::bench

int main(int argc, char** argv) { return gracilis::bench::Main(argc, argv); }
