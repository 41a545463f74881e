// ProgressService through real gRPC against a real redis-server, with the
// workouts written through the real WorkoutService and the plan stored the
// way GeneratePlan stores it.

#include "services/progress/progress_service.h"

#include <algorithm>

#include "absl/strings/str_split.h"
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
  EXPECT_EQ(kept, (std::vector<std::string>{IsoWeekText(Week(46)),
                                            IsoWeekText(Week(47)),
                                            "done:" + IsoWeekText(Week(46)),
                                            "done:" + IsoWeekText(Week(47))}));
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
