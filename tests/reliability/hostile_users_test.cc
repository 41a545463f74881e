// Hostile users (issue 8, items 6 and 7; OWASP API Security Top 10 2023,
// API1 and API2), against the real binaries of a TestStack: another user's
// objects, output-only fields, forged and ended tokens, secrets at rest and
// password guessing. Each test asserts its guarantee and prints its figures.

#include <atomic>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/auth/session_store.h"
#include "common/auth/session_token.h"
#include "common/clock/timestamp.h"
#include "common/status/status_matchers.h"
#include "common/testing/signed_in_call.h"
#include "gracilis/account/v1/account.grpc.pb.h"
#include "gracilis/plan/v1/plan.grpc.pb.h"
#include "gracilis/progress/v1/progress.grpc.pb.h"
#include "gtest/gtest.h"
#include "services/workout/domain/gpx_testing.h"
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
using testing::MailedCode;
using testing::RunCommand;
using testing::SignedInCall;
using testing::TestStack;
using testing::WaitUntil;

// The calls that name one of a user's objects, each with a valid request
// for the objects NewTrainingUser makes (a plan, the workouts "done" and
// "live"): `owner` ("users/<id>" or "users/me") names the plan and
// workouts, `profile` the profile ("" for the caller's own).
struct Target {
  std::string owner;
  std::string profile;
  std::string plan_id;
  std::string session_id;  // one of the owner's sessions
};
using ObjectCall =
    std::function<absl::Status(const Target& target, const std::string& token)>;

std::vector<std::pair<std::string, ObjectCall>> ObjectCalls(
    const Clients& clients) {
  AccountStub& accounts = *clients.accounts;
  PlanStub& plans = *clients.plans;
  WorkoutStub& workouts = *clients.workouts;
  auto plan = [](const Target& x) {
    return absl::StrCat(x.owner, "/plans/", x.plan_id);
  };
  auto workout = [](const Target& x, const char* id) {
    return absl::StrCat(x.owner, "/workouts/", id);
  };
  auto unique = [](const char* prefix) {
    return absl::StrCat(prefix, absl::ToUnixNanos(absl::Now()));
  };
  return {
      {"RevokeSession",
       [&accounts](const Target& x, const std::string& t) {
         av1::RevokeSessionRequest r;
         r.set_name(absl::StrCat(x.owner, "/sessions/", x.session_id));
         return SignedInCall(accounts, &AccountStub::RevokeSession, r, t)
             .status();
       }},
      {"GetProfile",
       [&accounts](const Target& x, const std::string& t) {
         av1::GetProfileRequest r;
         r.set_name(x.profile);
         return SignedInCall(accounts, &AccountStub::GetProfile, r, t).status();
       }},
      {"UpdateProfile",
       [&accounts](const Target& x, const std::string& t) {
         av1::UpdateProfileRequest r;
         r.mutable_profile()->set_name(x.profile);
         r.mutable_profile()->set_training_days_per_week(6);
         r.mutable_update_mask()->add_paths("training_days_per_week");
         return SignedInCall(accounts, &AccountStub::UpdateProfile, r, t)
             .status();
       }},
      {"GetPlan",
       [&plans, plan](const Target& x, const std::string& t) {
         pv1::GetPlanRequest r;
         r.set_name(plan(x));
         return SignedInCall(plans, &PlanStub::GetPlan, r, t).status();
       }},
      {"ListPlanRevisions",
       [&plans, plan](const Target& x, const std::string& t) {
         pv1::ListPlanRevisionsRequest r;
         r.set_name(plan(x));
         return SignedInCall(plans, &PlanStub::ListPlanRevisions, r, t)
             .status();
       }},
      {"GetPlanWeek",
       [&plans, plan](const Target& x, const std::string& t) {
         pv1::GetPlanWeekRequest r;
         r.set_plan(plan(x));
         r.set_week_number(1);
         return SignedInCall(plans, &PlanStub::GetPlanWeek, r, t).status();
       }},
      {"GetPlanDay",
       [&plans, plan](const Target& x, const std::string& t) {
         pv1::GetPlanDayRequest r;
         r.set_plan(plan(x));
         return SignedInCall(plans, &PlanStub::GetPlanDay, r, t).status();
       }},
      {"AdaptPlan",
       [&plans, plan, unique](const Target& x, const std::string& t) {
         pv1::AdaptPlanRequest r;
         r.set_request_id(unique("adapt-"));
         r.set_plan(plan(x));
         r.set_week_number(1);
         r.set_sessions_planned(3);
         r.set_sessions_done(3);
         return SignedInCall(plans, &PlanStub::AdaptPlan, r, t).status();
       }},
      {"GetWorkout",
       [&workouts, workout](const Target& x, const std::string& t) {
         wv1::GetWorkoutRequest r;
         r.set_name(workout(x, "done"));
         return SignedInCall(workouts, &WorkoutStub::GetWorkout, r, t).status();
       }},
      {"LogSet",
       [&workouts, workout, unique](const Target& x, const std::string& t) {
         wv1::LogSetRequest r;
         r.set_workout(workout(x, "live"));
         *r.mutable_set() = SumoSquat(unique("probe-"));
         return SignedInCall(workouts, &WorkoutStub::LogSet, r, t).status();
       }},
      {"LogRun",
       [&workouts, workout, unique](const Target& x, const std::string& t) {
         wv1::LogRunRequest r;
         r.set_workout(workout(x, "live"));
         wv1::Run& run = *r.mutable_run();
         run.set_run_id(unique("probe-"));
         run.set_type(type::v1::RUN_TYPE_EASY);
         run.mutable_distance()->set_value(3);
         run.mutable_distance()->set_unit(type::v1::LENGTH_UNIT_KILOMETER);
         run.set_duration_seconds(1200);
         *run.mutable_start_time() =
             ToTimestamp(absl::Now() - absl::Minutes(30));
         return SignedInCall(workouts, &WorkoutStub::LogRun, r, t).status();
       }},
      {"FinishWorkout",
       [&workouts, workout](const Target& x, const std::string& t) {
         wv1::FinishWorkoutRequest r;
         r.set_workout(workout(x, "live"));
         return SignedInCall(workouts, &WorkoutStub::FinishWorkout, r, t)
             .status();
       }},
      {"AbandonWorkout",
       [&workouts, workout](const Target& x, const std::string& t) {
         wv1::AbandonWorkoutRequest r;
         r.set_workout(workout(x, "live"));
         return SignedInCall(workouts, &WorkoutStub::AbandonWorkout, r, t)
             .status();
       }},
      {"UpdateWorkout",
       [&workouts, workout](const Target& x, const std::string& t) {
         wv1::UpdateWorkoutRequest r;
         r.mutable_workout()->set_name(workout(x, "done"));
         r.mutable_workout()->set_notes("changed");
         r.mutable_update_mask()->add_paths("notes");
         return SignedInCall(workouts, &WorkoutStub::UpdateWorkout, r, t)
             .status();
       }},
      {"DeleteWorkout",
       [&workouts, workout](const Target& x, const std::string& t) {
         wv1::DeleteWorkoutRequest r;
         r.set_name(workout(x, "done"));
         return SignedInCall(workouts, &WorkoutStub::DeleteWorkout, r, t)
             .status();
       }},
  };
}

class HostileUsersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(stack_.Start(), IsOk());
    clients_ = Clients::Direct(stack_);
    accounts_ = clients_.accounts.get();
    plans_ = clients_.plans.get();
    workouts_ = clients_.workouts.get();
    progress_ = clients_.progress.get();
  }
  User NewUser(const std::string& email) {
    absl::StatusOr<User> user = NewTrainingUser(clients_, email);
    EXPECT_THAT(user.status(), IsOk());
    return user.ok() ? *user : User();
  }
  std::map<std::string, std::string> Snapshot(const User& user) {
    return UserKeys(stack_, user);
  }

  TestStack stack_;
  Clients clients_;
  AccountStub* accounts_ = nullptr;
  PlanStub* plans_ = nullptr;
  WorkoutStub* workouts_ = nullptr;
  ProgressStub* progress_ = nullptr;
};

// Item 6 (API1, broken object-level authorization): for every RPC that names
// an object, Mallory's token on Bob's objects, named with Bob's user id or
// with "me", succeeds 0 of N times, and Bob's keys stay byte for byte the
// same.
TEST_F(HostileUsersTest, AnotherUsersObjectsAreNeverReachable) {
  const int n = 10 * Scale();
  const User bob = NewUser("bob@example.com");
  const User mallory = NewUser("mallory@example.com");
  ASSERT_FALSE(bob.plan.empty());
  const std::map<std::string, std::string> before = Snapshot(bob);
  ASSERT_GT(before.size(), 5u);

  const std::string bob_user = absl::StrCat("users/", bob.id);
  const std::vector<std::string> plan_parts = absl::StrSplit(bob.plan, '/');
  ASSERT_EQ(plan_parts.size(), 4u);
  const std::string& plan_id = plan_parts[3];
  const std::string bob_session =
      SessionId(ParseSessionToken(bob.token)->secret_hash);
  // Bob's objects by his user id, and as if they were Mallory's ("me").
  const std::vector<std::string> owners = {bob_user, "users/me"};
  const std::vector<std::pair<std::string, ObjectCall>> attempts =
      ObjectCalls(clients_);
  std::map<std::string, int> succeeded;
  for (const auto& [rpc, attempt] : attempts) {
    for (int i = 0; i < n; ++i) {
      const std::string& owner = owners[i % owners.size()];
      // The profile is named by id only: "me" would be Mallory's own.
      const absl::Status status =
          attempt(Target{owner, bob_user, plan_id, bob_session}, mallory.token);
      // "me" names Mallory's own objects: the workout "live" and "done"
      // exist for her too, so that attempt may succeed on hers. Success is
      // only a breach when Bob's keys change, checked below; with Bob's id
      // it is a breach outright.
      if (owner == bob_user) {
        succeeded[rpc] += status.ok() ? 1 : 0;
        EXPECT_TRUE(absl::IsNotFound(status) ||
                    absl::IsPermissionDenied(status))
            << rpc << " on Bob's object answered " << status;
      }
    }
  }
  const std::map<std::string, std::string> after = Snapshot(bob);
  int changed = 0;
  for (const auto& [key, dump] : before) {
    auto it = after.find(key);
    changed += it == after.end() || it->second != dump ? 1 : 0;
  }
  for (const auto& [key, dump] : after) {
    changed += before.count(key) == 0 ? 1 : 0;
  }
  int total = 0;
  for (const auto& [rpc, count] : succeeded) {
    total += count;
  }
  Figure("object_authorization.rpcs", absl::StrCat(attempts.size()));
  Figure("object_authorization.succeeded_on_another_users_object",
         absl::StrCat(total, " of ", attempts.size() * (n / 2)));
  Figure("object_authorization.other_users_keys_changed",
         absl::StrCat(changed, " of ", before.size()));
  EXPECT_EQ(total, 0);
  EXPECT_EQ(changed, 0);
}

// Item 6, output-only fields: a client that writes names, versions, times or
// normalised values gets them ignored (the server's own values come back and
// nothing lands in another user's keys) or refused.
TEST_F(HostileUsersTest, OutputOnlyFieldsWrittenByClientsAreIgnored) {
  const User bob = NewUser("bob@example.com");
  const User mallory = NewUser("mallory@example.com");
  const std::map<std::string, std::string> before = Snapshot(bob);
  const std::string bob_user = absl::StrCat("users/", bob.id);
  const std::string& t = mallory.token;
  int ignored = 0, refused = 0, honoured = 0;
  auto judge = [&](const std::string& what, const absl::Status& status,
                   bool server_values) {
    if (!status.ok()) {
      refused += 1;
    } else if (server_values) {
      ignored += 1;
    } else {
      honoured += 1;
      ADD_FAILURE() << what << ": a client-written output-only field stuck";
    }
  };

  wv1::SyncWorkoutsRequest sync;
  wv1::Workout& forged = *sync.add_workouts() = OfflineWorkout("forged", 2);
  forged.set_name(absl::StrCat(bob_user, "/workouts/forged"));
  forged.set_version(99);
  *forged.mutable_update_time() = ToTimestamp(absl::FromUnixSeconds(0));
  forged.mutable_sets(0)->set_load_kg(999);
  absl::StatusOr<wv1::SyncWorkoutsResponse> synced =
      SignedInCall(*workouts_, &WorkoutStub::SyncWorkouts, sync, t);
  const bool sync_stored = synced.ok() && synced->results_size() == 1 &&
                           synced->results(0).code() == 0;
  if (sync_stored) {
    const wv1::Workout& stored = synced->results(0).workout();
    judge("SyncWorkouts", absl::OkStatus(),
          stored.name() ==
                  absl::StrCat("users/", mallory.id, "/workouts/forged") &&
              stored.version() != 99 && stored.update_time().seconds() > 0 &&
              stored.sets(0).load_kg() == 16);
  } else {
    judge("SyncWorkouts", absl::InvalidArgumentError("refused"), false);
  }

  wv1::LogSetRequest log;
  log.set_workout("users/me/workouts/live");
  *log.mutable_set() = SumoSquat("forged-set");
  log.mutable_set()->set_load_kg(999);
  absl::StatusOr<wv1::StrengthSet> set =
      SignedInCall(*workouts_, &WorkoutStub::LogSet, log, t);
  judge("LogSet", set.status(), set.ok() && set->load_kg() == 16);

  av1::UpdateProfileRequest update;
  update.mutable_profile()->set_name("users/me");
  update.mutable_profile()->set_training_days_per_week(4);
  update.mutable_profile()->set_email("bob@example.com");
  absl::StatusOr<av1::Profile> profile =
      SignedInCall(*accounts_, &AccountStub::UpdateProfile, update, t);
  judge("UpdateProfile (email is output only)", profile.status(),
        profile.ok() && profile->email() == "mallory@example.com" &&
            profile->name() == absl::StrCat("users/", mallory.id));

  Figure("output_only_fields.ignored", absl::StrCat(ignored));
  Figure("output_only_fields.refused", absl::StrCat(refused));
  Figure("output_only_fields.honoured", absl::StrCat(honoured, " of 3"));
  EXPECT_EQ(honoured, 0);
  EXPECT_EQ(Snapshot(bob), before);
}

// Item 7 (API2, broken authentication): random, tampered, expired, idle
// and revoked tokens are refused by every service, N of N.
TEST_F(HostileUsersTest, ForgedAndEndedTokensAreRefusedByEveryService) {
  const int n = 10 * Scale();
  absl::BitGen random;
  const User ann = NewUser("ann@example.com");
  std::vector<std::pair<std::string, std::string>> tokens;  // kind, token
  for (int i = 0; i < n; ++i) {
    std::string junk(absl::Uniform(random, 1, 200), ' ');
    for (char& c : junk) {
      c = static_cast<char>(absl::Uniform(random, 33, 127));
    }
    tokens.push_back({"random", junk});
    std::string tampered = ann.token;
    const size_t at = absl::Uniform<size_t>(random, 0, tampered.size());
    tampered[at] = tampered[at] == 'a' ? 'b' : 'a';
    tokens.push_back({"tampered", tampered});
  }
  // Ended sessions: each made for the purpose by logging in again.
  auto login = [&] {
    av1::LoginRequest request;
    request.set_email(ann.email);
    request.set_password(kPassword);
    absl::StatusOr<av1::LoginResponse> session =
        SignedInCall(*accounts_, &AccountStub::Login, request, "");
    EXPECT_THAT(session.status(), IsOk());
    return session.ok() ? session->session().token() : "";
  };
  // The session key of a token (the hash is the server's business: found as
  // the one key that appeared).
  auto session_keys = [&] {
    std::vector<std::string> keys =
        absl::StrSplit(stack_.redis().Cli(absl::StrCat(
                           "--scan --pattern '{u:", ann.id, "}:session:*'")),
                       '\n', absl::SkipEmpty());
    std::sort(keys.begin(), keys.end());
    return keys;
  };
  for (int i = 0; i < n; ++i) {
    const std::vector<std::string> old_keys = session_keys();
    const std::string token = login();
    std::vector<std::string> new_keys;
    for (const std::string& key : session_keys()) {
      if (!std::binary_search(old_keys.begin(), old_keys.end(), key)) {
        new_keys.push_back(key);
      }
    }
    ASSERT_EQ(new_keys.size(), 1u);
    switch (i % 3) {
      case 0:  // past its absolute lifetime: the stored expiry is behind us
        stack_.redis().Cli(absl::StrCat("SET '", new_keys[0], "' ",
                                        absl::ToUnixMillis(absl::Now()) - 1000,
                                        " KEEPTTL"));
        tokens.push_back({"expired", token});
        break;
      case 1:  // idle too long: Redis let the key's idle TTL run out
        stack_.redis().Cli(absl::StrCat("PEXPIRE '", new_keys[0], "' 1"));
        tokens.push_back({"idle", token});
        break;
      case 2: {  // logged out
        EXPECT_THAT(SignedInCall(*accounts_, &AccountStub::Logout,
                                 av1::LogoutRequest(), token)
                        .status(),
                    IsOk());
        tokens.push_back({"revoked", token});
        break;
      }
    }
  }
  absl::SleepFor(absl::Milliseconds(20));  // the idle keys' 1 ms passes

  using Probe = std::function<absl::Status(const std::string&)>;
  const std::vector<std::pair<std::string, Probe>> services = {
      {"account",
       [&](const std::string& token) {
         return SignedInCall(*accounts_, &AccountStub::GetProfile,
                             av1::GetProfileRequest(), token)
             .status();
       }},
      {"plan",
       [&](const std::string& token) {
         pv1::GetPlanRequest r;
         r.set_name(ann.plan);
         return SignedInCall(*plans_, &PlanStub::GetPlan, r, token).status();
       }},
      {"workout",
       [&](const std::string& token) {
         return SignedInCall(*workouts_, &WorkoutStub::GetActiveWorkout,
                             wv1::GetActiveWorkoutRequest(), token)
             .status();
       }},
      {"progress",
       [&](const std::string& token) {
         return SignedInCall(*progress_, &ProgressStub::GetProgressSummary,
                             progress::v1::GetProgressSummaryRequest(), token)
             .status();
       }},
  };
  std::map<std::string, std::pair<int, int>> by_kind;  // accepted, tried
  for (const auto& [service, probe] : services) {
    ASSERT_THAT(probe(ann.token), IsOk()) << service << " refuses a good token";
    for (const auto& [kind, token] : tokens) {
      const absl::Status status = probe(token);
      by_kind[kind].first += absl::IsUnauthenticated(status) ? 0 : 1;
      by_kind[kind].second += 1;
      EXPECT_TRUE(absl::IsUnauthenticated(status))
          << service << " answered " << status << " to a " << kind << " token";
    }
  }
  for (const auto& [kind, counts] : by_kind) {
    Figure(absl::StrCat("tokens.", kind, ".accepted"),
           absl::StrCat(counts.first, " of ", counts.second, " (4 services)"));
    EXPECT_EQ(counts.first, 0) << kind;
  }
}

// Issue 20: the session is checked inside each operation's own Redis call.
// An expired, idle-expired or revoked token is refused by its very next
// call of every user-scoped RPC (each request valid, so only the session
// can refuse it), and nothing of the user changes.
TEST_F(HostileUsersTest, EndedTokensAreRefusedByEveryUserScopedRpc) {
  const User ann = NewUser("ann@example.com");
  const std::string plan = ann.plan;
  const std::vector<std::string> plan_parts = absl::StrSplit(plan, '/');
  ASSERT_EQ(plan_parts.size(), 4u);
  const std::string& plan_id = plan_parts[3];
  auto login = [&] {
    av1::LoginRequest request;
    request.set_email(ann.email);
    request.set_password(kPassword);
    absl::StatusOr<av1::LoginResponse> session =
        SignedInCall(*accounts_, &AccountStub::Login, request, "");
    EXPECT_THAT(session.status(), IsOk());
    return session.ok() ? session->session().token() : "";
  };
  auto session_keys = [&] {
    return std::set<std::string>(
        absl::StrSplit(stack_.redis().Cli(absl::StrCat(
                           "--scan --pattern '{u:", ann.id, "}:session:*'")),
                       '\n', absl::SkipEmpty()));
  };
  // One token of each kind, ended the way the hostile tokens test ends them.
  std::vector<std::pair<std::string, std::string>> ended;  // kind, token
  for (const char* kind : {"expired", "idle", "revoked"}) {
    const std::set<std::string> old_keys = session_keys();
    const std::string token = login();
    std::string key;
    for (const std::string& k : session_keys()) {
      key = old_keys.count(k) == 0 ? k : key;
    }
    ASSERT_FALSE(key.empty());
    if (std::string(kind) == "expired") {
      stack_.redis().Cli(absl::StrCat("SET '", key, "' ",
                                      absl::ToUnixMillis(absl::Now()) - 1000,
                                      " KEEPTTL"));
    } else if (std::string(kind) == "idle") {
      stack_.redis().Cli(absl::StrCat("PEXPIRE '", key, "' 1"));
    } else {
      ASSERT_THAT(SignedInCall(*accounts_, &AccountStub::Logout,
                               av1::LogoutRequest(), token)
                      .status(),
                  IsOk());
    }
    ended.push_back({kind, token});
  }
  absl::SleepFor(absl::Milliseconds(20));  // the idle key's 1 ms passes
  // The user's keys but sessions (an ended session's key may go).
  auto data = [&] {
    std::map<std::string, std::string> keys;
    for (auto& [key, dump] : Snapshot(ann)) {
      if (!absl::StrContains(key, ":session")) {
        keys[key] = dump;
      }
    }
    return keys;
  };
  const std::map<std::string, std::string> before = data();

  using Probe = std::function<absl::Status(const std::string& token)>;
  auto unique = [](const char* prefix) {
    return absl::StrCat(prefix, absl::ToUnixNanos(absl::Now()));
  };
  std::vector<std::pair<std::string, Probe>> rpcs = {
      {"Logout",
       [&](const std::string& t) {
         return SignedInCall(*accounts_, &AccountStub::Logout,
                             av1::LogoutRequest(), t)
             .status();
       }},
      {"DeleteAccount",
       [&](const std::string& t) {
         av1::DeleteAccountRequest r;
         r.set_password(kPassword);
         return SignedInCall(*accounts_, &AccountStub::DeleteAccount, r, t)
             .status();
       }},
      {"ChangePassword",
       [&](const std::string& t) {
         av1::ChangePasswordRequest r;
         r.set_current_password(kPassword);
         r.set_new_password("a password the probe sets");
         return SignedInCall(*accounts_, &AccountStub::ChangePassword, r, t)
             .status();
       }},
      {"ImportRun",
       [&](const std::string& t) {
         wv1::ImportRunRequest r;
         r.set_gpx(
             workout::gpx_testing::Gpx({workout::gpx_testing::OutAndBack()}));
         return SignedInCall(*workouts_, &WorkoutStub::ImportRun, r, t)
             .status();
       }},
      {"RequestEmailChange",
       [&](const std::string& t) {
         av1::RequestEmailChangeRequest r;
         r.set_new_email("probe@example.com");
         r.set_password(kPassword);
         return SignedInCall(*accounts_, &AccountStub::RequestEmailChange, r, t)
             .status();
       }},
      {"RequestEmailVerification",
       [&](const std::string& t) {
         return SignedInCall(*accounts_, &AccountStub::RequestEmailVerification,
                             av1::RequestEmailVerificationRequest(), t)
             .status();
       }},
      {"ListSessions",
       [&](const std::string& t) {
         return SignedInCall(*accounts_, &AccountStub::ListSessions,
                             av1::ListSessionsRequest(), t)
             .status();
       }},
      {"RevokeOtherSessions",
       [&](const std::string& t) {
         return SignedInCall(*accounts_, &AccountStub::RevokeOtherSessions,
                             av1::RevokeOtherSessionsRequest(), t)
             .status();
       }},
      {"GeneratePlan",
       [&](const std::string& t) {
         pv1::GeneratePlanRequest r;
         r.set_request_id(unique("generate-"));
         return SignedInCall(*plans_, &PlanStub::GeneratePlan, r, t).status();
       }},
      {"ListExercises",
       [&](const std::string& t) {
         return SignedInCall(*plans_, &PlanStub::ListExercises,
                             pv1::ListExercisesRequest(), t)
             .status();
       }},
      {"RequestPlanChange",
       [&](const std::string& t) {
         pv1::RequestPlanChangeRequest r;
         r.set_request_id(unique("change-"));
         r.set_plan(plan);
         r.set_kind(pv1::RequestPlanChangeRequest::KIND_TOO_HARD);
         return SignedInCall(*plans_, &PlanStub::RequestPlanChange, r, t)
             .status();
       }},
      {"GetWeeklyProgress",
       [&](const std::string& t) {
         return SignedInCall(*progress_, &ProgressStub::GetWeeklyProgress,
                             progress::v1::GetWeeklyProgressRequest(), t)
             .status();
       }},
      {"ListWeeklyProgress",
       [&](const std::string& t) {
         return SignedInCall(*progress_, &ProgressStub::ListWeeklyProgress,
                             progress::v1::ListWeeklyProgressRequest(), t)
             .status();
       }},
      {"GetTrend",
       [&](const std::string& t) {
         progress::v1::GetTrendRequest r;
         r.set_metric(progress::v1::METRIC_BODY_WEIGHT_KG);
         return SignedInCall(*progress_, &ProgressStub::GetTrend, r, t)
             .status();
       }},
      {"GetProgressSummary",
       [&](const std::string& t) {
         return SignedInCall(*progress_, &ProgressStub::GetProgressSummary,
                             progress::v1::GetProgressSummaryRequest(), t)
             .status();
       }},
      {"StartWorkout",
       [&](const std::string& t) {
         wv1::StartWorkoutRequest r;
         r.mutable_workout()->set_workout_id(unique("start-"));
         return SignedInCall(*workouts_, &WorkoutStub::StartWorkout, r, t)
             .status();
       }},
      {"GetActiveWorkout",
       [&](const std::string& t) {
         return SignedInCall(*workouts_, &WorkoutStub::GetActiveWorkout,
                             wv1::GetActiveWorkoutRequest(), t)
             .status();
       }},
      {"SyncWorkouts",
       [&](const std::string& t) {
         wv1::SyncWorkoutsRequest r;
         *r.add_workouts() = OfflineWorkout(unique("sync-"), 2);
         return SignedInCall(*workouts_, &WorkoutStub::SyncWorkouts, r, t)
             .status();
       }},
      {"ListWorkouts",
       [&](const std::string& t) {
         return SignedInCall(*workouts_, &WorkoutStub::ListWorkouts,
                             wv1::ListWorkoutsRequest(), t)
             .status();
       }},
      {"ListChanges",
       [&](const std::string& t) {
         return SignedInCall(*workouts_, &WorkoutStub::ListChanges,
                             wv1::ListChangesRequest(), t)
             .status();
       }},
      {"LogBodyMeasurement",
       [&](const std::string& t) {
         wv1::LogBodyMeasurementRequest r;
         r.mutable_measurement()->set_measurement_id(unique("m-"));
         *r.mutable_measurement()->mutable_measure_time() =
             ToTimestamp(absl::Now() - absl::Minutes(5));
         r.mutable_measurement()->mutable_body_weight()->set_value(70);
         r.mutable_measurement()->mutable_body_weight()->set_unit(
             type::v1::MASS_UNIT_KILOGRAM);
         return SignedInCall(*workouts_, &WorkoutStub::LogBodyMeasurement, r, t)
             .status();
       }},
      {"LogNutrition",
       [&](const std::string& t) {
         wv1::LogNutritionRequest r;
         const absl::CivilDay today =
             absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
         r.mutable_log()->mutable_date()->set_year(today.year());
         r.mutable_log()->mutable_date()->set_month(today.month());
         r.mutable_log()->mutable_date()->set_day(today.day());
         r.mutable_log()->set_protein_grams(120);
         return SignedInCall(*workouts_, &WorkoutStub::LogNutrition, r, t)
             .status();
       }},
      {"ListBodyMeasurements",
       [&](const std::string& t) {
         return SignedInCall(*workouts_, &WorkoutStub::ListBodyMeasurements,
                             wv1::ListBodyMeasurementsRequest(), t)
             .status();
       }},
      {"ListNutritionLogs",
       [&](const std::string& t) {
         return SignedInCall(*workouts_, &WorkoutStub::ListNutritionLogs,
                             wv1::ListNutritionLogsRequest(), t)
             .status();
       }},
  };
  // And every call that names one of her objects.
  const Target own{"users/me", "", plan_id, "0123456789abcdef"};
  for (auto& [rpc, call] : ObjectCalls(clients_)) {
    rpcs.push_back({rpc, [own, call = std::move(call)](const std::string& t) {
                      return call(own, t);
                    }});
  }
  int accepted = 0;
  for (const auto& [rpc, probe] : rpcs) {
    for (const auto& [kind, token] : ended) {
      const absl::Status status = probe(token);
      accepted += absl::IsUnauthenticated(status) ? 0 : 1;
      EXPECT_TRUE(absl::IsUnauthenticated(status))
          << rpc << " answered " << status << " to a " << kind << " token";
    }
  }
  Figure("ended_tokens.rpcs", absl::StrCat(rpcs.size()));
  Figure("ended_tokens.accepted",
         absl::StrCat(accepted, " of ", rpcs.size() * ended.size()));
  EXPECT_EQ(data(), before);
  // The user's own token still works everywhere it did.
  EXPECT_THAT(SignedInCall(*accounts_, &AccountStub::GetProfile,
                           av1::GetProfileRequest(), ann.token)
                  .status(),
              IsOk());
}

// Item 7: neither a raw token nor a password is kept: not in any Redis key
// or value, not in the append-only file, not in any service's, the
// mailer's or the gateway's log. Nor is a mailed code (reset and
// verification), which only the mail itself carries: not in the outbox,
// the mailer's log or the SMTP sink's log.
TEST_F(HostileUsersTest, NoRawTokenOrPasswordIsStoredOrLogged) {
  ASSERT_THAT(stack_.StartMail(), IsOk());
  const User ann = NewUser("ann@example.com");
  av1::RequestPasswordResetRequest reset;
  reset.set_email(ann.email);
  ASSERT_THAT(
      SignedInCall(*accounts_, &AccountStub::RequestPasswordReset, reset, "")
          .status(),
      IsOk());
  std::vector<std::string> codes;
  ASSERT_TRUE(WaitUntil([&] {
    codes.clear();
    for (const std::string& mail : stack_.smtp_sink().Mails()) {
      if (absl::StrContains(mail, ann.email)) {
        codes.push_back(MailedCode(mail));
      }
    }
    return codes.size() == 2;  // verification and reset
  })) << codes.size()
      << " mails";
  av1::LoginRequest login;
  login.set_email(ann.email);
  login.set_password(kPassword);
  absl::StatusOr<av1::LoginResponse> session =
      SignedInCall(*accounts_, &AccountStub::Login, login, "");
  ASSERT_THAT(session.status(), IsOk());
  login.set_password("a wrong password, also secret");
  EXPECT_FALSE(SignedInCall(*accounts_, &AccountStub::Login, login, "").ok());
  // Through the gateway too, so that its log is examined with a token in it.
  auto gateway_accounts = av1::AccountService::NewStub(stack_.GatewayChannel());
  ASSERT_THAT(SignedInCall(*gateway_accounts, &AccountStub::GetProfile,
                           av1::GetProfileRequest(), ann.token)
                  .status(),
              IsOk());
  stack_.redis().Cli("BGREWRITEAOF");
  absl::SleepFor(absl::Milliseconds(300));

  std::vector<std::string> secrets = {ann.token, session->session().token(),
                                      kPassword,
                                      "a wrong password, also secret"};
  for (const std::string& code : codes) {
    ASSERT_FALSE(code.empty());
    secrets.push_back(code.substr(code.find('.') + 1));  // its secret part
  }
  // Every key, and every value as redis-cli --scan and DUMP show it (DUMP
  // strings are stored raw inside the dump, so a plain search finds them).
  const std::string keys = stack_.redis().Cli("--scan");
  std::string redis_text = keys;
  for (absl::string_view key : absl::StrSplit(keys, '\n', absl::SkipEmpty())) {
    absl::StrAppend(
        &redis_text, "\n",
        stack_.redis().Cli(absl::StrCat("DUMP '", std::string(key), "'")));
  }
  const std::string files =
      RunCommand(absl::StrCat("cat ", stack_.redis().dir(), "/*/* ",
                              stack_.redis().dir(), "/*.* ", stack_.dir(),
                              "/*.log 2>/dev/null"),
                 /*with_stderr=*/false)
          .output +
      stack_.smtp_sink().Log();
  ASSERT_TRUE(absl::StrContains(files, "gracilis")) << "the logs were not read";
  int found = 0;
  for (const std::string& secret : secrets) {
    found += absl::StrContains(redis_text, secret) ? 1 : 0;
    found += absl::StrContains(files, secret) ? 1 : 0;
    EXPECT_FALSE(absl::StrContains(redis_text, secret)) << secret;
    EXPECT_FALSE(absl::StrContains(files, secret)) << secret;
  }
  Figure("secrets_at_rest.found",
         absl::StrCat(found, " of ", secrets.size(),
                      " secrets x (Redis keys and values, AOF and logs)"));
}

// Item 7: password guessing, one by one and all at once, gets no more
// guesses checked than the throttle allows, and the right password is
// refused once the throttle has closed.
TEST_F(HostileUsersTest, LoginThrottlingHoldsUnderAPasswordGuessingLoop) {
  const int kMaxFailures = 5;  // gracilis-account's default
  const int guesses = 50 * Scale();
  const User ann = NewUser("ann@example.com");
  const User bea = NewUser("bea@example.com");
  auto guess = [&](const User& user, const std::string& password) {
    av1::LoginRequest request;
    request.set_email(user.email);
    request.set_password(password);
    return SignedInCall(*accounts_, &AccountStub::Login, request, "").status();
  };
  // One by one, with the right password every 10th guess.
  int checked = 0, throttled = 0, right_accepted = 0;
  for (int i = 0; i < guesses; ++i) {
    const bool right = i % 10 == 9;
    const absl::Status status =
        guess(ann, right ? kPassword : absl::StrCat("guess number ", i));
    checked += absl::IsUnauthenticated(status) ? 1 : 0;
    throttled += absl::IsResourceExhausted(status) ? 1 : 0;
    right_accepted += right && status.ok() ? 1 : 0;
  }
  // All at once, from 16 threads.
  std::atomic<int> parallel_checked{0}, parallel_throttled{0};
  std::vector<std::thread> threads;
  for (int thread = 0; thread < 16; ++thread) {
    threads.emplace_back([&, thread] {
      for (int i = thread; i < guesses; i += 16) {
        const absl::Status status = guess(bea, absl::StrCat("guess ", i));
        parallel_checked += absl::IsUnauthenticated(status) ? 1 : 0;
        parallel_throttled += absl::IsResourceExhausted(status) ? 1 : 0;
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  // Through DeleteAccount with a stolen session: the same throttle.
  const User cat = NewUser("cat@example.com");
  int delete_checked = 0, delete_throttled = 0;
  for (int i = 0; i < 20; ++i) {
    av1::DeleteAccountRequest request;
    request.set_password(i == 19 ? kPassword : absl::StrCat("guess ", i));
    const absl::Status status =
        SignedInCall(*accounts_, &AccountStub::DeleteAccount, request,
                     cat.token)
            .status();
    delete_checked += absl::IsUnauthenticated(status) ? 1 : 0;
    delete_throttled += absl::IsResourceExhausted(status) ? 1 : 0;
  }
  Figure("login_throttle.delete_account_with_a_stolen_session",
         absl::StrCat("20 guesses: ", delete_checked, " checked, ",
                      delete_throttled, " throttled (the right one too)"));
  EXPECT_EQ(delete_checked, kMaxFailures);
  EXPECT_EQ(delete_throttled, 20 - kMaxFailures);
  Figure("login_throttle.sequential",
         absl::StrCat(guesses, " guesses: ", checked, " checked, ", throttled,
                      " throttled, right password accepted ", right_accepted,
                      " times after the throttle closed"));
  Figure("login_throttle.parallel_16_threads",
         absl::StrCat(guesses, " guesses: ", parallel_checked.load(),
                      " checked, ", parallel_throttled.load(), " throttled"));
  EXPECT_EQ(checked, kMaxFailures);
  EXPECT_EQ(right_accepted, 0);
  EXPECT_LE(parallel_checked, kMaxFailures);
  EXPECT_EQ(parallel_checked + parallel_throttled, guesses);
}

}  // namespace
}  // namespace gracilis::reliability
