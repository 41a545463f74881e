// Faults (issue 8, items 1, 2, 3 and 5), against the real binaries of a
// TestStack: Redis killed under write load, the workout service killed while
// phones sync, SIGTERM under load, and retried requests. Each test asserts
// its guarantee and prints its figures (see reliability.h).

#include <signal.h>

#include <atomic>
#include <functional>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/clock/timestamp.h"
#include "common/status/errors.h"
#include "common/status/status_matchers.h"
#include "common/testing/signed_in_call.h"
#include "google/protobuf/util/message_differencer.h"
#include "gracilis/account/v1/account.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/e2e/test_stack.h"
#include "tests/reliability/reliability.h"
#include "tests/reliability/set_logger.h"

namespace gracilis::reliability {
namespace {

namespace wv1 = workout::v1;
using google::protobuf::util::MessageDifferencer;
using Stub = wv1::WorkoutService::Stub;
using testing::IsOk;
using testing::SignedInCall;
using testing::StatusIs;
using testing::TestStack;
using testing::WaitUntil;

// Item 1: phones log sets at full speed while Redis is killed with SIGKILL
// and started again, several times.
void KillRedisUnderWriteLoad(const std::string& appendfsync) {
  const int kWriters = 8;
  const int kills = 3 * Scale();
  TestStack stack;
  stack.redis().AddArguments({"--appendfsync", appendfsync});
  ASSERT_THAT(stack.Start(), IsOk());
  absl::StatusOr<std::vector<std::string>> tokens =
      RegisterUsers(stack.service_address("gracilis-account"), kWriters);
  ASSERT_THAT(tokens.status(), IsOk());
  std::shared_ptr<grpc::Channel> channel =
      QuickReconnectChannel(stack.service_address("gracilis-workout"));

  std::atomic<bool> stop{false};
  std::atomic<bool> watching{false};
  std::atomic<int64_t> first_ack_ns{0};
  const std::function<void()> on_ack = [&] {
    int64_t none = 0;
    if (watching) {
      first_ack_ns.compare_exchange_strong(none,
                                           absl::ToUnixNanos(absl::Now()));
    }
  };
  std::vector<std::unique_ptr<SetLogger>> loggers;
  Threads threads(stop);
  for (int i = 0; i < kWriters; ++i) {
    loggers.push_back(std::make_unique<SetLogger>(channel, (*tokens)[i], i));
    // The thread holds the logger itself: the vector's storage moves
    // when the next logger is pushed.
    SetLogger* logger = loggers.back().get();
    threads.Start([&, logger] { logger->Run(stop, on_ack); });
  }
  std::vector<absl::Duration> recovery;  // Redis answering -> next ack
  std::vector<absl::Duration> outage;    // kill -> next ack
  for (int k = 0; k < kills; ++k) {
    absl::SleepFor(absl::Milliseconds(700));
    const absl::Time killed = absl::Now();
    stack.redis().Kill();
    absl::SleepFor(absl::Milliseconds(100));
    first_ack_ns = 0;
    ASSERT_THAT(stack.redis().Start(), IsOk());  // replays the AOF
    const absl::Time answering = absl::Now();
    watching = true;
    ASSERT_TRUE(WaitUntil([&] { return first_ack_ns != 0; }, absl::Seconds(20)))
        << "no write acknowledged within 20 s of Redis returning";
    watching = false;
    const absl::Time acked = absl::FromUnixNanos(first_ack_ns);
    recovery.push_back(acked - answering);
    outage.push_back(acked - killed);
  }
  absl::SleepFor(absl::Milliseconds(500));
  threads.Join();

  absl::StatusOr<Audit> audited = AuditLoggers(loggers);
  ASSERT_THAT(audited.status(), IsOk());
  const Audit& audit = *audited;
  const std::string label = absl::StrCat("redis_sigkill_", appendfsync);
  Figure(label + ".kills", absl::StrCat(kills));
  Figure(label + ".acknowledged_sets", absl::StrCat(audit.acknowledged));
  Figure(label + ".missing",
         absl::StrCat(audit.missing, " of ", audit.acknowledged));
  Figure(label + ".duplicates",
         absl::StrCat(audit.duplicates, " of ", audit.stored));
  Figure(label + ".retried_calls", absl::StrCat(audit.retries));
  Figure(label + ".redis_answering_to_next_ack", Spread(recovery));
  Figure(label + ".kill_to_next_ack", Spread(outage));
  Figure(label + ".unexpected_replies", Unexpected(loggers));
  EXPECT_GT(audit.acknowledged, 0);
  EXPECT_EQ(audit.duplicates, 0);
  if (appendfsync == "always") {
    EXPECT_EQ(audit.missing, 0);
    EXPECT_EQ(Unexpected(loggers), "none");
  }
}

TEST(FaultsTest, RedisKilledUnderWriteLoadLosesNoAcknowledgedWrite) {
  KillRedisUnderWriteLoad("always");
}

TEST(FaultsTest, RedisKilledUnderWriteLoadWithEverysecIsMeasured) {
  KillRedisUnderWriteLoad("everysec");
}

// Item 2: phones upload batches of offline workouts, retrying a batch with
// the same ids until every item is acknowledged, while the workout service
// is killed with SIGKILL and started again.
TEST(FaultsTest, WorkoutServiceKilledMidSyncLosesAndDuplicatesNothing) {
  const int kPhones = 4;
  const int kBatches = 30 * Scale();
  const int kBatchSize = 5;
  TestStack stack;
  ASSERT_THAT(stack.Start(), IsOk());
  absl::StatusOr<std::vector<std::string>> tokens =
      RegisterUsers(stack.service_address("gracilis-account"), kPhones);
  ASSERT_THAT(tokens.status(), IsOk());
  std::shared_ptr<grpc::Channel> channel =
      QuickReconnectChannel(stack.service_address("gracilis-workout"));
  auto stub = wv1::WorkoutService::NewStub(channel);

  std::atomic<int> phones_done{0};
  std::vector<std::vector<std::string>> acknowledged(kPhones);
  std::vector<int64_t> retries(kPhones, 0);
  std::vector<std::map<std::string, int>> unexpected(kPhones);
  std::atomic<bool> stop{false};
  Threads phones(stop);
  for (int p = 0; p < kPhones; ++p) {
    phones.Start([&, p] {
      for (int b = 0; b < kBatches; ++b) {
        wv1::SyncWorkoutsRequest request;
        for (int i = 0; i < kBatchSize; ++i) {
          const int n = b * kBatchSize + i;
          *request.add_workouts() =
              OfflineWorkout(absl::StrFormat("p%d-w%d", p, n), 1 + n % 200);
        }
        while (!stop) {
          absl::StatusOr<wv1::SyncWorkoutsResponse> response = SignedInCall(
              *stub, &Stub::SyncWorkouts, request, (*tokens)[p], kCallDeadline);
          bool all_ok = response.ok();
          if (response.ok()) {
            for (const auto& result : response->results()) {
              if (result.code() != 0) {
                all_ok = false;
                unexpected[p][result.message()] += 1;
              }
            }
          } else if (!Retryable(response.status())) {
            unexpected[p][response.status().ToString()] += 1;
          }
          if (all_ok) {
            break;
          }
          ++retries[p];
          absl::SleepFor(absl::Milliseconds(10));
        }
        if (stop) {
          return;  // the test gave up
        }
        for (const wv1::Workout& workout : request.workouts()) {
          acknowledged[p].push_back(workout.workout_id());
        }
        absl::SleepFor(absl::Milliseconds(20));
      }
      phones_done += 1;
    });
  }
  int kills = 0;
  std::vector<absl::Duration> restarts;
  while (phones_done < kPhones && kills < 3 * Scale()) {
    absl::SleepFor(absl::Milliseconds(250));
    stack.service_process("gracilis-workout")->Kill();
    ++kills;
    const absl::Time killed = absl::Now();
    ASSERT_THAT(stack.RestartService("gracilis-workout"), IsOk());
    restarts.push_back(absl::Now() - killed);
  }
  ASSERT_TRUE(
      WaitUntil([&] { return phones_done == kPhones; }, absl::Seconds(60)));
  phones.Join();

  Audit total;
  int64_t all_retries = 0, wrong_sets = 0;
  for (int p = 0; p < kPhones; ++p) {
    std::vector<std::string> stored;
    std::string page_token;
    do {
      wv1::ListWorkoutsRequest list;
      list.set_page_size(100);
      list.set_page_token(page_token);
      absl::StatusOr<wv1::ListWorkoutsResponse> page =
          SignedInCall(*stub, &Stub::ListWorkouts, list, (*tokens)[p]);
      ASSERT_THAT(page.status(), IsOk());
      for (const wv1::Workout& workout : page->workouts()) {
        stored.push_back(workout.workout_id());
        wrong_sets += workout.sets_size() == 3 ? 0 : 1;
      }
      page_token = page->next_page_token();
    } while (!page_token.empty());
    const Audit audit = Compare(acknowledged[p], stored);
    total.acknowledged += audit.acknowledged;
    total.missing += audit.missing;
    total.duplicates += audit.duplicates;
    all_retries += retries[p];
    EXPECT_TRUE(unexpected[p].empty())
        << unexpected[p].size() << " kinds, e.g. "
        << unexpected[p].begin()->first;
  }
  Figure("service_sigkill_sync.kills", absl::StrCat(kills));
  Figure("service_sigkill_sync.restart_to_serving", Spread(restarts));
  Figure("service_sigkill_sync.acknowledged_workouts",
         absl::StrCat(total.acknowledged));
  Figure("service_sigkill_sync.lost",
         absl::StrCat(total.missing, " of ", total.acknowledged));
  Figure("service_sigkill_sync.duplicates",
         absl::StrCat(total.duplicates, " of ", total.acknowledged));
  Figure("service_sigkill_sync.retried_batches", absl::StrCat(all_retries));
  Figure("service_sigkill_sync.workouts_with_wrong_sets",
         absl::StrCat(wrong_sets));
  EXPECT_GT(kills, 0);
  EXPECT_EQ(total.acknowledged, kPhones * kBatches * kBatchSize);
  EXPECT_EQ(total.missing, 0);
  EXPECT_EQ(total.duplicates, 0);
  EXPECT_EQ(wrong_sets, 0);
}

// Item 3: SIGTERM while phones log sets. Health turns NOT_SERVING before any
// call is refused, every call in flight when the signal came completes, and
// the process exits within drain_delay + shutdown_grace.
TEST(FaultsTest, SigtermUnderLoadDrainsInFlightCallsAndExitsInTime) {
  const int kWriters = 8;
  const absl::Duration kDrainDelay = absl::Milliseconds(500);
  const absl::Duration kGrace = absl::Seconds(3);
  TestStack stack;
  ASSERT_THAT(stack.Start(), IsOk());
  absl::StatusOr<std::string> address = stack.AddService(
      GRACILIS_WORKOUT_BINARY,
      {absl::StrCat("--drain_delay=", absl::FormatDuration(kDrainDelay)),
       absl::StrCat("--shutdown_grace=", absl::FormatDuration(kGrace))});
  ASSERT_THAT(address.status(), IsOk());
  const std::string name = "gracilis-workout-1";
  absl::StatusOr<std::vector<std::string>> tokens =
      RegisterUsers(stack.service_address("gracilis-account"), kWriters);
  ASSERT_THAT(tokens.status(), IsOk());

  int64_t in_flight_ok = 0, in_flight_failed = 0, later_ok = 0,
          later_refused = 0, refused_before_not_serving = 0;
  std::vector<absl::Duration> exits;
  const int rounds = 2 * Scale();
  for (int round = 0; round < rounds; ++round) {
    if (round > 0) {
      ASSERT_THAT(stack.RestartService(name), IsOk());
    }
    std::shared_ptr<grpc::Channel> channel = QuickReconnectChannel(*address);
    std::atomic<bool> stop{false};
    // The first moment the health service did not answer SERVING.
    std::atomic<int64_t> not_serving_ns{0};
    std::vector<std::unique_ptr<SetLogger>> loggers;
    Threads threads(stop);
    for (int i = 0; i < kWriters; ++i) {
      loggers.push_back(std::make_unique<SetLogger>(channel, (*tokens)[i],
                                                    round * kWriters + i));
      // The thread holds the logger itself: the vector's storage moves
      // when the next logger is pushed.
      SetLogger* logger = loggers.back().get();
      threads.Start([&, logger] { logger->Run(stop, [] {}); });
    }
    threads.Start([&] {
      auto stub = grpc::health::v1::Health::NewStub(channel);
      while (!stop && not_serving_ns == 0) {
        grpc::ClientContext context;
        context.set_deadline(absl::ToChronoTime(absl::Now() + kCallDeadline));
        grpc::health::v1::HealthCheckResponse response;
        const grpc::Status status = stub->Check(
            &context, grpc::health::v1::HealthCheckRequest(), &response);
        if (!status.ok() ||
            response.status() !=
                grpc::health::v1::HealthCheckResponse::SERVING) {
          not_serving_ns = absl::ToUnixNanos(absl::Now());
        }
        absl::SleepFor(absl::Milliseconds(5));
      }
    });
    absl::SleepFor(absl::Milliseconds(400));
    const absl::Time term = absl::Now();
    stack.service_process(name)->Signal(SIGTERM);
    const bool exited =
        WaitUntil([&] { return !stack.service_process(name)->Running(); },
                  kDrainDelay + kGrace + absl::Seconds(5));
    exits.push_back(absl::Now() - term);
    threads.Join();
    ASSERT_TRUE(exited) << "still running after SIGTERM";
    const absl::Time not_serving = absl::FromUnixNanos(not_serving_ns);
    for (const auto& logger : loggers) {
      for (const SetLogger::Call& call : logger->calls()) {
        const bool ok = call.code == absl::StatusCode::kOk;
        if (call.start < term) {
          (ok ? in_flight_ok : in_flight_failed) += 1;
        } else if (ok) {
          later_ok += 1;
        } else {
          later_refused += 1;
          if (not_serving_ns == 0 || call.end < not_serving) {
            refused_before_not_serving += 1;
          }
        }
      }
    }
  }
  Figure("sigterm.rounds", absl::StrCat(rounds));
  Figure(
      "sigterm.calls_started_before_sigterm_failed",
      absl::StrCat(in_flight_failed, " of ", in_flight_ok + in_flight_failed));
  Figure("sigterm.calls_started_during_drain",
         absl::StrCat(later_ok, " completed, ", later_refused, " refused"));
  Figure("sigterm.refused_before_health_said_not_serving",
         absl::StrCat(refused_before_not_serving));
  Figure("sigterm.exit_after_signal",
         absl::StrCat(Spread(exits), " (drain_delay ",
                      absl::FormatDuration(kDrainDelay), " + shutdown_grace ",
                      absl::FormatDuration(kGrace), ")"));
  EXPECT_GT(in_flight_ok, 0);
  EXPECT_EQ(in_flight_failed, 0);
  EXPECT_EQ(refused_before_not_serving, 0);
  for (absl::Duration exit : exits) {
    EXPECT_LT(exit, kDrainDelay + kGrace + absl::Seconds(1));
  }
}

// Item 5: the same client id with the same body replays the first result;
// the same id with a different body is INVALID_ARGUMENT, REQUEST_ID_REUSED.
TEST(FaultsTest, RetriesReplayTheFirstResultAndReusedIdsAreRejected) {
  const int n = 20 * Scale();
  TestStack stack;
  ASSERT_THAT(stack.Start(), IsOk());
  Clients clients = Clients::Direct(stack);
  absl::StatusOr<User> user = NewTrainingUser(clients, "ann@example.com");
  ASSERT_THAT(user.status(), IsOk());
  const std::string& token = user->token;
  using AccountStub = account::v1::AccountService::Stub;
  using PlanStub = plan::v1::PlanService::Stub;

  struct Outcome {
    int tried = 0;
    int replayed = 0;  // the retry got the first result
    int rejected = 0;  // the changed body got REQUEST_ID_REUSED
  };
  std::map<std::string, Outcome> outcomes;
  // Sends `request`, the same again, then `changed` with the same id, in
  // this order. `result` picks what must be the same on the retry.
  auto replay = [&](const std::string& rpc, auto send, const auto& request,
                    const auto& changed, auto result) {
    const auto first = send(request);
    const auto again = send(request);
    const absl::Status reused = send(changed).status();
    ASSERT_THAT(first.status(), IsOk()) << rpc;
    Outcome& outcome = outcomes[rpc];
    outcome.tried += 1;
    outcome.replayed +=
        again.ok() && MessageDifferencer::Equals(result(*first), result(*again))
            ? 1
            : 0;
    outcome.rejected += absl::IsInvalidArgument(reused) &&
                                ReasonOf(reused) == "REQUEST_ID_REUSED"
                            ? 1
                            : 0;
  };
  auto whole = [](const auto& response) -> const auto& { return response; };
  auto call = [&](auto stub, auto method) {
    return [&token, stub, method](const auto& request) {
      return SignedInCall(*stub, method, request, token);
    };
  };

  std::string live = "live";  // NewTrainingUser started it
  for (int i = 0; i < n; ++i) {
    if (i % 20 == 0) {  // a new live workout before the caps on runs and sets
      wv1::FinishWorkoutRequest finish;
      finish.set_workout(WorkoutName(live));
      ASSERT_THAT(
          call(clients.workouts.get(), &Stub::FinishWorkout)(finish).status(),
          IsOk());
      live = absl::StrCat("live-", i);
      wv1::StartWorkoutRequest start;
      start.mutable_workout()->set_workout_id(live);
      wv1::StartWorkoutRequest changed = start;
      changed.mutable_workout()->set_notes("changed");
      replay("StartWorkout", call(clients.workouts.get(), &Stub::StartWorkout),
             start, changed, whole);
    }
    wv1::LogSetRequest set;
    set.set_workout(WorkoutName(live));
    *set.mutable_set() = SumoSquat(absl::StrCat("set-", i));
    wv1::LogSetRequest other_set = set;
    other_set.mutable_set()->set_reps(set.set().reps() + 1);
    replay("LogSet", call(clients.workouts.get(), &Stub::LogSet), set,
           other_set, whole);

    wv1::LogRunRequest run;
    run.set_workout(WorkoutName(live));
    run.mutable_run()->set_run_id(absl::StrCat("run-", i));
    run.mutable_run()->set_type(type::v1::RUN_TYPE_EASY);
    run.mutable_run()->mutable_distance()->set_value(3);
    run.mutable_run()->mutable_distance()->set_unit(
        type::v1::LENGTH_UNIT_KILOMETER);
    run.mutable_run()->set_duration_seconds(1200);
    *run.mutable_run()->mutable_start_time() =
        ToTimestamp(absl::Now() - absl::Minutes(30));
    wv1::LogRunRequest other_run = run;
    other_run.mutable_run()->set_duration_seconds(1300);
    replay("LogRun", call(clients.workouts.get(), &Stub::LogRun), run,
           other_run, whole);

    wv1::LogBodyMeasurementRequest measure;
    wv1::BodyMeasurement& m = *measure.mutable_measurement();
    m.set_measurement_id(absl::StrCat("m-", i));
    *m.mutable_measure_time() =
        ToTimestamp(absl::Now() - absl::Hours(1) - absl::Minutes(i));
    m.mutable_body_weight()->set_value(64);
    m.mutable_body_weight()->set_unit(type::v1::MASS_UNIT_KILOGRAM);
    wv1::LogBodyMeasurementRequest other_measure = measure;
    other_measure.mutable_measurement()->mutable_body_weight()->set_value(65);
    replay("LogBodyMeasurement",
           call(clients.workouts.get(), &Stub::LogBodyMeasurement), measure,
           other_measure, whole);

    // Per-item results carry the code and message, not the reason: the
    // reused id is told by its INVALID_ARGUMENT item.
    wv1::SyncWorkoutsRequest sync;
    *sync.add_workouts() = OfflineWorkout(absl::StrCat("offline-", i), 1 + i);
    wv1::SyncWorkoutsRequest other_sync = sync;
    other_sync.mutable_workouts(0)->set_notes("changed");
    replay(
        "SyncWorkouts",
        [&](const wv1::SyncWorkoutsRequest& request)
            -> absl::StatusOr<wv1::SyncWorkoutsResponse> {
          auto response =
              call(clients.workouts.get(), &Stub::SyncWorkouts)(request);
          if (response.ok() && response->results_size() == 1 &&
              response->results(0).code() ==
                  static_cast<int>(absl::StatusCode::kInvalidArgument)) {
            return WithReason(
                absl::InvalidArgumentError(response->results(0).message()),
                "REQUEST_ID_REUSED");
          }
          return response;
        },
        sync, other_sync, whole);

    plan::v1::GeneratePlanRequest generate;
    generate.set_request_id(absl::StrCat("gen-", i));
    generate.set_running_level(plan::v1::RUNNING_LEVEL_CASUAL);
    plan::v1::GeneratePlanRequest other_generate = generate;
    other_generate.set_session_minutes(60);
    replay("GeneratePlan", call(clients.plans.get(), &PlanStub::GeneratePlan),
           generate, other_generate, whole);

    // A replayed registration signs in again: a new session, the same
    // account.
    account::v1::RegisterRequest registration;
    registration.set_request_id(absl::StrCat("register-", i));
    registration.set_email(absl::StrCat("retry", i, "@example.com"));
    registration.set_password(kPassword);
    account::v1::RegisterRequest other_password = registration;
    other_password.set_password("another horse battery staple");
    replay(
        "Register",
        [&](const account::v1::RegisterRequest& request) {
          return SignedInCall(*clients.accounts, &AccountStub::Register,
                              request, "");
        },
        registration, other_password,
        [](const account::v1::RegisterResponse& response) -> const auto& {
          return response.profile();
        });
  }
  for (const auto& [rpc, outcome] : outcomes) {
    Figure(absl::StrCat("idempotency.", rpc, ".replayed"),
           absl::StrCat(outcome.replayed, " of ", outcome.tried));
    Figure(absl::StrCat("idempotency.", rpc, ".reused_id_rejected"),
           absl::StrCat(outcome.rejected, " of ", outcome.tried));
    EXPECT_EQ(outcome.replayed, outcome.tried) << rpc;
    EXPECT_EQ(outcome.rejected, outcome.tried) << rpc;
  }
  EXPECT_EQ(outcomes.size(), 7u);
}

}  // namespace
}  // namespace gracilis::reliability
