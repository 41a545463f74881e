// plan-bench: the GeneratePlan RPC (gracilis-plan, reading the profile from
// gracilis-account, storing into a real redis-server) side by side with a
// bare gRPC echo server answering with a reply of the same size, with the
// same closed-loop client, in one run. In-process generation alone is
// services/plan/domain/plan_generator_benchmark.
//
// Usage: plan-bench <gracilis-account> <gracilis-plan> <bench-echo-server>
//        [seconds]

#include <iostream>

#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/load.h"
#include "common/testing/child_process.h"
#include "common/testing/redis_server.h"
#include "gracilis/account/v1/account.grpc.pb.h"
#include "gracilis/internal/bench/v1/echo.grpc.pb.h"
#include "gracilis/plan/v1/plan.grpc.pb.h"

namespace gracilis::bench {
namespace {

using internal::bench::v1::EchoMessage;
using internal::bench::v1::EchoService;
using testing::ChildProcess;

std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(10));
  if (!token.empty()) {
    context->AddMetadata("authorization", "Bearer " + token);
  }
  return context;
}

// Registers a user with a complete profile; the session token, or empty.
std::string NewUser(account::v1::AccountService::Stub& accounts, int n) {
  account::v1::RegisterRequest request;
  request.set_email(absl::StrFormat("bench-%d@example.com", n));
  request.set_password("bench password that is long");
  request.set_request_id(absl::StrFormat("bench-%d", n));
  account::v1::RegisterResponse registered;
  grpc::Status status =
      accounts.Register(Context("").get(), request, &registered);
  if (!status.ok()) {
    std::cerr << "plan-bench: Register: " << status.error_message() << "\n";
    return "";
  }
  account::v1::UpdateProfileRequest update;
  account::v1::Profile& profile = *update.mutable_profile();
  profile.mutable_body_weight()->set_value(64);
  profile.mutable_body_weight()->set_unit(type::v1::MASS_UNIT_KILOGRAM);
  profile.mutable_height()->set_value(168);
  profile.mutable_height()->set_unit(type::v1::LENGTH_UNIT_CENTIMETER);
  profile.set_birth_year(1994);
  profile.set_sex(account::v1::SEX_FEMALE);
  profile.set_experience_level(type::v1::EXPERIENCE_LEVEL_INTERMEDIATE);
  profile.add_equipment(type::v1::EQUIPMENT_DUMBBELL);
  profile.add_equipment(type::v1::EQUIPMENT_RESISTANCE_BAND);
  profile.add_equipment(type::v1::EQUIPMENT_BENCH);
  profile.set_training_days_per_week(4);
  profile.set_goal(account::v1::GOAL_TONE_INNER_THIGHS);
  profile.set_time_zone("Europe/Berlin");
  for (const char* path :
       {"body_weight", "height", "birth_year", "sex", "experience_level",
        "equipment", "training_days_per_week", "goal", "time_zone"}) {
    update.mutable_update_mask()->add_paths(path);
  }
  account::v1::Profile updated;
  const std::string token = registered.session().token();
  status = accounts.UpdateProfile(Context(token).get(), update, &updated);
  if (!status.ok()) {
    std::cerr << "plan-bench: UpdateProfile: " << status.error_message()
              << "\n";
    return "";
  }
  return token;
}

plan::v1::GeneratePlanRequest PlanRequest() {
  static thread_local absl::BitGen bits;
  plan::v1::GeneratePlanRequest request;
  // A new request id each time: a repeated one returns the stored plan.
  request.set_request_id(
      absl::StrFormat("%016x", absl::Uniform<uint64_t>(bits)));
  request.set_running_level(plan::v1::RUNNING_LEVEL_CASUAL);
  request.set_session_minutes(45);
  return request;
}

int Main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: plan-bench <gracilis-account> <gracilis-plan> "
                 "<bench-echo-server> [seconds]\n";
    return 2;
  }
  int seconds = 5;
  if (argc > 4 && (!absl::SimpleAtoi(argv[4], &seconds) || seconds < 1)) {
    std::cerr << "plan-bench: seconds must be a whole number >= 1\n";
    return 2;
  }
  testing::TestRedisServer redis;
  if (absl::Status started = redis.Start(); !started.ok()) {
    std::cerr << "plan-bench: " << started << "\n";
    return 1;
  }
  const int account_port = testing::PickFreePort();
  const int plan_port = testing::PickFreePort();
  const int echo_port = testing::PickFreePort();
  auto Service = [&](const char* binary, int port,
                     std::vector<std::string> flags) {
    std::vector<std::string> argv = {
        binary, absl::StrCat("--listen=127.0.0.1:", port),
        absl::StrCat("--metrics_listen=127.0.0.1:", testing::PickFreePort()),
        "--redis=" + redis.address()};
    argv.insert(argv.end(), flags.begin(), flags.end());
    return OnServerCpu(argv);
  };
  ChildProcess account;
  ChildProcess plan;
  ChildProcess echo;
  const std::string logs = redis.dir();
  if (!account
           .Start(Service(argv[1], account_port, {}), {}, logs + "/account.log")
           .ok() ||
      !plan.Start(Service(argv[2], plan_port,
                          {absl::StrCat("--account=127.0.0.1:", account_port)}),
                  {}, logs + "/plan.log")
           .ok() ||
      !echo.Start(OnServerCpu({argv[3], absl::StrCat(echo_port)}), {},
                  logs + "/echo.log")
           .ok()) {
    std::cerr << "plan-bench: cannot start the servers\n";
    return 1;
  }
  const auto account_channels =
      Channels(absl::StrCat("127.0.0.1:", account_port));
  const auto plan_channels = Channels(absl::StrCat("127.0.0.1:", plan_port));
  const auto echo_channels = Channels(absl::StrCat("127.0.0.1:", echo_port));
  if (!WaitServing(account_channels[0]) || !WaitServing(plan_channels[0])) {
    std::cerr << "plan-bench: services not SERVING; logs in " << logs << "\n";
    return 1;
  }
  const bool pinned = PinToCpu(0);

  auto accounts = account::v1::AccountService::NewStub(account_channels[0]);
  std::vector<std::string> tokens;
  for (int t = 0; t < kClientThreads; ++t) {
    tokens.push_back(NewUser(*accounts, t));
    if (tokens.back().empty()) {
      return 1;
    }
  }
  std::vector<std::unique_ptr<plan::v1::PlanService::Stub>> plan_stubs;
  std::vector<std::unique_ptr<EchoService::Stub>> echo_stubs;
  for (int c = 0; c < kChannels; ++c) {
    plan_stubs.push_back(plan::v1::PlanService::NewStub(plan_channels[c]));
    echo_stubs.push_back(EchoService::NewStub(echo_channels[c]));
  }
  // The echo carries a GeneratePlan request's bytes and answers with a
  // plan's.
  plan::v1::Plan sample;
  if (!plan_stubs[0]
           ->GeneratePlan(Context(tokens[0]).get(), PlanRequest(), &sample)
           .ok()) {
    std::cerr << "plan-bench: GeneratePlan failed; logs in " << logs << "\n";
    return 1;
  }
  EchoMessage payload;
  payload.set_payload(std::string(PlanRequest().ByteSizeLong(), 'x'));
  payload.set_response_bytes(static_cast<int>(sample.ByteSizeLong()));

  const absl::Duration warmup = absl::Seconds(1);
  const absl::Duration window = absl::Seconds(seconds);
  const Result reference = Measure(warmup, window, [&](int t) {
    EchoMessage response;
    return echo_stubs[t % kChannels]
        ->Echo(Context("").get(), payload, &response)
        .ok();
  });
  const Result generate = Measure(warmup, window, [&](int t) {
    plan::v1::Plan response;
    return plan_stubs[t % kChannels]
        ->GeneratePlan(Context(tokens[t]).get(), PlanRequest(), &response)
        .ok();
  });
  PrintResults(
      absl::StrFormat(
          "GeneratePlan vs bare gRPC echo (%d-byte plan; %d client threads "
          "on %d channels, closed loop, %d s after 1 s warm-up, servers %s):",
          sample.ByteSizeLong(), kClientThreads, kChannels, seconds,
          pinned ? "on CPU 1, client on CPU 0" : "unpinned"),
      {{"echo (reference)", reference},
       {"GeneratePlan (plan+account+Redis)", generate}});
  return reference.errors == 0 && generate.errors == 0 ? 0 : 1;
}

}  // namespace
}  // namespace gracilis::bench

int main(int argc, char** argv) { return gracilis::bench::Main(argc, argv); }
