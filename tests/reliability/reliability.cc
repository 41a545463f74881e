#include "tests/reliability/reliability.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/clock/timestamp.h"
#include "common/testing/signed_in_call.h"
#include "gracilis/account/v1/account.grpc.pb.h"
#include "gtest/gtest.h"
#include "tools/seed/synthetic_users.h"

namespace gracilis::reliability {

int Scale() {
  static const int scale = [] {
    const char* text = std::getenv("GRACILIS_RELIABILITY_SCALE");
    int value = 1;
    if (text != nullptr && (!absl::SimpleAtoi(text, &value) || value < 1)) {
      value = 1;
    }
    return value;
  }();
  return scale;
}

void Figure(const std::string& name, const std::string& value) {
  std::cout << "figure " << name << ": " << value << std::endl;
  ::testing::Test::RecordProperty(name, value);
}

std::shared_ptr<grpc::Channel> QuickReconnectChannel(
    const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   args);
}

absl::StatusOr<std::vector<std::string>> RegisterUsers(
    const std::string& account_address, int count) {
  auto stub = account::v1::AccountService::NewStub(
      grpc::CreateChannel(account_address, grpc::InsecureChannelCredentials()));
  const int64_t run = absl::ToUnixNanos(absl::Now());
  std::vector<std::string> tokens;
  for (int i = 0; i < count; ++i) {
    account::v1::RegisterRequest request;
    request.set_request_id(absl::StrFormat("reg-%x-%d", run, i));
    request.set_email(absl::StrFormat("user%d.%x@example.com", i, run));
    request.set_password("correct horse battery staple");
    absl::StatusOr<account::v1::RegisterResponse> registered =
        testing::SignedInCall(
            *stub, &account::v1::AccountService::Stub::Register, request, "");
    if (!registered.ok()) {
      return registered.status();
    }
    tokens.push_back(registered->session().token());
  }
  return tokens;
}

workout::v1::StrengthSet SumoSquat(const std::string& set_id, int reps) {
  workout::v1::StrengthSet set;
  set.set_set_id(set_id);
  set.set_exercise_id("sumo_squat");
  set.set_variant("goblet");
  set.set_reps(reps);
  set.mutable_load()->set_value(16);
  set.mutable_load()->set_unit(type::v1::MASS_UNIT_KILOGRAM);
  *set.mutable_performed_time() = ToTimestamp(absl::Now() - absl::Minutes(1));
  return set;
}

workout::v1::Workout OfflineWorkout(const std::string& workout_id, int days_ago,
                                    int sets) {
  workout::v1::Workout workout;
  workout.set_workout_id(workout_id);
  const absl::Time start =
      absl::Now() - absl::Hours(24 * days_ago) - absl::Hours(2);
  *workout.mutable_start_time() = ToTimestamp(start);
  *workout.mutable_end_time() = ToTimestamp(start + absl::Hours(1));
  for (int i = 0; i < sets; ++i) {
    workout::v1::StrengthSet& set = *workout.add_sets();
    set = SumoSquat(absl::StrCat(workout_id, "-s", i), 8 + i);
    *set.mutable_performed_time() = ToTimestamp(start + absl::Minutes(5 + i));
  }
  return workout;
}

Clients Clients::Direct(const testing::TestStack& stack) {
  auto channel = [&](const std::string& service) {
    return grpc::CreateChannel(stack.service_address(service),
                               grpc::InsecureChannelCredentials());
  };
  Clients clients;
  clients.accounts =
      account::v1::AccountService::NewStub(channel("gracilis-account"));
  clients.plans = plan::v1::PlanService::NewStub(channel("gracilis-plan"));
  clients.workouts =
      workout::v1::WorkoutService::NewStub(channel("gracilis-workout"));
  clients.progress =
      progress::v1::ProgressService::NewStub(channel("gracilis-progress"));
  return clients;
}

absl::StatusOr<User> NewTrainingUser(Clients& clients,
                                     const std::string& email) {
  using testing::SignedInCall;
  User user;
  user.email = email;
  account::v1::RegisterRequest request;
  request.set_request_id(absl::StrCat("r-", absl::ToUnixNanos(absl::Now())));
  request.set_email(email);
  request.set_password(kPassword);
  absl::StatusOr<account::v1::RegisterResponse> registered =
      SignedInCall(*clients.accounts,
                   &account::v1::AccountService::Stub::Register, request, "");
  if (!registered.ok()) {
    return registered.status();
  }
  user.token = registered->session().token();
  user.id =
      std::string(absl::StripPrefix(registered->profile().name(), "users/"));
  // The seeded users' profile (gracilis-seed), without its output-only
  // name and email.
  account::v1::UpdateProfileRequest update;
  *update.mutable_profile() = seed::SyntheticProfile(0);
  update.mutable_profile()->clear_name();
  update.mutable_profile()->clear_email();
  for (const char* path :
       {"body_weight", "height", "birth_year", "sex", "experience_level",
        "equipment", "training_days_per_week", "goal", "time_zone"}) {
    update.mutable_update_mask()->add_paths(path);
  }
  if (absl::Status updated =
          SignedInCall(*clients.accounts,
                       &account::v1::AccountService::Stub::UpdateProfile,
                       update, user.token)
              .status();
      !updated.ok()) {
    return updated;
  }
  plan::v1::GeneratePlanRequest generate;
  generate.set_request_id("plan-1");
  generate.set_running_level(plan::v1::RUNNING_LEVEL_CASUAL);
  absl::StatusOr<plan::v1::Plan> plan =
      SignedInCall(*clients.plans, &plan::v1::PlanService::Stub::GeneratePlan,
                   generate, user.token);
  if (!plan.ok()) {
    return plan.status();
  }
  user.plan = plan->name();
  workout::v1::SyncWorkoutsRequest sync;
  *sync.add_workouts() = OfflineWorkout("done", 1);
  if (absl::Status synced =
          SignedInCall(*clients.workouts,
                       &workout::v1::WorkoutService::Stub::SyncWorkouts, sync,
                       user.token)
              .status();
      !synced.ok()) {
    return synced;
  }
  workout::v1::StartWorkoutRequest start;
  start.mutable_workout()->set_workout_id("live");
  if (absl::Status started =
          SignedInCall(*clients.workouts,
                       &workout::v1::WorkoutService::Stub::StartWorkout, start,
                       user.token)
              .status();
      !started.ok()) {
    return started;
  }
  return user;
}

std::map<std::string, std::string> UserKeys(testing::TestStack& stack,
                                            const User& user) {
  std::map<std::string, std::string> dump;
  for (absl::string_view key :
       absl::StrSplit(stack.redis().Cli(absl::StrCat(
                          "--scan --pattern '{u:", user.id, "}:*'")),
                      '\n', absl::SkipEmpty())) {
    dump[std::string(key)] = stack.redis().Cli(
        absl::StrCat("--no-raw DUMP '", std::string(key), "'"));
  }
  return dump;
}

std::string UserDataDigest(testing::TestStack& stack, const User& user) {
  // SCAN inside the script runs on the node that owns the user's slot
  // (redis-cli -c follows the key); keys are deduplicated, as SCAN may
  // return one twice, and sorted.
  static constexpr absl::string_view kScript =
      "local seen, keys, cursor = {}, {}, '0' "
      "repeat "
      "  local r = redis.call('SCAN', cursor, 'MATCH', ARGV[1], 'COUNT', 1000) "
      "  cursor = r[1] "
      "  for _, k in ipairs(r[2]) do "
      "    if not seen[k] and not string.find(k, ':session', 1, true) then "
      "      seen[k] = true; keys[#keys + 1] = k "
      "    end "
      "  end "
      "until cursor == '0' "
      "table.sort(keys) "
      "local parts = {} "
      "for i, k in ipairs(keys) do parts[i] = k .. '=' .. redis.call('DUMP', "
      "k) end "
      "return redis.sha1hex(table.concat(parts, '\\n'))";
  const std::string tag = absl::StrCat("{u:", user.id, "}");
  return absl::StrCat(
      stack.redis().Cli("DBSIZE"), " keys, user ",
      stack.redis().Cli(absl::StrCat("EVAL \"", kScript, "\" 1 '", tag,
                                     ":profile' '", tag, ":*'")));
}

std::string Spread(std::vector<absl::Duration> samples) {
  if (samples.empty()) {
    return "none";
  }
  std::sort(samples.begin(), samples.end());
  return absl::StrFormat(
      "p50 %.0f ms, max %.0f ms",
      absl::ToDoubleMilliseconds(samples[samples.size() / 2]),
      absl::ToDoubleMilliseconds(samples.back()));
}

}  // namespace gracilis::reliability
