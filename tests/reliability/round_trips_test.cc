// Redis round trips per RPC (issue 20), counted by Redis itself: with
// slowlog-log-slower-than 0 the slow log records every command, those a
// client sent with the client's address, so those entries that name the
// user's hash tag are the call's round trips. The counts of the
// RPCs whose session check rides in their own Function are asserted, so a
// regression fails CI; the others are printed. Single Redis only (the slow
// log is per node).

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/clock/timestamp.h"
#include "common/redis/redis_client.h"
#include "common/status/status_matchers.h"
#include "common/testing/signed_in_call.h"
#include "gracilis/account/v1/account.grpc.pb.h"
#include "gracilis/plan/v1/plan.grpc.pb.h"
#include "gracilis/progress/v1/progress.grpc.pb.h"
#include "gracilis/workout/v1/workout.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/e2e/test_stack.h"
#include "tests/reliability/reliability.h"

namespace gracilis::reliability {
namespace {

namespace av1 = account::v1;
namespace pv1 = plan::v1;
namespace wv1 = workout::v1;
using AccountStub = av1::AccountService::Stub;
using PlanStub = pv1::PlanService::Stub;
using ProgressStub = progress::v1::ProgressService::Stub;
using WorkoutStub = wv1::WorkoutService::Stub;
using testing::IsOk;
using testing::SignedInCall;
using testing::TestStack;

class RoundTripsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(stack_.Start(), IsOk());
    clients_ = Clients::Direct(stack_);
    RedisConfig config;
    config.address = *ParseHostPort(stack_.redis().address(), 6379);
    redis_ = std::make_unique<RedisClient>(config, std::vector<LibraryUse>{},
                                           nullptr);
    ASSERT_THAT(StartAndAwaitReady(*redis_, config, absl::Seconds(5)), IsOk());
    stack_.redis().Cli("CONFIG SET slowlog-max-len 100000");
    stack_.redis().Cli("CONFIG SET slowlog-log-slower-than 0");
  }
  void TearDown() override {
    if (redis_ != nullptr) {
      redis_->Stop();
    }
  }

  // Runs `rpc` (which must succeed) and counts the commands sent to Redis
  // that name `user_id`'s hash tag.
  int RoundTrips(const std::string& user_id,
                 const std::function<absl::Status()>& rpc) {
    EXPECT_THAT(ExecuteAndWait(*redis_, {"SLOWLOG", "RESET"}).status(), IsOk());
    EXPECT_THAT(rpc(), IsOk());
    absl::StatusOr<RedisReply> log =
        ExecuteAndWait(*redis_, {"SLOWLOG", "GET", "-1"});
    EXPECT_THAT(log.status(), IsOk());
    if (!log.ok()) {
      return -1;
    }
    const std::string tag = absl::StrCat("{u:", user_id, "}");
    int count = 0;
    for (const RedisReply& entry : log->elements) {
      // id, time, duration, arguments, client address, client name; the
      // commands a Function runs are logged too, from address "?:0".
      if (entry.elements.size() < 5 || entry.elements[4].str == "?:0") {
        continue;
      }
      for (const RedisReply& arg : entry.elements[3].elements) {
        if (absl::StrContains(arg.str, tag)) {
          ++count;
          break;
        }
      }
    }
    return count;
  }

  TestStack stack_;
  Clients clients_;
  std::unique_ptr<RedisClient> redis_;
};

TEST_F(RoundTripsTest, UserScopedCallsCheckTheSessionInTheirOwnRoundTrip) {
  absl::StatusOr<User> made = NewTrainingUser(clients_, "rt@example.com");
  ASSERT_THAT(made.status(), IsOk());
  const User& user = *made;
  const std::string& t = user.token;
  auto& accounts = *clients_.accounts;
  auto& workouts = *clients_.workouts;
  auto& plans = *clients_.plans;
  auto& progress = *clients_.progress;
  const std::string live = absl::StrCat("users/", user.id, "/workouts/live");
  int n = 0;
  using Rpc = std::function<absl::Status()>;
  // RPC, the round trips it must take (0: printed only).
  const std::vector<std::tuple<std::string, int, Rpc>> rpcs = {
      {"GetProfile", 1,
       [&] {
         return SignedInCall(accounts, &AccountStub::GetProfile,
                             av1::GetProfileRequest(), t)
             .status();
       }},
      {"LogSet", 1,
       [&] {
         wv1::LogSetRequest r;
         r.set_workout(live);
         *r.mutable_set() = SumoSquat(absl::StrCat("rt-set-", ++n));
         return SignedInCall(workouts, &WorkoutStub::LogSet, r, t).status();
       }},
      {"SyncWorkouts", 1,
       [&] {
         wv1::SyncWorkoutsRequest r;
         *r.add_workouts() = OfflineWorkout(absl::StrCat("rt-sync-", ++n), 3);
         *r.add_workouts() = OfflineWorkout(absl::StrCat("rt-sync-", ++n), 4);
         return SignedInCall(workouts, &WorkoutStub::SyncWorkouts, r, t)
             .status();
       }},
      {"GetActiveWorkout", 1,
       [&] {
         return SignedInCall(workouts, &WorkoutStub::GetActiveWorkout,
                             wv1::GetActiveWorkoutRequest(), t)
             .status();
       }},
      {"ListWorkouts", 1,
       [&] {
         return SignedInCall(workouts, &WorkoutStub::ListWorkouts,
                             wv1::ListWorkoutsRequest(), t)
             .status();
       }},
      {"GetWorkout", 1,
       [&] {
         wv1::GetWorkoutRequest r;
         r.set_name(absl::StrCat("users/", user.id, "/workouts/done"));
         return SignedInCall(workouts, &WorkoutStub::GetWorkout, r, t).status();
       }},
      {"LogBodyMeasurement", 1,
       [&] {
         wv1::LogBodyMeasurementRequest r;
         r.mutable_measurement()->set_measurement_id(
             absl::StrCat("rt-m-", ++n));
         *r.mutable_measurement()->mutable_measure_time() =
             ToTimestamp(absl::Now() - absl::Minutes(n));
         r.mutable_measurement()->mutable_body_weight()->set_value(70);
         r.mutable_measurement()->mutable_body_weight()->set_unit(
             type::v1::MASS_UNIT_KILOGRAM);
         return SignedInCall(workouts, &WorkoutStub::LogBodyMeasurement, r, t)
             .status();
       }},
      {"GetPlan", 1,
       [&] {
         pv1::GetPlanRequest r;
         r.set_name(user.plan);
         return SignedInCall(plans, &PlanStub::GetPlan, r, t).status();
       }},
      {"GetPlanWeek", 1,
       [&] {
         pv1::GetPlanWeekRequest r;
         r.set_plan(user.plan);
         r.set_week_number(1);
         return SignedInCall(plans, &PlanStub::GetPlanWeek, r, t).status();
       }},
      {"UpdateProfile", 2,
       [&] {
         av1::UpdateProfileRequest r;
         r.mutable_profile()->set_training_days_per_week(3);
         r.mutable_update_mask()->add_paths("training_days_per_week");
         return SignedInCall(accounts, &AccountStub::UpdateProfile, r, t)
             .status();
       }},
      {"ListChanges", 1,
       [&] {
         return SignedInCall(workouts, &WorkoutStub::ListChanges,
                             wv1::ListChangesRequest(), t)
             .status();
       }},
      {"GeneratePlan", 0,
       [&] {
         pv1::GeneratePlanRequest r;
         r.set_request_id(absl::StrCat("rt-plan-", ++n));
         return SignedInCall(plans, &PlanStub::GeneratePlan, r, t).status();
       }},
      {"GetWeeklyProgress", 0,
       [&] {
         return SignedInCall(progress, &ProgressStub::GetWeeklyProgress,
                             progress::v1::GetWeeklyProgressRequest(), t)
             .status();
       }},
      // Nothing changed since: the week view answers (issue 20).
      {"GetWeeklyProgress (unchanged)", 1,
       [&] {
         return SignedInCall(progress, &ProgressStub::GetWeeklyProgress,
                             progress::v1::GetWeeklyProgressRequest(), t)
             .status();
       }},
  };
  for (const auto& [name, want, rpc] : rpcs) {
    const int got = RoundTrips(user.id, rpc);
    Figure(absl::StrCat("round_trips.", name), absl::StrCat(got));
    if (want > 0) {
      EXPECT_EQ(got, want) << name;
    }
  }
}

}  // namespace
}  // namespace gracilis::reliability
