// Network faults (issue 8, item 4), in a network namespace this test makes
// for itself (unshare before anything starts, so Redis, the services and the
// test's own calls all use its loopback): Redis unreachable (its packets
// dropped by iptables, so connections hang rather than fail) or frozen
// (SIGSTOP), and random packet loss on loopback under write load. Needs
// root and iptables; skipped otherwise.

#include <sched.h>
#include <signal.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/status/status_matchers.h"
#include "common/testing/signed_in_call.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/e2e/test_stack.h"
#include "tests/reliability/reliability.h"
#include "tests/reliability/set_logger.h"

namespace gracilis::reliability {
namespace {

using testing::IsOk;
using testing::RunCommand;
using testing::SignedInCall;
using testing::TestStack;
using testing::WaitUntil;

bool in_own_namespace = false;

bool Iptables(const std::string& rule) {
  return RunCommand(absl::StrCat("iptables ", rule)).exit_code == 0;
}

bool Serving(const std::string& address) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
  grpc::health::v1::HealthCheckResponse response;
  return stub->Check(&context, grpc::health::v1::HealthCheckRequest(),
                     &response)
             .ok() &&
         response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

class NetworkFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!in_own_namespace) {
      GTEST_SKIP()
          << "needs root and iptables (a network namespace of its own)";
    }
    Iptables("-F INPUT");
    ASSERT_THAT(stack_.Start(), IsOk());
    clients_ = Clients::Direct(stack_);
  }
  void TearDown() override { Iptables("-F INPUT"); }

  TestStack stack_;
  Clients clients_;
};

// Every service, reads and writes: each answers UNAVAILABLE or
// DEADLINE_EXCEEDED within its 1 s deadline while Redis cannot be reached,
// says NOT_SERVING, and serves again by itself once Redis is back.
TEST_F(NetworkFaultsTest, RedisUnreachableOrFrozenAnswersWithinTheDeadline) {
  absl::StatusOr<User> ann = NewTrainingUser(clients_, "ann@example.com");
  ASSERT_THAT(ann.status(), IsOk());
  const std::string& t = ann->token;
  const absl::Duration kDeadline = absl::Seconds(1);
  using Probe = std::function<absl::Status()>;
  namespace av1 = account::v1;
  namespace pv1 = plan::v1;
  namespace wv1 = workout::v1;
  namespace gv1 = progress::v1;
  int n = 0;
  const std::vector<std::pair<std::string, Probe>> probes = {
      {"GetProfile",
       [&] {
         return SignedInCall(*clients_.accounts,
                             &av1::AccountService::Stub::GetProfile,
                             av1::GetProfileRequest(), t, kDeadline)
             .status();
       }},
      {"Login",
       [&] {
         av1::LoginRequest r;
         r.set_email(ann->email);
         r.set_password(kPassword);
         return SignedInCall(*clients_.accounts,
                             &av1::AccountService::Stub::Login, r, "",
                             kDeadline)
             .status();
       }},
      {"Register",
       [&] {
         av1::RegisterRequest r;
         r.set_request_id(absl::StrCat("reg-", ++n));
         r.set_email(absl::StrCat("new", n, "@example.com"));
         r.set_password(kPassword);
         return SignedInCall(*clients_.accounts,
                             &av1::AccountService::Stub::Register, r, "",
                             kDeadline)
             .status();
       }},
      {"GetPlan",
       [&] {
         pv1::GetPlanRequest r;
         r.set_name(ann->plan);
         return SignedInCall(*clients_.plans, &pv1::PlanService::Stub::GetPlan,
                             r, t, kDeadline)
             .status();
       }},
      {"GeneratePlan",
       [&] {
         pv1::GeneratePlanRequest r;
         r.set_request_id(absl::StrCat("again-", ++n));
         return SignedInCall(*clients_.plans,
                             &pv1::PlanService::Stub::GeneratePlan, r, t,
                             kDeadline)
             .status();
       }},
      {"LogSet",
       [&] {
         wv1::LogSetRequest r;
         r.set_workout("users/me/workouts/live");
         *r.mutable_set() = SumoSquat(absl::StrCat("s-", ++n));
         return SignedInCall(*clients_.workouts,
                             &wv1::WorkoutService::Stub::LogSet, r, t,
                             kDeadline)
             .status();
       }},
      {"SyncWorkouts",
       [&] {
         wv1::SyncWorkoutsRequest r;
         *r.add_workouts() = OfflineWorkout(absl::StrCat("w-", ++n), 2);
         return SignedInCall(*clients_.workouts,
                             &wv1::WorkoutService::Stub::SyncWorkouts, r, t,
                             kDeadline)
             .status();
       }},
      {"ListWorkouts",
       [&] {
         return SignedInCall(*clients_.workouts,
                             &wv1::WorkoutService::Stub::ListWorkouts,
                             wv1::ListWorkoutsRequest(), t, kDeadline)
             .status();
       }},
      {"GetWeeklyProgress",
       [&] {
         return SignedInCall(*clients_.progress,
                             &gv1::ProgressService::Stub::GetWeeklyProgress,
                             gv1::GetWeeklyProgressRequest(), t, kDeadline)
             .status();
       }},
      {"GetProgressSummary",
       [&] {
         return SignedInCall(*clients_.progress,
                             &gv1::ProgressService::Stub::GetProgressSummary,
                             gv1::GetProgressSummaryRequest(), t, kDeadline)
             .status();
       }},
  };
  const std::vector<std::string> services = {
      "gracilis-account", "gracilis-plan", "gracilis-workout",
      "gracilis-progress"};
  const std::vector<int> redis_ports = stack_.redis().ports();
  struct Fault {
    std::string name;
    std::function<void()> begin, end;
  };
  const std::vector<Fault> faults = {
      {"unreachable",
       [&] {
         for (int port : redis_ports) {  // every node of a cluster
           ASSERT_TRUE(Iptables(
               absl::StrCat("-A INPUT -p tcp --dport ", port, " -j DROP")));
           ASSERT_TRUE(Iptables(
               absl::StrCat("-A INPUT -p tcp --sport ", port, " -j DROP")));
         }
       },
       [&] { Iptables("-F INPUT"); }},
      {"frozen", [&] { stack_.redis().Pause(); },
       [&] { stack_.redis().Resume(); }},
  };
  for (const Fault& fault : faults) {
    fault.begin();
    const absl::Time began = absl::Now();
    int wrong_code = 0, late = 0, calls = 0;
    absl::Duration slowest;
    for (int round = 0; round < 2 * Scale(); ++round) {
      for (const auto& [rpc, probe] : probes) {
        const absl::Time start = absl::Now();
        const absl::Status status = probe();
        const absl::Duration took = absl::Now() - start;
        calls += 1;
        slowest = std::max(slowest, took);
        if (!Retryable(status)) {
          wrong_code += 1;
          ADD_FAILURE() << fault.name << ": " << rpc << " answered " << status;
        }
        if (took > kDeadline + absl::Milliseconds(250)) {
          late += 1;
          ADD_FAILURE() << fault.name << ": " << rpc << " took " << took;
        }
      }
    }
    int not_serving = 0;
    for (const std::string& service : services) {
      not_serving +=
          WaitUntil([&] { return !Serving(stack_.service_address(service)); },
                    absl::Seconds(5))
              ? 1
              : 0;
    }
    fault.end();
    const absl::Time ended = absl::Now();
    std::string still_failing;
    const bool recovered = WaitUntil(
        [&] {
          for (const auto& [rpc, probe] : probes) {
            if (absl::Status status = probe(); !status.ok()) {
              still_failing = absl::StrCat(rpc, ": ", status.ToString());
              return false;
            }
          }
          return true;
        },
        absl::Seconds(20));
    const absl::Duration recovery = absl::Now() - ended;
    const std::string label = absl::StrCat("redis_", fault.name);
    Figure(label + ".calls_not_unavailable_or_deadline",
           absl::StrCat(wrong_code, " of ", calls, " (", probes.size(),
                        " RPCs on 4 services)"));
    Figure(label + ".calls_past_deadline",
           absl::StrCat(late, " of ", calls, "; slowest ",
                        absl::FormatDuration(slowest), " (deadline ",
                        absl::FormatDuration(kDeadline), ")"));
    Figure(label + ".services_not_serving",
           absl::StrCat(not_serving, " of ", services.size(), " within ",
                        absl::FormatDuration(absl::Now() - began)));
    Figure(label + ".recovered_without_restart",
           recovered ? absl::StrFormat("yes, every RPC OK %.0f ms after Redis "
                                       "was back",
                                       absl::ToDoubleMilliseconds(recovery))
                     : "no");
    EXPECT_EQ(not_serving, 4) << fault.name;
    EXPECT_TRUE(recovered) << fault.name << ", still failing: " << still_failing
                           << "\n"
                           << RunCommand(absl::StrCat("tail -n 5 ",
                                                      stack_.dir(), "/*.log"))
                                  .output;
  }
}

// Random loss of 5% of loopback packets (every connection: phones to
// services, services to Redis) while phones log sets: what was acknowledged
// is stored, once, and nothing else is.
TEST_F(NetworkFaultsTest, PacketLossCorruptsNothing) {
  const int kWriters = 4;
  absl::StatusOr<std::vector<std::string>> tokens =
      RegisterUsers(stack_.service_address("gracilis-account"), kWriters);
  ASSERT_THAT(tokens.status(), IsOk());
  std::shared_ptr<grpc::Channel> channel =
      QuickReconnectChannel(stack_.service_address("gracilis-workout"));
  ASSERT_TRUE(Iptables(
      "-A INPUT -i lo -m statistic --mode random --probability 0.05 -j DROP"));
  std::atomic<bool> stop{false};
  std::atomic<int> acks{0};
  std::vector<std::unique_ptr<SetLogger>> loggers;
  Threads threads(stop);
  for (int i = 0; i < kWriters; ++i) {
    loggers.push_back(std::make_unique<SetLogger>(channel, (*tokens)[i], i));
    // The thread holds the logger itself: the vector's storage moves
    // when the next logger is pushed.
    SetLogger* logger = loggers.back().get();
    threads.Start([&, logger] { logger->Run(stop, [&] { acks += 1; }); });
  }
  // At least 6 s, and until 100 sets are in: a lost packet can cost the
  // service its Redis connection for a while (it reconnects by itself), and
  // a run with nothing written under loss would prove nothing. At most 30 s.
  const absl::Time start = absl::Now();
  WaitUntil(
      [&] {
        return absl::Now() - start >= absl::Seconds(6 * Scale()) && acks >= 100;
      },
      absl::Seconds(30 * Scale()));
  threads.Join();
  const std::string dropped =
      RunCommand("iptables -L INPUT -v -x -n | awk '/statistic/ {print $1}'")
          .output;
  Iptables("-F INPUT");
  // A lost packet may have cost the service its Redis connection: it
  // reconnects by itself.
  ASSERT_TRUE(WaitUntil(
      [&] { return Serving(stack_.service_address("gracilis-workout")); }));

  absl::StatusOr<Audit> audited = AuditLoggers(loggers);
  ASSERT_THAT(audited.status(), IsOk());
  const Audit& audit = *audited;
  // Stored but never acknowledged: the reply was lost, and the phone had
  // stopped retrying when the run ended. Anything else is corruption.
  const int64_t unacknowledged_extra =
      audit.stored - audit.duplicates - (audit.acknowledged - audit.missing);
  Figure("packet_loss_5pct.dropped_packets", dropped);
  Figure("packet_loss_5pct.acknowledged_sets",
         absl::StrCat(audit.acknowledged));
  Figure("packet_loss_5pct.retried_calls", absl::StrCat(audit.retries));
  Figure("packet_loss_5pct.missing",
         absl::StrCat(audit.missing, " of ", audit.acknowledged));
  Figure("packet_loss_5pct.duplicates",
         absl::StrCat(audit.duplicates, " of ", audit.stored));
  Figure("packet_loss_5pct.stored_not_acknowledged",
         absl::StrCat(unacknowledged_extra, " (at most one per phone)"));
  Figure("packet_loss_5pct.unexpected_replies", Unexpected(loggers));
  EXPECT_GT(audit.acknowledged, 0);
  EXPECT_EQ(audit.missing, 0);
  EXPECT_EQ(audit.duplicates, 0);
  EXPECT_LE(unacknowledged_extra, kWriters);
  EXPECT_EQ(Unexpected(loggers), "none");
}

}  // namespace
}  // namespace gracilis::reliability

int main(int argc, char** argv) {
  // Before any thread exists, so every thread and child shares it.
  gracilis::reliability::in_own_namespace =
      unshare(CLONE_NEWNET) == 0 &&
      gracilis::testing::RunCommand("ip link set lo up").exit_code == 0 &&
      gracilis::testing::RunCommand("iptables -L INPUT -n").exit_code == 0;
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
