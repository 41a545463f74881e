// The plan service end to end: through the gateway, with the real account
// service for profiles and a real Redis.

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/clock/timestamp.h"
#include "common/status/errors.h"
#include "common/status/grpc_status.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gracilis/account/v1/account.grpc.pb.h"
#include "gracilis/plan/v1/plan.grpc.pb.h"
#include "gracilis/workout/v1/workout.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/e2e/test_stack.h"

namespace gracilis::testing {
namespace {

namespace account = gracilis::account::v1;
namespace plan = gracilis::plan::v1;
namespace workout = gracilis::workout::v1;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Not;

template <typename Stub>
std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(5));
  if (!token.empty()) {
    context->AddMetadata("authorization", "Bearer " + token);
  }
  return context;
}

class PlanE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(stack_.Start(), IsOk());
    accounts_ = account::AccountService::NewStub(stack_.GatewayChannel());
    plans_ = plan::PlanService::NewStub(stack_.GatewayChannel());
  }

  // A registered user; with a complete profile unless `bare`.
  std::string NewUser(const std::string& email, bool bare = false) {
    account::RegisterRequest request;
    request.set_request_id(absl::StrCat("r-", absl::ToUnixNanos(absl::Now())));
    request.set_email(email);
    request.set_password("correct horse battery staple");
    account::RegisterResponse registered;
    EXPECT_TRUE(
        accounts_->Register(Context<void>("").get(), request, &registered)
            .ok());
    const std::string token = registered.session().token();
    if (!bare) {
      account::UpdateProfileRequest update;
      auto* p = update.mutable_profile();
      p->mutable_body_weight()->set_value(140);
      p->mutable_body_weight()->set_unit(type::v1::MASS_UNIT_POUND);
      p->mutable_height()->set_value(165);
      p->mutable_height()->set_unit(type::v1::LENGTH_UNIT_CENTIMETER);
      p->set_birth_year(1993);
      p->set_sex(account::SEX_FEMALE);
      p->set_experience_level(type::v1::EXPERIENCE_LEVEL_BEGINNER);
      p->add_equipment(type::v1::EQUIPMENT_DUMBBELL);
      p->set_training_days_per_week(3);
      p->set_goal(account::GOAL_SLIM_AND_TONE);
      for (const char* path :
           {"body_weight", "height", "birth_year", "sex", "experience_level",
            "equipment", "training_days_per_week", "goal"}) {
        update.mutable_update_mask()->add_paths(path);
      }
      account::Profile profile;
      EXPECT_TRUE(
          accounts_->UpdateProfile(Context<void>(token).get(), update, &profile)
              .ok());
    }
    return token;
  }

  absl::Status Generate(const std::string& token, const std::string& request_id,
                        plan::Plan* out, int days = 0) {
    plan::GeneratePlanRequest request;
    request.set_request_id(request_id);
    request.set_running_level(plan::RUNNING_LEVEL_CASUAL);
    request.set_days_per_week(days);
    return FromGrpcStatus(
        plans_->GeneratePlan(Context<void>(token).get(), request, out));
  }

  TestStack stack_;
  std::unique_ptr<account::AccountService::Stub> accounts_;
  std::unique_ptr<plan::PlanService::Stub> plans_;
};

TEST_F(PlanE2eTest, GenerateReadWeekDayAndAdapt) {
  const std::string token = NewUser("ana@example.com");
  plan::Plan generated;
  ASSERT_THAT(Generate(token, "gen-1", &generated), IsOk());
  EXPECT_EQ(generated.revision(), 1);
  EXPECT_EQ(generated.weeks_size(), 8);
  EXPECT_THAT(generated.name(), HasSubstr("/plans/"));
  // Loads are in the unit the user weighs in.
  int loaded = 0;
  for (const auto& week : generated.weeks()) {
    for (const auto& session : week.sessions()) {
      for (const auto& e : session.exercises()) {
        if (e.has_load()) {
          ++loaded;
          EXPECT_EQ(e.load().unit(), type::v1::MASS_UNIT_POUND);
        }
      }
    }
  }
  EXPECT_GT(loaded, 0);

  // Idempotent by request id.
  plan::Plan again;
  ASSERT_THAT(Generate(token, "gen-1", &again), IsOk());
  EXPECT_EQ(again.name(), generated.name());

  plan::GetPlanRequest get;
  get.set_name("users/me/plans/current");
  plan::Plan current;
  ASSERT_TRUE(plans_->GetPlan(Context<void>(token).get(), get, &current).ok());
  EXPECT_EQ(current.SerializeAsString(), generated.SerializeAsString());

  plan::GetPlanWeekRequest week_request;
  week_request.set_plan(generated.name());
  week_request.set_week_number(10);
  plan::PlanWeek week;
  ASSERT_TRUE(
      plans_->GetPlanWeek(Context<void>(token).get(), week_request, &week)
          .ok());
  EXPECT_EQ(week.phase(), plan::PHASE_MAINTENANCE);

  plan::GetPlanDayRequest day_request;
  *day_request.mutable_date() = generated.start_date();
  plan::PlanDay day;
  ASSERT_TRUE(
      plans_->GetPlanDay(Context<void>(token).get(), day_request, &day).ok());
  EXPECT_FALSE(day.rest_day());
  EXPECT_EQ(day.week_number(), 1);

  plan::AdaptPlanRequest adapt;
  adapt.set_request_id("adapt-w2");
  adapt.set_plan("users/me/plans/current");
  adapt.set_week_number(2);
  adapt.set_sessions_planned(3);
  adapt.set_sessions_done(3);
  auto* outcome = adapt.add_outcomes();
  outcome->set_exercise_id("sumo_squat");  // nothing logged: held
  // A phone may not assert its own outcomes.
  plan::Plan adapted;
  grpc::Status status =
      plans_->AdaptPlan(Context<void>(token).get(), adapt, &adapted);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("weekly job"));
  // The weekly job's credential names the user.
  const std::string service = stack_.service_token();
  status = plans_->AdaptPlan(Context<void>(service).get(), adapt, &adapted);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  adapt.set_plan(generated.name());
  ASSERT_TRUE(
      plans_->AdaptPlan(Context<void>(service).get(), adapt, &adapted).ok());
  EXPECT_EQ(adapted.revision(), 2);
  EXPECT_EQ(adapted.weeks(2).sessions(0).exercises(0).why().rule(),
            "adapt_hold");
  // The same week again, even under another request id, gives revision 2.
  adapt.set_request_id("adapt-w2-retry");
  plan::Plan repeated;
  ASSERT_TRUE(
      plans_->AdaptPlan(Context<void>(service).get(), adapt, &repeated).ok());
  EXPECT_EQ(repeated.revision(), 2);

  plan::ListPlanRevisionsRequest list;
  list.set_name(generated.name());
  plan::ListPlanRevisionsResponse revisions;
  ASSERT_TRUE(
      plans_->ListPlanRevisions(Context<void>(token).get(), list, &revisions)
          .ok());
  ASSERT_EQ(revisions.revisions_size(), 2);
  EXPECT_EQ(revisions.revisions(0).revision(), 2);
  // What changed, without comparing plans.
  ASSERT_EQ(revisions.revisions(0).changes_size(), 1);
  const plan::PlanChange& change = revisions.revisions(0).changes(0);
  EXPECT_EQ(change.kind(), plan::PlanChange::KIND_HOLD);
  EXPECT_EQ(change.week_number(), 3);
  EXPECT_EQ(change.exercise_id(), "sumo_squat");
  // Held at week 2's dose, instead of week 3's step up.
  const plan::PrescribedExercise& week2 =
      generated.weeks(1).sessions(0).exercises(0);
  EXPECT_EQ(change.to().variant(), week2.variant());
  EXPECT_EQ(change.to().reps(), week2.reps());
  EXPECT_NE(change.from().ShortDebugString(), change.to().ShortDebugString());
  EXPECT_THAT(change.reason().text(), HasSubstr("not logged in week 2"));
  // Revision 1 is still there, unchanged.
  get.set_revision(1);
  plan::Plan first;
  ASSERT_TRUE(plans_->GetPlan(Context<void>(token).get(), get, &first).ok());
  EXPECT_EQ(first.SerializeAsString(), generated.SerializeAsString());
}

// Domain.md, "Running that starts from the runner": a runner who logged
// twelve 20-minute runs in the last 30 days starts at 20 minutes, not at
// the 35 of a regular runner's level; a run before the window is not
// counted; a stated usual run stands in when nothing is logged.
TEST_F(PlanE2eTest, RunningStartsFromTheRunsLogged) {
  const std::string token = NewUser("runner@example.com");
  auto workouts = workout::WorkoutService::NewStub(stack_.GatewayChannel());
  workout::SyncWorkoutsRequest sync;
  const absl::Time now = absl::Now();
  for (int i = 0; i <= 12; ++i) {
    // Every other day; the last one 40 days ago, outside the window.
    const absl::Time start = now - absl::Hours(24) * (i == 12 ? 40 : 2 * i + 1);
    workout::Workout& w = *sync.add_workouts();
    w.set_workout_id(absl::StrCat("run-", i));
    w.set_state(workout::Workout::STATE_FINISHED);
    *w.mutable_start_time() = ToTimestamp(start);
    *w.mutable_end_time() = ToTimestamp(start + absl::Hours(1));
    workout::Run& run = *w.add_runs();
    run.set_run_id("run");
    run.set_type(type::v1::RUN_TYPE_EASY);
    run.set_duration_seconds((i == 12 ? 60 : 20) * 60);
    run.mutable_distance()->set_value(i == 12 ? 9 : 3);
    run.mutable_distance()->set_unit(type::v1::LENGTH_UNIT_KILOMETER);
    *run.mutable_start_time() = ToTimestamp(start);
  }
  workout::SyncWorkoutsResponse synced;
  ASSERT_TRUE(
      workouts->SyncWorkouts(Context<void>(token).get(), sync, &synced).ok());
  for (const auto& result : synced.results()) {
    ASSERT_EQ(result.code(), 0) << result.message();
  }

  plan::GeneratePlanRequest request;
  request.set_request_id("gen-runner");
  request.set_running_level(plan::RUNNING_LEVEL_REGULAR);
  plan::Plan generated;
  ASSERT_TRUE(
      plans_->GeneratePlan(Context<void>(token).get(), request, &generated)
          .ok());
  const plan::RunningBase& base = generated.running_base();
  EXPECT_EQ(base.source(), plan::RunningBase::SOURCE_LOGGED_RUNS);
  EXPECT_EQ(base.runs(), 12);
  EXPECT_EQ(base.typical_minutes(), 20);
  EXPECT_EQ(base.longest_minutes(), 20);
  EXPECT_TRUE(base.has_base());
  int runs = 0;
  for (const auto& session : generated.weeks(0).sessions()) {
    if (session.has_run()) {
      ++runs;
      EXPECT_LE(session.run().minutes(), 20);
    }
  }
  EXPECT_GT(runs, 0);

  // Nothing logged: the stated usual run.
  const std::string other = NewUser("stated@example.com");
  request.set_request_id("gen-stated");
  request.set_usual_run_minutes(12);
  ASSERT_TRUE(
      plans_->GeneratePlan(Context<void>(other).get(), request, &generated)
          .ok());
  EXPECT_EQ(generated.running_base().source(),
            plan::RunningBase::SOURCE_STATED);
  EXPECT_EQ(generated.running_base().typical_minutes(), 12);
  // A regular runner's word brings the base for hard sessions.
  EXPECT_TRUE(generated.running_base().has_base());

  // Out of range: named.
  request.set_request_id("gen-bad");
  request.set_usual_run_minutes(3);
  const grpc::Status bad =
      plans_->GeneratePlan(Context<void>(other).get(), request, &generated);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad.error_message(), HasSubstr("usual_run_minutes"));
}

// Domain.md, "A short readiness check": a yes in the profile keeps the
// plan's running easy and low-impact, and the plan says to see a doctor.
TEST_F(PlanE2eTest, AYesInTheReadinessCheckMakesThePlanCautious) {
  const std::string token = NewUser("careful@example.com");
  account::UpdateProfileRequest update;
  update.mutable_profile()->mutable_readiness()->set_chest_pain(
      account::Readiness::ANSWER_YES);
  update.mutable_update_mask()->add_paths("readiness");
  account::Profile profile;
  ASSERT_TRUE(
      accounts_->UpdateProfile(Context<void>(token).get(), update, &profile)
          .ok());
  EXPECT_EQ(profile.readiness().chest_pain(), account::Readiness::ANSWER_YES);
  plan::Plan generated;
  ASSERT_THAT(Generate(token, "gen-careful", &generated, 5), IsOk());
  EXPECT_THAT(generated.why(), Contains(::testing::Property(
                                   &plan::Rationale::rule, "readiness_check")));
  for (const auto& week : generated.weeks()) {
    for (const auto& session : week.sessions()) {
      if (session.has_run()) {
        EXPECT_EQ(session.run().type(), type::v1::RUN_TYPE_EASY);
        EXPECT_TRUE(session.run().low_impact());
      }
    }
  }
}

TEST_F(PlanE2eTest, RevisionsArePagedNewestFirst) {
  const std::string token = NewUser("rev@example.com");
  plan::Plan generated;
  ASSERT_THAT(Generate(token, "gen-rev", &generated), IsOk());
  // Weeks 1-3 adapted in turn: revisions 2, 3 and 4.
  for (int week = 1; week <= 3; ++week) {
    plan::AdaptPlanRequest adapt;
    adapt.set_request_id(absl::StrCat("adapt-", week));
    adapt.set_plan(generated.name());
    adapt.set_week_number(week);
    adapt.set_sessions_planned(4);
    adapt.set_sessions_done(4);
    plan::Plan adapted;
    ASSERT_TRUE(plans_
                    ->AdaptPlan(Context<void>(stack_.service_token()).get(),
                                adapt, &adapted)
                    .ok());
    ASSERT_EQ(adapted.revision(), week + 1);
  }
  std::vector<int> seen;
  plan::ListPlanRevisionsRequest list;
  list.set_name(generated.name());
  list.set_page_size(3);
  int pages = 0;
  do {
    plan::ListPlanRevisionsResponse page;
    ASSERT_TRUE(
        plans_->ListPlanRevisions(Context<void>(token).get(), list, &page)
            .ok());
    for (const auto& revision : page.revisions()) {
      seen.push_back(revision.revision());
    }
    list.set_page_token(page.next_page_token());
    ++pages;
  } while (!list.page_token().empty() && pages < 5);
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(seen, (std::vector<int>{4, 3, 2, 1}));
}

TEST_F(PlanE2eTest, UsersAskForChangesOnceEvenWhenRetrying) {
  const std::string token = NewUser("asks@example.com");
  plan::Plan generated;
  ASSERT_THAT(Generate(token, "gen-ask", &generated), IsOk());
  plan::RequestPlanChangeRequest ask;
  ask.set_request_id("too-easy-1");
  ask.set_week_number(1);
  ask.set_kind(plan::RequestPlanChangeRequest::KIND_TOO_EASY);
  ask.set_exercise_id("sumo_squat");
  plan::Plan changed;
  grpc::Status status =
      plans_->RequestPlanChange(Context<void>(token).get(), ask, &changed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(changed.revision(), 2);
  EXPECT_EQ(changed.weeks(0).sessions(0).exercises(0).why().rule(),
            "user_request");
  // A retry gets the same revision; another request under the id is
  // refused, and so are impossible ones: nothing more is stored.
  plan::Plan again;
  ASSERT_TRUE(
      plans_->RequestPlanChange(Context<void>(token).get(), ask, &again).ok());
  EXPECT_EQ(again.SerializeAsString(), changed.SerializeAsString());
  ask.set_kind(plan::RequestPlanChangeRequest::KIND_TOO_HARD);
  status = plans_->RequestPlanChange(Context<void>(token).get(), ask, &again);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("request_id"));
  ask.set_request_id("too-easy-2");
  ask.set_exercise_id("cable_adduction");
  status = plans_->RequestPlanChange(Context<void>(token).get(), ask, &again);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("exercise_id"));
  ask.set_request_id("too-hard-2");
  ask.set_kind(plan::RequestPlanChangeRequest::KIND_TOO_HARD);
  ask.set_exercise_id("copenhagen_plank");
  status = plans_->RequestPlanChange(Context<void>(token).get(), ask, &again);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("easiest step"));

  plan::ListPlanRevisionsRequest list;
  list.set_name(generated.name());
  plan::ListPlanRevisionsResponse revisions;
  ASSERT_TRUE(
      plans_->ListPlanRevisions(Context<void>(token).get(), list, &revisions)
          .ok());
  ASSERT_EQ(revisions.revisions_size(), 2);
  ASSERT_EQ(revisions.revisions(0).changes_size(), 1);
  const plan::PlanChange& change = revisions.revisions(0).changes(0);
  EXPECT_EQ(change.kind(), plan::PlanChange::KIND_STEP_UP);
  EXPECT_TRUE(change.user_requested());
  EXPECT_EQ(change.to().reps(), change.from().reps() + 1);

  // Issue 19: only the latest revision keeps its rendered weeks in Redis;
  // revision 1 is rendered again from what made it, byte for byte as
  // GeneratePlan answered.
  const std::vector<std::string> parts = absl::StrSplit(generated.name(), '/');
  ASSERT_EQ(parts.size(), 4u);
  const std::string plans_key = "'{u:" + parts[1] + "}:plans' ";
  EXPECT_EQ(stack_.redis().Cli("HEXISTS " + plans_key + parts[3] + ":p1"), "0");
  EXPECT_EQ(stack_.redis().Cli("HEXISTS " + plans_key + parts[3] + ":p2"), "1");
  plan::GetPlanRequest first;
  first.set_name(generated.name());
  first.set_revision(1);
  plan::Plan rendered;
  ASSERT_TRUE(
      plans_->GetPlan(Context<void>(token).get(), first, &rendered).ok());
  EXPECT_EQ(rendered.SerializeAsString(), generated.SerializeAsString());
}

// Issue 19: a plan keeps its newest --plan_revisions_kept revisions.
TEST_F(PlanE2eTest, OnlyTheNewestRevisionsAreKept) {
  absl::StatusOr<std::string> keeping_two = stack_.AddService(
      GRACILIS_PLAN_BINARY,
      {absl::StrCat("--account=", stack_.service_address("gracilis-account")),
       "--plan_revisions_kept=2"});
  ASSERT_THAT(keeping_two, IsOk());
  auto plans = plan::PlanService::NewStub(
      grpc::CreateChannel(*keeping_two, grpc::InsecureChannelCredentials()));
  const std::string token = NewUser("kept@example.com");
  plan::Plan generated;
  ASSERT_THAT(Generate(token, "gen-kept", &generated), IsOk());
  for (const char* id : {"harder-1", "harder-2"}) {
    plan::RequestPlanChangeRequest ask;
    ask.set_request_id(id);
    ask.set_week_number(1);
    ask.set_kind(plan::RequestPlanChangeRequest::KIND_TOO_EASY);
    ask.set_exercise_id("sumo_squat");
    plan::Plan changed;
    const grpc::Status status =
        plans->RequestPlanChange(Context<void>(token).get(), ask, &changed);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  plan::ListPlanRevisionsRequest list;
  list.set_name(generated.name());
  plan::ListPlanRevisionsResponse revisions;
  ASSERT_TRUE(
      plans->ListPlanRevisions(Context<void>(token).get(), list, &revisions)
          .ok());
  ASSERT_EQ(revisions.revisions_size(), 2);
  EXPECT_EQ(revisions.revisions(0).revision(), 3);
  EXPECT_EQ(revisions.revisions(1).revision(), 2);
  plan::GetPlanRequest get;
  get.set_name(generated.name());
  get.set_revision(1);
  plan::Plan old;
  const grpc::Status gone =
      plans->GetPlan(Context<void>(token).get(), get, &old);
  EXPECT_EQ(gone.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(gone.error_message(), HasSubstr("no longer kept"));
  get.set_revision(2);
  EXPECT_TRUE(plans->GetPlan(Context<void>(token).get(), get, &old).ok());
  EXPECT_EQ(old.revision(), 2);
}

TEST_F(PlanE2eTest, BadInputIsNamedAndOthersPlansAreNotFound) {
  const std::string ana = NewUser("ana@example.com");
  const std::string bea = NewUser("bea@example.com");
  plan::Plan anas;
  ASSERT_THAT(Generate(ana, "gen-1", &anas), IsOk());

  plan::GetPlanRequest get;
  get.set_name(anas.name());
  plan::Plan out;
  EXPECT_EQ(plans_->GetPlan(Context<void>(bea).get(), get, &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
  get.set_name("users/me/plans/req:gen-1");
  EXPECT_EQ(plans_->GetPlan(Context<void>(ana).get(), get, &out).error_code(),
            grpc::StatusCode::NOT_FOUND);

  plan::GeneratePlanRequest bad;
  bad.set_request_id("gen-2");
  bad.set_days_per_week(7);
  bad.set_session_minutes(5);
  bad.mutable_start_date()->set_year(2020);
  bad.mutable_start_date()->set_month(1);
  bad.mutable_start_date()->set_day(1);
  absl::Status status =
      FromGrpcStatus(plans_->GeneratePlan(Context<void>(ana).get(), bad, &out));
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(FieldViolationsOf(status),
              Contains(Field(&FieldViolation::field, "days_per_week")));
  EXPECT_THAT(FieldViolationsOf(status),
              Contains(Field(&FieldViolation::field, "session_minutes")));
  EXPECT_THAT(FieldViolationsOf(status),
              Contains(Field(&FieldViolation::field, "start_date")));

  const std::string bare = NewUser("cai@example.com", /*bare=*/true);
  absl::Status incomplete = Generate(bare, "gen-1", &out);
  EXPECT_THAT(incomplete, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(incomplete.message(), HasSubstr("body_weight"));
  EXPECT_EQ(ReasonOf(incomplete), "PROFILE_INCOMPLETE");
  EXPECT_THAT(ReasonMetadataOf(incomplete).at("fields"),
              HasSubstr("body_weight"));

  EXPECT_THAT(Generate("", "gen-1", &out),
              StatusIs(absl::StatusCode::kUnauthenticated));

  // Dates outside the contract's years are named, not answered (issue 21).
  for (int year : {-1, 0, 1000000000, 2147483647}) {
    plan::GetPlanDayRequest day;
    day.mutable_date()->set_year(year);
    day.mutable_date()->set_month(1);
    day.mutable_date()->set_day(1);
    plan::PlanDay answer;
    const absl::Status day_status = FromGrpcStatus(
        plans_->GetPlanDay(Context<void>(ana).get(), day, &answer));
    EXPECT_THAT(day_status, StatusIs(absl::StatusCode::kInvalidArgument))
        << year;
    EXPECT_THAT(FieldViolationsOf(day_status),
                Contains(Field(&FieldViolation::field, "date")));
  }
  get.set_name("users/me/plans/current");
  EXPECT_EQ(plans_->GetPlan(Context<void>(bare).get(), get, &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(PlanE2eTest, CatalogIsListedInPages) {
  const std::string token = NewUser("ana@example.com");
  plan::ListExercisesRequest request;
  request.set_page_size(4);
  std::vector<std::string> ids;
  do {
    plan::ListExercisesResponse page;
    ASSERT_TRUE(
        plans_->ListExercises(Context<void>(token).get(), request, &page).ok());
    for (const auto& e : page.exercises()) {
      ids.push_back(e.id());
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_THAT(ids, Contains("copenhagen_plank"));
  EXPECT_THAT(ids, Contains("sprints"));
  EXPECT_GE(ids.size(), 10u);
}

TEST_F(PlanE2eTest, DeleteAccountRemovesPlans) {
  const std::string token = NewUser("ana@example.com");
  plan::Plan generated;
  ASSERT_THAT(Generate(token, "gen-1", &generated), IsOk());
  const std::string user_id = generated.name().substr(6, 24);
  ASSERT_EQ(stack_.redis().Cli("EXISTS '{u:" + user_id + "}:plans'"), "1");
  account::DeleteAccountRequest request;
  request.set_password("correct horse battery staple");
  google::protobuf::Empty empty;
  ASSERT_TRUE(
      accounts_->DeleteAccount(Context<void>(token).get(), request, &empty)
          .ok());
  EXPECT_EQ(stack_.redis().Cli("EXISTS '{u:" + user_id + "}:plans'"), "0");
}

TEST_F(PlanE2eTest, RedisDownIsUnavailableFast) {
  const std::string token = NewUser("ana@example.com");
  stack_.redis().Kill();
  const absl::Time start = absl::Now();
  plan::Plan out;
  const absl::Status down = Generate(token, "gen-1", &out);
  EXPECT_THAT(down, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  // The documented reason, and no internal address in the message.
  EXPECT_EQ(ReasonOf(down), "STORE_UNAVAILABLE");
  EXPECT_THAT(down.message(), Not(HasSubstr("127.0.0.1")));
}

}  // namespace
}  // namespace gracilis::testing
