// ProgressService through real gRPC against a real redis-server, with the
// workouts written through the real WorkoutService and the plan stored the
// way GeneratePlan stores it.

#include "services/progress/progress_service.h"

#include <algorithm>
#include <iostream>
#include <map>
#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "common/clock/iso_week.h"
#include "common/clock/timestamp.h"
#include "common/grpc/service_host.h"
#include "common/status/status_matchers.h"
#include "common/testing/redis_server.h"
#include "common/testing/signed_in_call.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/plan/domain/plan_generator.h"
#include "services/plan/plan_records.h"
#include "services/workout/workout_service.h"

namespace gracilis::progress {
namespace {

using ::gracilis::testing::IsOk;
using ::gracilis::testing::StatusIs;
using ::gracilis::testing::TestRedisServer;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using Stub = v1::ProgressService::Stub;
using type::v1::IsoWeek;

constexpr char kAlice[] = "a11ce0000000000000000001";
constexpr char kBob[] = "b0b000000000000000000002";

// "Now" is Wednesday 25 November 2026, 12:00 UTC: ISO week 2026-W48.
const absl::Time kNow = absl::FromCivil(
    absl::CivilSecond(2026, 11, 25, 12, 0, 0), absl::UTCTimeZone());

IsoWeek Week(int number) {
  IsoWeek week;
  week.set_year(2026);
  week.set_week(number);
  return week;
}

// A finished workout `days_ago` with `sets` sets of 8 sumo squats at `kg`.
workout::v1::Workout SquatWorkout(const std::string& id, int days_ago,
                                  double kg, int sets = 3) {
  workout::v1::Workout workout;
  workout.set_workout_id(id);
  const absl::Time start = kNow - absl::Hours(24 * days_ago + 2);
  *workout.mutable_start_time() = ToTimestamp(start);
  *workout.mutable_end_time() = ToTimestamp(start + absl::Minutes(45));
  for (int i = 0; i < sets; ++i) {
    auto& set = *workout.add_sets();
    set.set_set_id(absl::StrCat(id, "-s", i));
    set.set_exercise_id("sumo_squat");
    set.set_variant("goblet");
    set.set_reps(8);
    set.mutable_load()->set_value(kg);
    set.mutable_load()->set_unit(type::v1::MASS_UNIT_KILOGRAM);
    *set.mutable_performed_time() = ToTimestamp(start + absl::Minutes(5 + i));
  }
  auto& run = *workout.add_runs();
  run.set_run_id(id + "-run");
  run.set_type(type::v1::RUN_TYPE_EASY);
  run.mutable_distance()->set_value(3);
  run.mutable_distance()->set_unit(type::v1::LENGTH_UNIT_KILOMETER);
  run.set_duration_seconds(1200);
  *run.mutable_start_time() = ToTimestamp(start + absl::Minutes(20));
  return workout;
}

class ProgressServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(redis_server_.Start(), IsOk());
    catalog_ = std::make_unique<plan::ExerciseCatalog>(
        *plan::ExerciseCatalog::Parse(plan::BuiltInCatalogText()));
    RedisConfig redis_config;
    redis_config.address = {"127.0.0.1", redis_server_.port()};
    redis_config.command_timeout = absl::Milliseconds(300);
    redis_config.reconnect_max = absl::Milliseconds(100);
    redis_ = std::make_unique<RedisClient>(
        redis_config,
        std::vector<LibraryUse>{Owns(RedisSessionStore::Functions()),
                                Owns(workout::RedisWorkoutStore::Functions()),
                                Owns(plan::RedisPlanStore::Functions()),
                                Owns(RedisProgressStore::Functions())},
        nullptr);
    sessions_ =
        std::make_unique<RedisSessionStore>(*redis_, clock_, SessionConfig());
    workouts_ = std::make_unique<workout::RedisWorkoutStore>(*redis_);
    plans_ = std::make_unique<plan::RedisPlanStore>(*redis_, *catalog_);
    snapshots_ = std::make_unique<RedisProgressStore>(*redis_);
    reader_ = std::make_unique<ProgressReader>(*workouts_, *plans_, *snapshots_,
                                               *catalog_);
    redis_->Start();
    ASSERT_TRUE(testing::WaitUntil([&] { return redis_->ready(); }));

    progress_service_ = std::make_unique<ProgressService>(*reader_, *sessions_,
                                                          clock_, nullptr);
    workout_service_ = std::make_unique<workout::WorkoutService>(
        *catalog_, *workouts_, *sessions_, clock_, nullptr);
    ServerConfig server_config;
    server_config.listen = {"127.0.0.1", 0};
    server_config.shutdown_grace = absl::Seconds(1);
    host_ = std::make_unique<ServiceHost>(server_config);
    host_->AddService(progress_service_.get(),
                      "gracilis.progress.v1.ProgressService");
    host_->AddService(workout_service_.get(),
                      "gracilis.workout.v1.WorkoutService");
    ASSERT_THAT(host_->Start(), IsOk());
    host_->SetServing(true);
    auto channel =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", host_->port()),
                            grpc::InsecureChannelCredentials());
    stub_ = v1::ProgressService::NewStub(channel);
    workout_stub_ = workout::v1::WorkoutService::NewStub(channel);
    alice_ = SignIn(kAlice);
    bob_ = SignIn(kBob);
  }

  void TearDown() override {
    host_->Drain();
    redis_->Stop();
  }

  std::string SignIn(const std::string& user_id) {
    redis_server_.Cli(absl::StrCat("SET '{u:", user_id, "}:profile' x"));
    std::string token = testing::IssueSession(*sessions_, user_id);
    EXPECT_FALSE(token.empty());
    return token;
  }

  // Alice's plan, started Monday 2 November (2026-W45 is plan week 1).
  void StorePlan(const std::string& user_id) {
    plan::PlanInputs inputs;
    inputs.set_body_weight_kg(70);
    inputs.set_height_cm(166);
    inputs.set_age_years(34);
    inputs.set_sex(account::v1::SEX_FEMALE);
    inputs.set_experience_level(type::v1::EXPERIENCE_LEVEL_BEGINNER);
    inputs.add_equipment(type::v1::EQUIPMENT_DUMBBELL);
    inputs.set_goal(account::v1::GOAL_SLIM_AND_TONE);
    inputs.set_load_unit(type::v1::MASS_UNIT_KILOGRAM);
    *inputs.mutable_start_date() = plan::ToDate(absl::CivilDay(2026, 11, 2));
    inputs.set_days_per_week(3);
    inputs.set_session_minutes(45);
    inputs.set_running_level(plan::v1::RUNNING_LEVEL_CASUAL);
    inputs.set_time_zone("UTC");
    absl::StatusOr<plan::PlanRecord> record =
        plan::NewPlanRecord(*catalog_, inputs, user_id, kNow);
    ASSERT_THAT(record.status(), IsOk());
    absl::Notification done;
    plans_->Create(Caller::Service(user_id), "seed", "", *record,
                   absl::InfiniteFuture(),
                   [&](absl::StatusOr<plan::PlanRecord> stored) {
                     EXPECT_THAT(stored.status(), IsOk());
                     done.Notify();
                   });
    done.WaitForNotification();
  }

  void Sync(const std::string& token,
            std::vector<workout::v1::Workout> workouts) {
    workout::v1::SyncWorkoutsRequest request;
    for (auto& w : workouts) {
      *request.add_workouts() = std::move(w);
    }
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    workout::v1::SyncWorkoutsResponse response;
    ASSERT_TRUE(workout_stub_->SyncWorkouts(&context, request, &response).ok());
    for (const auto& result : response.results()) {
      ASSERT_EQ(result.code(), 0) << result.message();
    }
  }

  template <typename Request, typename Response>
  absl::StatusOr<Response> Rpc(
      grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                   Response*),
      const Request& request, const std::string& token) {
    return testing::SignedInCall(*stub_, method, request, token);
  }

  absl::StatusOr<v1::WeeklyProgress> GetWeek(const std::string& token,
                                             std::optional<IsoWeek> week) {
    v1::GetWeeklyProgressRequest request;
    if (week) {
      *request.mutable_week() = *week;
    }
    return Rpc(&Stub::GetWeeklyProgress, request, token);
  }

  // FCALL and FCALL_RO commands Redis has run (INFO commandstats, summed
  // over the nodes of a cluster).
  int64_t FunctionCalls() {
    int64_t total = 0;
    for (absl::string_view line :
         absl::StrSplit(redis_server_.Cli("INFO commandstats"), '\n')) {
      if (!absl::ConsumePrefix(&line, "cmdstat_fcall:calls=") &&
          !absl::ConsumePrefix(&line, "cmdstat_fcall_ro:calls=")) {
        continue;
      }
      int64_t calls = 0;
      if (absl::SimpleAtoi(line.substr(0, line.find(',')), &calls)) {
        total += calls;
      }
    }
    return total;
  }

  TestRedisServer redis_server_;
  FakeClock clock_{kNow};
  std::unique_ptr<plan::ExerciseCatalog> catalog_;
  std::unique_ptr<RedisClient> redis_;
  std::unique_ptr<RedisSessionStore> sessions_;
  std::unique_ptr<workout::RedisWorkoutStore> workouts_;
  std::unique_ptr<plan::RedisPlanStore> plans_;
  std::unique_ptr<RedisProgressStore> snapshots_;
  std::unique_ptr<ProgressReader> reader_;
  std::unique_ptr<ProgressService> progress_service_;
  std::unique_ptr<workout::WorkoutService> workout_service_;
  std::unique_ptr<ServiceHost> host_;
  std::unique_ptr<Stub> stub_;
  std::unique_ptr<workout::v1::WorkoutService::Stub> workout_stub_;
  std::string alice_;
  std::string bob_;
};

TEST_F(ProgressServiceTest, CurrentWeekReflectsWhatWasJustLogged) {
  StorePlan(kAlice);
  absl::StatusOr<v1::WeeklyProgress> week = GetWeek(alice_, std::nullopt);
  ASSERT_THAT(week.status(), IsOk());
  EXPECT_EQ(IsoWeekText(week->week()), "2026-W48");
  EXPECT_EQ(week->plan_week_number(), 4);
  EXPECT_EQ(week->sessions_done(), 0);
  EXPECT_GT(week->sessions_planned(), 0);
  EXPECT_FALSE(week->from_snapshot());

  Sync(alice_, {SquatWorkout("w1", 1, 20), SquatWorkout("w0", 8, 17.5)});
  week = GetWeek(alice_, std::nullopt);
  ASSERT_THAT(week.status(), IsOk());
  EXPECT_EQ(week->sessions_done(), 1);
  EXPECT_EQ(week->adductor_sessions(), 1);
  ASSERT_THAT(week->lifts(), SizeIs(1));
  // Up from last week's 17.5 kg: 20 x (1 + 8/30) = 25.3 kg.
  EXPECT_DOUBLE_EQ(week->lifts(0).estimated_one_rep_max().value(), 25.3);
  EXPECT_EQ(week->lifts(0).trend(), v1::LIFT_TREND_UP);
  EXPECT_EQ(week->running().sessions(), 1);
  EXPECT_EQ(week->running().minutes(), 20);
  EXPECT_DOUBLE_EQ(week->running().distance_km(), 3);
  EXPECT_EQ(week->running().pace_seconds_per_km(), 400);
  EXPECT_EQ(week->verdict().kind(), v1::Verdict::KIND_STRONGER);
  EXPECT_TRUE(week->has_compute_time());
}

// Issue 20, the week at a glance: after every kind of change, in random
// order, GetWeeklyProgress (a first read that recomputes and stores the
// view, and a second that the view answers) equals a full recomputation
// of the week from the stored history.
TEST_F(ProgressServiceTest, TheWeekViewEqualsARecomputationAfterEveryChange) {
  StorePlan(kAlice);
  const Caller alice = Caller::Service(kAlice);
  using WorkoutStub = workout::v1::WorkoutService::Stub;
  auto workout_call = [&](auto method, const auto& request) {
    return testing::SignedInCall(*workout_stub_, method, request, alice_)
        .status();
  };
  auto recomputed =
      [&](std::optional<IsoWeek> asked) -> absl::StatusOr<v1::WeeklyProgress> {
    absl::StatusOr<std::vector<v1::WeeklyProgress>> weeks;
    absl::Notification done;
    reader_->Context(
        alice, kNow, absl::InfiniteFuture(),
        [&](absl::StatusOr<UserContext> user) {
          if (!user.ok()) {
            weeks = user.status();
            return done.Notify();
          }
          const IsoWeek week = asked.value_or(user->current_week);
          reader_->Weeks(
              alice, *user, week, week, kNow, absl::InfiniteFuture(),
              [&](absl::StatusOr<std::vector<v1::WeeklyProgress>> got) {
                weeks = std::move(got);
                done.Notify();
              });
        });
    done.WaitForNotification();
    if (!weeks.ok()) {
      return weeks.status();
    }
    return weeks->front();
  };
  std::mt19937 random(20);  // fixed: a failure replays
  auto pick = [&random](int n) {
    return std::uniform_int_distribution<int>(0, n - 1)(random);
  };
  // Squats last week and this week: last week's snapshot, once saved,
  // seeds this week's lift trend.
  Sync(alice_, {SquatWorkout("w47", 8, 17.5), SquatWorkout("w48", 1, 20)});
  std::optional<std::string> live;
  std::vector<std::string> done = {"w47", "w48"};  // finished, by id
  std::map<std::string, int> counts;
  int next = 0;
  for (int step = 0; step < 60; ++step) {
    const std::string id = absl::StrCat("p", ++next);
    std::string kind;
    switch (pick(9)) {
      case 0: {  // a set logged (starting a workout first if none is live)
        if (!live) {
          workout::v1::StartWorkoutRequest start;
          start.mutable_workout()->set_workout_id(id);
          *start.mutable_workout()->mutable_start_time() =
              ToTimestamp(kNow - absl::Hours(1));
          ASSERT_THAT(workout_call(&WorkoutStub::StartWorkout, start), IsOk());
          live = id;
        }
        workout::v1::LogSetRequest request;
        request.set_workout(absl::StrCat("users/me/workouts/", *live));
        *request.mutable_set() = SquatWorkout(id, 0, 15 + pick(10)).sets(0);
        request.mutable_set()->set_set_id(id);
        *request.mutable_set()->mutable_performed_time() =
            ToTimestamp(kNow - absl::Minutes(30));
        ASSERT_THAT(workout_call(&WorkoutStub::LogSet, request), IsOk());
        kind = "set logged";
        break;
      }
      case 1: {  // a run logged, or a workout synced
        if (live) {
          workout::v1::LogRunRequest request;
          request.set_workout(absl::StrCat("users/me/workouts/", *live));
          *request.mutable_run() = SquatWorkout(id, 0, 20).runs(0);
          request.mutable_run()->set_run_id(id);
          *request.mutable_run()->mutable_start_time() =
              ToTimestamp(kNow - absl::Minutes(50));
          ASSERT_THAT(workout_call(&WorkoutStub::LogRun, request), IsOk());
          kind = "run logged";
        } else {
          Sync(alice_,
               {SquatWorkout(id, pick(10), 15 + pick(10), 1 + pick(3))});
          done.push_back(id);
          kind = "workout synced";
        }
        break;
      }
      case 2: {  // the live workout finished
        if (!live) {
          continue;
        }
        workout::v1::FinishWorkoutRequest request;
        request.set_workout(absl::StrCat("users/me/workouts/", *live));
        ASSERT_THAT(workout_call(&WorkoutStub::FinishWorkout, request), IsOk());
        done.push_back(*live);
        live.reset();
        kind = "workout finished";
        break;
      }
      case 3: {  // a workout updated: its sets replaced by fewer
        if (done.empty()) {
          continue;
        }
        workout::v1::UpdateWorkoutRequest request;
        request.mutable_workout()->set_name(
            absl::StrCat("users/me/workouts/", done[pick(done.size())]));
        *request.mutable_workout()->add_sets() =
            SquatWorkout(id, 0, 30 + pick(10)).sets(0);
        request.mutable_update_mask()->add_paths("sets");
        ASSERT_THAT(workout_call(&WorkoutStub::UpdateWorkout, request), IsOk());
        kind = "workout updated";
        break;
      }
      case 4: {  // a workout deleted
        if (done.empty()) {
          continue;
        }
        const int at = pick(done.size());
        workout::v1::DeleteWorkoutRequest request;
        request.set_name(absl::StrCat("users/me/workouts/", done[at]));
        ASSERT_THAT(workout_call(&WorkoutStub::DeleteWorkout, request), IsOk());
        done.erase(done.begin() + at);
        kind = "workout deleted";
        break;
      }
      case 5: {  // a weigh-in
        workout::v1::LogBodyMeasurementRequest request;
        request.mutable_measurement()->set_measurement_id(id);
        *request.mutable_measurement()->mutable_measure_time() =
            ToTimestamp(kNow - absl::Hours(pick(72)));
        request.mutable_measurement()->mutable_body_weight()->set_value(
            68 + pick(40) / 10.0);
        request.mutable_measurement()->mutable_body_weight()->set_unit(
            type::v1::MASS_UNIT_KILOGRAM);
        ASSERT_THAT(workout_call(&WorkoutStub::LogBodyMeasurement, request),
                    IsOk());
        kind = "body logged";
        break;
      }
      case 6: {  // a day's nutrition
        workout::v1::LogNutritionRequest request;
        *request.mutable_log()->mutable_date() =
            plan::ToDate(absl::CivilDay(2026, 11, 23 + pick(3)));
        request.mutable_log()->set_protein_grams(80 + pick(60));
        request.mutable_log()->set_calories_kcal(1500 + pick(800));
        ASSERT_THAT(workout_call(&WorkoutStub::LogNutrition, request), IsOk());
        kind = "nutrition logged";
        break;
      }
      case 7: {  // the plan adapted: a new revision of the current plan
        absl::StatusOr<plan::PlanRecord> current;
        absl::Notification read;
        plans_->Get(alice, "current", 0, absl::InfiniteFuture(),
                    [&](absl::StatusOr<plan::PlanRecord> got) {
                      current = std::move(got);
                      read.Notify();
                    });
        read.WaitForNotification();
        ASSERT_THAT(current.status(), IsOk());
        plan::PlanRecord next = *current;
        const int revision = current->revision().revision();
        next.mutable_revision()->set_revision(revision + 1);
        // What an adaptation changes: the sessions each week prescribes.
        const bool fewer = pick(2) == 0;
        for (plan::v1::PlanWeek& week : *next.mutable_plan()->mutable_weeks()) {
          if (fewer && week.sessions_size() > 1) {
            week.mutable_sessions()->RemoveLast();
          } else if (week.sessions_size() > 0) {
            *week.add_sessions() = week.sessions(0);
          }
        }
        const std::string& name = current->plan().name();
        absl::Notification revised;
        plans_->Revise(alice, name.substr(name.rfind('/') + 1), id, revision,
                       next, absl::InfiniteFuture(),
                       [&](absl::StatusOr<plan::PlanRecord> stored) {
                         EXPECT_THAT(stored.status(), IsOk());
                         revised.Notify();
                       });
        revised.WaitForNotification();
        kind = "plan adapted";
        break;
      }
      case 8: {  // last week's snapshot saved by the weekly job
        absl::StatusOr<v1::WeeklyProgress> last = GetWeek(alice_, Week(47));
        ASSERT_THAT(last.status(), IsOk());
        // Not what the history says, as a job run on other data would
        // have seen it: the snapshot, not the history, seeds this week.
        for (v1::LiftProgress& lift : *last->mutable_lifts()) {
          lift.set_top_load_kg(lift.top_load_kg() * 2);
          lift.set_weeks_without_progress(3);
        }
        absl::Notification saved;
        snapshots_->SaveSnapshot(kAlice, *last, absl::InfiniteFuture(),
                                 [&](absl::StatusOr<v1::WeeklyProgress> got) {
                                   EXPECT_THAT(got.status(), IsOk());
                                   saved.Notify();
                                 });
        saved.WaitForNotification();
        kind = "snapshot saved";
        break;
      }
    }
    ++counts[kind];
    // This week (the home screen) and last week, each read twice.
    for (const std::optional<IsoWeek>& asked :
         {std::optional<IsoWeek>(), std::optional<IsoWeek>(Week(47))}) {
      absl::StatusOr<v1::WeeklyProgress> want = recomputed(asked);
      ASSERT_THAT(want.status(), IsOk());
      want->clear_compute_time();
      for (const char* read : {"first read", "second read"}) {
        const int64_t calls_before = FunctionCalls();
        absl::StatusOr<v1::WeeklyProgress> got = GetWeek(alice_, asked);
        if (std::string(read) == "second read") {
          // Nothing changed since the first: the stored view answered, in
          // one Function call.
          EXPECT_EQ(FunctionCalls() - calls_before, 1) << "step " << step;
        }
        ASSERT_THAT(got.status(), IsOk());
        got->clear_compute_time();
        EXPECT_EQ(got->SerializeAsString(), want->SerializeAsString())
            << "step " << step << ", after: " << kind << ", " << read
            << (asked ? " of last week" : " of this week") << "\n"
            << got->DebugString() << "\nwant\n"
            << want->DebugString();
      }
    }
  }
  for (const auto& [kind, count] : counts) {
    std::cout << "changes: " << kind << " " << count << "\n";
  }
  EXPECT_GE(counts.size(), 8u);
}

TEST_F(ProgressServiceTest, PastWeeksComeFromSnapshotsWhenStored) {
  Sync(alice_, {SquatWorkout("w0", 8, 17.5)});
  absl::StatusOr<v1::WeeklyProgress> computed = GetWeek(alice_, Week(47));
  ASSERT_THAT(computed.status(), IsOk());
  EXPECT_FALSE(computed->from_snapshot());
  EXPECT_EQ(computed->sessions_done(), 1);

  v1::WeeklyProgress snapshot = *computed;
  snapshot.mutable_verdict()->set_reason("as the weekly job saw it");
  absl::Notification saved;
  snapshots_->SaveSnapshot(kAlice, snapshot, absl::InfiniteFuture(),
                           [&](absl::StatusOr<v1::WeeklyProgress> stored) {
                             EXPECT_THAT(stored.status(), IsOk());
                             saved.Notify();
                           });
  saved.WaitForNotification();

  absl::StatusOr<v1::WeeklyProgress> stored = GetWeek(alice_, Week(47));
  ASSERT_THAT(stored.status(), IsOk());
  EXPECT_TRUE(stored->from_snapshot());
  EXPECT_EQ(stored->verdict().reason(), "as the weekly job saw it");

  // The snapshot seeds the current week's trend: the lift chain continues.
  Sync(alice_, {SquatWorkout("w1", 1, 17.5)});
  absl::StatusOr<v1::WeeklyProgress> current = GetWeek(alice_, std::nullopt);
  ASSERT_THAT(current.status(), IsOk());
  EXPECT_EQ(current->lifts(0).trend(), v1::LIFT_TREND_FLAT);
  EXPECT_EQ(current->lifts(0).weeks_without_progress(), 1);
}

TEST_F(ProgressServiceTest, ListsRangesOldestFirst) {
  StorePlan(kAlice);
  Sync(alice_, {SquatWorkout("w2", 15, 15), SquatWorkout("w1", 8, 17.5),
                SquatWorkout("w0", 1, 20)});
  v1::ListWeeklyProgressRequest request;
  *request.mutable_first_week() = Week(45);
  *request.mutable_last_week() = Week(48);
  absl::StatusOr<v1::ListWeeklyProgressResponse> list =
      Rpc(&Stub::ListWeeklyProgress, request, alice_);
  ASSERT_THAT(list.status(), IsOk());
  ASSERT_THAT(list->weeks(), SizeIs(4));
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(list->weeks(i).week().week(), 45 + i);
    EXPECT_EQ(list->weeks(i).plan_week_number(), 1 + i);
  }
  EXPECT_EQ(list->weeks(0).sessions_done(), 0);
  EXPECT_EQ(list->weeks(1).lifts(0).trend(), v1::LIFT_TREND_NEW);
  EXPECT_EQ(list->weeks(2).lifts(0).trend(), v1::LIFT_TREND_UP);
  EXPECT_EQ(list->weeks(3).lifts(0).trend(), v1::LIFT_TREND_UP);
}

TEST_F(ProgressServiceTest, TrendsAreChartReady) {
  Sync(alice_, {SquatWorkout("w2", 15, 15), SquatWorkout("w0", 1, 20)});
  v1::GetTrendRequest request;
  request.set_exercise_id("sumo_squat");
  request.set_weeks(4);
  absl::StatusOr<v1::Trend> trend = Rpc(&Stub::GetTrend, request, alice_);
  ASSERT_THAT(trend.status(), IsOk());
  EXPECT_EQ(trend->unit(), "kg");
  ASSERT_THAT(trend->points(), SizeIs(4));
  EXPECT_EQ(IsoWeekText(trend->points(0).week()), "2026-W45");
  EXPECT_FALSE(trend->points(0).present());
  EXPECT_TRUE(trend->points(1).present());
  EXPECT_DOUBLE_EQ(trend->points(1).value(), 19);  // 15 x 1.2667
  EXPECT_FALSE(trend->points(2).present());
  EXPECT_DOUBLE_EQ(trend->points(3).value(), 25.3);

  request.set_metric(v1::METRIC_RUNNING_DISTANCE_KM);
  request.set_weeks(0);  // the default, 8
  trend = Rpc(&Stub::GetTrend, request, alice_);
  ASSERT_THAT(trend.status(), IsOk());
  EXPECT_EQ(trend->unit(), "km");
  ASSERT_THAT(trend->points(), SizeIs(8));
  EXPECT_DOUBLE_EQ(trend->points(7).value(), 3);
  EXPECT_DOUBLE_EQ(trend->points(6).value(), 0);
}

TEST_F(ProgressServiceTest, SummaryCountsStreakAndTotals) {
  // Two adductor sessions in each of the last two weeks, one the week before.
  Sync(alice_, {SquatWorkout("a", 2, 20), SquatWorkout("b", 4, 20),
                SquatWorkout("c", 8, 20), SquatWorkout("d", 9, 20),
                SquatWorkout("e", 15, 20), SquatWorkout("f", 21, 20, 2)});
  absl::StatusOr<v1::ProgressSummary> summary =
      Rpc(&Stub::GetProgressSummary, v1::GetProgressSummaryRequest(), alice_);
  ASSERT_THAT(summary.status(), IsOk());
  // W47 met the goal (c, d); W46 did not (e only): a streak of one week.
  EXPECT_EQ(summary->adductor_goal_streak_weeks(), 1);
  EXPECT_EQ(summary->total_workouts(), 6);
  EXPECT_EQ(summary->total_sets(), 17);
  EXPECT_DOUBLE_EQ(summary->total_running_km(), 18);
  EXPECT_EQ(summary->first_workout_date().day(), 4);  // 21 days + 2 h ago
  EXPECT_EQ(ToTime(summary->last_workout_time()),
            kNow - absl::Hours(24 * 2 + 2));
}

// Issue 19: snapshots are kept for a bounded number of weeks.
TEST_F(ProgressServiceTest, SnapshotsOlderThanTheWeeksKeptAreDeleted) {
  RedisProgressStore keeping_two(*redis_, /*weeks_kept=*/2);
  const auto save = [&](int week) {
    v1::WeeklyProgress snapshot;
    *snapshot.mutable_week() = Week(week);
    absl::Notification saved;
    keeping_two.SaveSnapshot(kAlice, snapshot, absl::InfiniteFuture(),
                             [&](absl::StatusOr<v1::WeeklyProgress> stored) {
                               EXPECT_THAT(stored.status(), IsOk());
                               saved.Notify();
                             });
    saved.WaitForNotification();
    absl::Notification marked;
    keeping_two.MarkWeekDone(kAlice, Week(week), absl::InfiniteFuture(),
                             [&](absl::Status status) {
                               EXPECT_THAT(status, IsOk());
                               marked.Notify();
                             });
    marked.WaitForNotification();
  };
  for (int week : {44, 45, 46, 47}) {
    save(week);
  }
  const std::string fields =
      redis_server_.Cli(absl::StrCat("HKEYS '{u:", kAlice, "}:progress'"));
  std::vector<std::string> kept = absl::StrSplit(fields, '\n');
  std::sort(kept.begin(), kept.end());
  EXPECT_EQ(kept, (std::vector<std::string>{
                      IsoWeekText(Week(46)), IsoWeekText(Week(47)),
                      "done:" + IsoWeekText(Week(46)),
                      "done:" + IsoWeekText(Week(47)), "saves"}));
}

TEST_F(ProgressServiceTest, BadInputNamesTheField) {
  v1::GetWeeklyProgressRequest bad_week;
  bad_week.mutable_week()->set_year(2025);
  bad_week.mutable_week()->set_week(53);
  EXPECT_THAT(Rpc(&Stub::GetWeeklyProgress, bad_week, alice_).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("week")));
  EXPECT_THAT(GetWeek(alice_, Week(49)).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("must not be after the current week")));

  v1::ListWeeklyProgressRequest range;
  *range.mutable_first_week() = Week(10);
  *range.mutable_last_week() = Week(36);  // 27 weeks
  EXPECT_THAT(
      Rpc(&Stub::ListWeeklyProgress, range, alice_).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("last_week")));
  *range.mutable_last_week() = Week(9);
  EXPECT_THAT(Rpc(&Stub::ListWeeklyProgress, range, alice_).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("must not be before first_week")));
  range.clear_first_week();
  EXPECT_THAT(
      Rpc(&Stub::ListWeeklyProgress, range, alice_).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("first_week")));

  v1::GetTrendRequest trend;
  EXPECT_THAT(
      Rpc(&Stub::GetTrend, trend, alice_).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("subject")));
  trend.set_exercise_id("leg_press");
  EXPECT_THAT(
      Rpc(&Stub::GetTrend, trend, alice_).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("exercise_id")));
  trend.set_metric(static_cast<v1::Metric>(99));
  EXPECT_THAT(
      Rpc(&Stub::GetTrend, trend, alice_).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("metric")));
  trend.set_metric(v1::METRIC_WAIST_CM);
  trend.set_weeks(53);
  EXPECT_THAT(Rpc(&Stub::GetTrend, trend, alice_).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("weeks")));
}

TEST_F(ProgressServiceTest, OnlyTheCallersOwnData) {
  StorePlan(kAlice);
  Sync(alice_, {SquatWorkout("w1", 1, 20)});
  absl::StatusOr<v1::WeeklyProgress> bobs = GetWeek(bob_, std::nullopt);
  ASSERT_THAT(bobs.status(), IsOk());
  EXPECT_EQ(bobs->sessions_done(), 0);
  EXPECT_EQ(bobs->plan_week_number(), 0);
  EXPECT_THAT(bobs->lifts(), SizeIs(0));

  EXPECT_THAT(GetWeek("", std::nullopt).status(),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(GetWeek(alice_ + "x", std::nullopt).status(),
              StatusIs(absl::StatusCode::kUnauthenticated));

  // Authentication comes first: a caller without a session learns nothing
  // about what is wrong with the request (issue 21).
  v1::GetWeeklyProgressRequest bad_week;
  bad_week.mutable_week()->set_year(-1);
  EXPECT_THAT(Rpc(&Stub::GetWeeklyProgress, bad_week, "").status(),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(
      Rpc(&Stub::ListWeeklyProgress, v1::ListWeeklyProgressRequest(), "")
          .status(),
      StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Rpc(&Stub::GetTrend, v1::GetTrendRequest(), "").status(),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

// UNAVAILABLE, not a hang until the 5 s deadline (DEADLINE_EXCEEDED).
TEST_F(ProgressServiceTest, RedisDownIsUnavailable) {
  redis_server_.Kill();
  EXPECT_THAT(GetWeek(alice_, std::nullopt).status(),
              StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace gracilis::progress
