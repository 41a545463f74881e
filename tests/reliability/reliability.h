#pragma once

// What the reliability tests (issue 8) share: how long to run, how a figure
// is reported, real accounts on a TestStack, and the requests phones send.
//
// Every test asserts the guarantee (zero where zero is promised) and prints
// its figures as "figure <name>: <value>" lines, which tests/reliability/report
// gathers into RELIABILITY.md. GRACILIS_RELIABILITY_SCALE (default 1, as in
// CI) multiplies the counts and durations for longer runs by hand.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gracilis/account/v1/account.grpc.pb.h"
#include "gracilis/plan/v1/plan.grpc.pb.h"
#include "gracilis/progress/v1/progress.grpc.pb.h"
#include "gracilis/workout/v1/workout.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "tests/e2e/test_stack.h"

namespace gracilis::reliability {

int Scale();

// Prints "figure <name>: <value>" and records it as a property of the test.
void Figure(const std::string& name, const std::string& value);

// A channel that reconnects within 100-500 ms after its server comes back,
// as a phone app configures its own, so that a restart is measured rather
// than gRPC's default reconnect backoff (up to 2 minutes).
std::shared_ptr<grpc::Channel> QuickReconnectChannel(
    const std::string& address);

// Registers `count` new accounts through the account service at `address`
// and returns their session tokens.
absl::StatusOr<std::vector<std::string>> RegisterUsers(
    const std::string& account_address, int count);

inline constexpr char kPassword[] = "correct horse battery staple";

// A stub per service, straight to the services of a stack (not through the
// gateway).
struct Clients {
  std::unique_ptr<account::v1::AccountService::Stub> accounts;
  std::unique_ptr<plan::v1::PlanService::Stub> plans;
  std::unique_ptr<workout::v1::WorkoutService::Stub> workouts;
  std::unique_ptr<progress::v1::ProgressService::Stub> progress;
  static Clients Direct(const testing::TestStack& stack);
};

struct User {
  std::string id;  // 24 hex digits
  std::string email;
  std::string token;
  std::string plan;  // "users/<id>/plans/<plan id>"
};

// A registered user (password kPassword) with a complete profile, a plan, a
// finished workout "done" and a live one "live".
absl::StatusOr<User> NewTrainingUser(Clients& clients,
                                     const std::string& email);

// Every Redis key of `user` with its DUMP (value and type, not TTL).
std::map<std::string, std::string> UserKeys(testing::TestStack& stack,
                                            const User& user);

// One line that changes whenever any of `user`'s data changes: a hash of
// every key of the user's slot but the sessions (each call touches its
// session) with its DUMP, and the number of keys in the whole store, in
// one redis-cli call (cheap enough to take after every call).
std::string UserDataDigest(testing::TestStack& stack, const User& user);

// A valid strength set with this id, performed a minute ago.
workout::v1::StrengthSet SumoSquat(const std::string& set_id, int reps = 10);

// A finished workout recorded offline `days_ago` days ago, with `sets` sets
// whose ids start with the workout's.
workout::v1::Workout OfflineWorkout(const std::string& workout_id, int days_ago,
                                    int sets = 3);

// "p50 <a> ms, max <b> ms" of `samples`.
std::string Spread(std::vector<absl::Duration> samples);

}  // namespace gracilis::reliability
