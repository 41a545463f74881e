// WorkoutService through real gRPC against a real redis-server: retries,
// conflicts, out-of-order batches, restarts and other users' data.

#include "services/workout/workout_service.h"

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "common/compress/gzip.h"
#include "common/grpc/service_host.h"
#include "common/status/errors.h"
#include "common/status/status_matchers.h"
#include "common/testing/redis_server.h"
#include "common/testing/signed_in_call.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "services/workout/domain/gpx_testing.h"

namespace gracilis::workout {
namespace {

using google::protobuf::util::TimeUtil;
using ::gracilis::testing::IsOk;
using ::gracilis::testing::StatusIs;
using ::gracilis::testing::TestRedisServer;
using ::testing::HasSubstr;
using Stub = v1::WorkoutService::Stub;

google::protobuf::Timestamp Ago(absl::Duration ago) {
  return TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(absl::Now() - ago));
}

v1::StrengthSet SumoSquat(const std::string& id, int reps,
                          absl::Duration ago = absl::Minutes(1)) {
  v1::StrengthSet set;
  set.set_set_id(id);
  set.set_exercise_id("sumo_squat");
  set.set_variant("goblet");
  set.set_reps(reps);
  set.mutable_load()->set_value(20);
  set.mutable_load()->set_unit(type::v1::MASS_UNIT_POUND);
  *set.mutable_performed_time() = Ago(ago);
  return set;
}

v1::Run EasyRun(const std::string& id) {
  v1::Run run;
  run.set_run_id(id);
  run.set_type(type::v1::RUN_TYPE_EASY);
  run.mutable_distance()->set_value(3);
  run.mutable_distance()->set_unit(type::v1::LENGTH_UNIT_KILOMETER);
  run.set_duration_seconds(1200);
  *run.mutable_start_time() = Ago(absl::Minutes(30));
  return run;
}

// A workout recorded offline `days_ago`, with two sets.
v1::Workout OfflineWorkout(const std::string& id, int days_ago) {
  v1::Workout workout;
  workout.set_workout_id(id);
  const absl::Duration start = absl::Hours(24 * days_ago + 2);
  *workout.mutable_start_time() = Ago(start);
  *workout.mutable_end_time() = Ago(start - absl::Hours(1));
  *workout.add_sets() = SumoSquat(id + "-s1", 10, start - absl::Minutes(10));
  *workout.add_sets() = SumoSquat(id + "-s2", 8, start - absl::Minutes(15));
  return workout;
}

constexpr char kW1[] = "users/me/workouts/w1";
// User ids are 24 hex digits (session tokens carry them).
constexpr char kAlice[] = "a11ce0000000000000000001";
constexpr char kBob[] = "b0b000000000000000000002";
const std::string kAlicesW1 = absl::StrCat("users/", kAlice, "/workouts/w1");

class WorkoutServiceTest : public ::testing::Test {
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
                                Owns(RedisWorkoutStore::Functions())},
        nullptr);
    sessions_ =
        std::make_unique<RedisSessionStore>(*redis_, clock_, SessionConfig());
    store_ = std::make_unique<RedisWorkoutStore>(*redis_);
    redis_->Start();
    ASSERT_TRUE(testing::WaitUntil([&] { return redis_->ready(); }));
    StartService();
    alice_ = SignIn(kAlice);
    bob_ = SignIn(kBob);
  }

  void TearDown() override {
    host_->Drain();
    redis_->Stop();
  }

  // A fresh service object and server on the same Redis, as after a restart.
  void StartService() {
    if (host_ != nullptr) {
      host_->Drain();
    }
    service_ = std::make_unique<WorkoutService>(*catalog_, *store_, *sessions_,
                                                clock_, nullptr);
    ServerConfig server_config;
    server_config.listen = {"127.0.0.1", 0};
    server_config.shutdown_grace = absl::Seconds(1);
    host_ = std::make_unique<ServiceHost>(server_config);
    host_->AddService(service_.get(), "gracilis.workout.v1.WorkoutService");
    ASSERT_THAT(host_->Start(), IsOk());
    host_->SetServing(true);
    stub_ = v1::WorkoutService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", host_->port()),
                            grpc::InsecureChannelCredentials()));
  }

  // A session for a user whose account exists (its profile key).
  std::string SignIn(const std::string& user_id) {
    redis_server_.Cli(absl::StrCat("SET '{u:", user_id, "}:profile' x"));
    std::string token = testing::IssueSession(*sessions_, user_id);
    EXPECT_FALSE(token.empty());
    return token;
  }

  template <typename Request, typename Response>
  absl::StatusOr<Response> Rpc(
      grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                   Response*),
      const Request& request, const std::string& token) {
    return testing::SignedInCall(*stub_, method, request, token);
  }

  absl::StatusOr<v1::Workout> Start(const std::string& token,
                                    const std::string& id,
                                    const std::string& notes = "") {
    v1::StartWorkoutRequest request;
    request.mutable_workout()->set_workout_id(id);
    request.mutable_workout()->set_notes(notes);
    return Rpc(&Stub::StartWorkout, request, token);
  }

  absl::StatusOr<v1::StrengthSet> LogSet(const std::string& token,
                                         const std::string& workout,
                                         const v1::StrengthSet& set) {
    v1::LogSetRequest request;
    request.set_workout(workout);
    *request.mutable_set() = set;
    return Rpc(&Stub::LogSet, request, token);
  }

  absl::StatusOr<v1::Workout> Get(const std::string& token,
                                  const std::string& name) {
    v1::GetWorkoutRequest request;
    request.set_name(name);
    return Rpc(&Stub::GetWorkout, request, token);
  }

  absl::StatusOr<v1::Workout> Finish(const std::string& token,
                                     const std::string& name) {
    v1::FinishWorkoutRequest request;
    request.set_workout(name);
    return Rpc(&Stub::FinishWorkout, request, token);
  }

  absl::StatusOr<v1::SyncWorkoutsResponse> Sync(
      const std::string& token, const std::vector<v1::Workout>& workouts) {
    v1::SyncWorkoutsRequest request;
    for (const v1::Workout& workout : workouts) {
      *request.add_workouts() = workout;
    }
    return Rpc(&Stub::SyncWorkouts, request, token);
  }

  absl::StatusOr<v1::ListWorkoutsResponse> List(const std::string& token,
                                                int page_size,
                                                const std::string& page_token) {
    v1::ListWorkoutsRequest request;
    request.set_page_size(page_size);
    request.set_page_token(page_token);
    return Rpc(&Stub::ListWorkouts, request, token);
  }

  absl::StatusOr<v1::ListChangesResponse> Changes(const std::string& token,
                                                  const std::string& since) {
    v1::ListChangesRequest request;
    request.set_since_token(since);
    return Rpc(&Stub::ListChanges, request, token);
  }

  // Every workout id of the user's history, newest first, page by page.
  std::vector<std::string> AllWorkoutIds(const std::string& token,
                                         int page_size) {
    std::vector<std::string> ids;
    std::string page_token;
    do {
      absl::StatusOr<v1::ListWorkoutsResponse> page =
          List(token, page_size, page_token);
      EXPECT_THAT(page.status(), IsOk());
      if (!page.ok()) {
        break;
      }
      for (const v1::Workout& workout : page->workouts()) {
        ids.push_back(workout.workout_id());
      }
      page_token = page->next_page_token();
    } while (!page_token.empty());
    return ids;
  }

  TestRedisServer redis_server_;
  SystemClock clock_;
  std::unique_ptr<plan::ExerciseCatalog> catalog_;
  std::unique_ptr<RedisClient> redis_;
  std::unique_ptr<RedisSessionStore> sessions_;
  std::unique_ptr<RedisWorkoutStore> store_;
  std::unique_ptr<WorkoutService> service_;
  std::unique_ptr<ServiceHost> host_;
  std::unique_ptr<Stub> stub_;
  std::string alice_;
  std::string bob_;
};

TEST_F(WorkoutServiceTest, LiveWorkoutFromStartToFinish) {
  absl::StatusOr<v1::Workout> started = Start(alice_, "w1");
  ASSERT_THAT(started.status(), IsOk());
  EXPECT_EQ(started->name(), kAlicesW1);
  EXPECT_EQ(started->state(), v1::Workout::STATE_ACTIVE);
  EXPECT_EQ(started->version(), 1);

  ASSERT_THAT(LogSet(alice_, kW1, SumoSquat("b", 8)).status(), IsOk());
  absl::StatusOr<v1::StrengthSet> first =
      LogSet(alice_, kW1, SumoSquat("a", 10, absl::Minutes(5)));
  ASSERT_THAT(first.status(), IsOk());
  EXPECT_NEAR(first->load_kg(), 9.0718, 1e-4);
  v1::LogRunRequest run;
  run.set_workout(kW1);
  *run.mutable_run() = EasyRun("r1");
  absl::StatusOr<v1::Run> logged_run = Rpc(&Stub::LogRun, run, alice_);
  ASSERT_THAT(logged_run.status(), IsOk());
  EXPECT_DOUBLE_EQ(logged_run->distance_m(), 3000);

  absl::StatusOr<v1::Workout> active =
      Rpc(&Stub::GetActiveWorkout, v1::GetActiveWorkoutRequest(), alice_);
  ASSERT_THAT(active.status(), IsOk());
  ASSERT_EQ(active->sets_size(), 2);
  EXPECT_EQ(active->sets(0).set_id(), "a");  // in the order performed
  EXPECT_EQ(active->sets(1).set_id(), "b");
  EXPECT_EQ(active->sets(0).load().unit(), type::v1::MASS_UNIT_POUND);
  EXPECT_EQ(active->runs_size(), 1);
  EXPECT_EQ(active->version(), 4);

  absl::StatusOr<v1::Workout> finished = Finish(alice_, kW1);
  ASSERT_THAT(finished.status(), IsOk());
  EXPECT_EQ(finished->state(), v1::Workout::STATE_FINISHED);
  EXPECT_TRUE(finished->has_end_time());
  EXPECT_THAT(
      Rpc(&Stub::GetActiveWorkout, v1::GetActiveWorkoutRequest(), alice_)
          .status(),
      StatusIs(absl::StatusCode::kNotFound));
  // Finishing again is a retry: the same answer, no new version.
  absl::StatusOr<v1::Workout> again = Finish(alice_, kW1);
  ASSERT_THAT(again.status(), IsOk());
  EXPECT_EQ(again->version(), finished->version());
  v1::AbandonWorkoutRequest abandon;
  abandon.set_workout(kW1);
  EXPECT_THAT(Rpc(&Stub::AbandonWorkout, abandon, alice_).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(WorkoutServiceTest, RetriedSetsAreStoredOnceAndReusedIdsRejected) {
  ASSERT_THAT(Start(alice_, "w1").status(), IsOk());
  const v1::StrengthSet set = SumoSquat("s1", 10);
  for (int attempt = 0; attempt < 3; ++attempt) {
    EXPECT_THAT(LogSet(alice_, kW1, set).status(), IsOk());
  }
  v1::StrengthSet changed = set;
  changed.set_reps(12);
  absl::Status reused = LogSet(alice_, kW1, changed).status();
  EXPECT_THAT(reused, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr("set.set_id")));
  EXPECT_EQ(ReasonOf(reused), "REQUEST_ID_REUSED");

  ASSERT_THAT(Finish(alice_, kW1).status(), IsOk());
  // A retry that arrives after the finish is still the same set...
  EXPECT_THAT(LogSet(alice_, kW1, set).status(), IsOk());
  // ...but a new set cannot join an ended workout.
  absl::Status ended = LogSet(alice_, kW1, SumoSquat("s2", 10)).status();
  EXPECT_THAT(ended, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ReasonOf(ended), "WORKOUT_ENDED");

  absl::StatusOr<v1::Workout> stored = Get(alice_, kW1);
  ASSERT_THAT(stored.status(), IsOk());
  ASSERT_EQ(stored->sets_size(), 1);
  EXPECT_EQ(stored->sets(0).reps(), 10);
  EXPECT_EQ(stored->version(), 3);  // start, one set, finish
}

TEST_F(WorkoutServiceTest, StartIsIdempotentAndOneWorkoutIsActiveAtATime) {
  absl::StatusOr<v1::Workout> first = Start(alice_, "w1", "legs");
  ASSERT_THAT(first.status(), IsOk());
  absl::StatusOr<v1::Workout> retried = Start(alice_, "w1", "legs");
  ASSERT_THAT(retried.status(), IsOk());
  EXPECT_EQ(retried->version(), first->version());
  EXPECT_EQ(ReasonOf(Start(alice_, "w1", "arms").status()),
            "REQUEST_ID_REUSED");
  absl::Status busy = Start(alice_, "w2").status();
  EXPECT_THAT(busy, StatusIs(absl::StatusCode::kFailedPrecondition,
                             HasSubstr(kAlicesW1)));
  EXPECT_EQ(ReasonOf(busy), "WORKOUT_ALREADY_ACTIVE");
  // Bob's workouts are his own: his w1 is another workout.
  EXPECT_THAT(Start(bob_, "w1", "other").status(), IsOk());
}

TEST_F(WorkoutServiceTest, OfflineBatchesInAnyOrderRetriedAndPartlyBad) {
  v1::Workout bad = OfflineWorkout("bad", 1);
  bad.mutable_sets(0)->set_reps(5000);
  const std::vector<v1::Workout> batch = {OfflineWorkout("old", 5), bad,
                                          OfflineWorkout("new", 2)};
  absl::StatusOr<v1::SyncWorkoutsResponse> synced = Sync(alice_, batch);
  ASSERT_THAT(synced.status(), IsOk());
  ASSERT_EQ(synced->results_size(), 3);
  EXPECT_EQ(synced->results(0).code(), 0);
  EXPECT_EQ(synced->results(0).workout().state(), v1::Workout::STATE_FINISHED);
  EXPECT_EQ(synced->results(1).code(), int(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(synced->results(1).message(),
              HasSubstr("workouts[1].sets[0].reps"));
  EXPECT_EQ(synced->results(2).code(), 0);

  // The phone never heard back and sends it all again, in another order.
  absl::StatusOr<v1::SyncWorkoutsResponse> retried =
      Sync(alice_, {batch[2], batch[0]});
  ASSERT_THAT(retried.status(), IsOk());
  EXPECT_EQ(retried->results(0).code(), 0);
  EXPECT_EQ(retried->results(0).workout().version(),
            synced->results(2).workout().version());
  EXPECT_EQ(AllWorkoutIds(alice_, 10),
            (std::vector<std::string>{"new", "old"}));

  // The same id with other content is refused, the rest of the batch is not.
  v1::Workout edited = batch[0];
  edited.set_notes("changed offline");
  absl::StatusOr<v1::SyncWorkoutsResponse> mixed =
      Sync(alice_, {edited, OfflineWorkout("newest", 0)});
  ASSERT_THAT(mixed.status(), IsOk());
  EXPECT_EQ(mixed->results(0).code(), int(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(mixed->results(0).message(), HasSubstr("workout_id"));
  EXPECT_EQ(mixed->results(1).code(), 0);
  EXPECT_EQ(AllWorkoutIds(alice_, 10),
            (std::vector<std::string>{"newest", "new", "old"}));
  absl::StatusOr<v1::Workout> old = Get(alice_, "users/me/workouts/old");
  ASSERT_THAT(old.status(), IsOk());
  EXPECT_EQ(old->notes(), "");
  EXPECT_EQ(old->sets_size(), 2);

  std::vector<v1::Workout> too_many(kMaxWorkoutsPerSync + 1,
                                    OfflineWorkout("x", 1));
  EXPECT_THAT(Sync(alice_, too_many).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("workouts: must be at most 50")));
}

// A watch's run imported from its GPX file (made by gpx_testing::OutAndBack:
// 5 km along a meridian with a 27 m climb and a 2-minute stop), gzipped as
// an app would send it.
TEST_F(WorkoutServiceTest, ARunImportedFromAWatchIsStoredOnce) {
  const std::string gpx = gpx_testing::Gpx({gpx_testing::OutAndBack()});
  v1::ImportRunRequest request;
  request.set_gpx(Gzip(gpx));
  request.set_type(type::v1::RUN_TYPE_EASY);
  absl::StatusOr<v1::ImportRunResponse> imported =
      Rpc(&Stub::ImportRun, request, alice_);
  ASSERT_THAT(imported.status(), IsOk());
  EXPECT_EQ(imported->points(), 425);
  EXPECT_EQ(imported->elapsed_seconds(), 2120);
  EXPECT_NEAR(imported->elevation_gain_m(), 27, 1e-9);
  const v1::Workout& workout = imported->workout();
  EXPECT_EQ(workout.workout_id().substr(0, 4), "gpx-");
  EXPECT_EQ(workout.state(), v1::Workout::STATE_FINISHED);
  ASSERT_EQ(workout.runs_size(), 1);
  EXPECT_NEAR(workout.runs(0).distance_m(), 5000, 0.5);
  EXPECT_EQ(workout.runs(0).duration_seconds(), 2000);
  EXPECT_EQ(workout.runs(0).segments_size(), 5);

  // The same file again, packed or not, changes nothing.
  const std::string before = redis_server_.Cli("DBSIZE");
  request.set_gpx(gpx);
  absl::StatusOr<v1::ImportRunResponse> again =
      Rpc(&Stub::ImportRun, request, alice_);
  ASSERT_THAT(again.status(), IsOk());
  EXPECT_EQ(again->workout().workout_id(), workout.workout_id());
  EXPECT_EQ(again->workout().version(), workout.version());
  EXPECT_EQ(AllWorkoutIds(alice_, 10),
            (std::vector<std::string>{workout.workout_id()}));
  EXPECT_EQ(redis_server_.Cli("DBSIZE"), before);
  // Bob's copy of the file is his own workout; Alice's is not his.
  absl::StatusOr<v1::ImportRunResponse> bobs =
      Rpc(&Stub::ImportRun, request, bob_);
  ASSERT_THAT(bobs.status(), IsOk());
  EXPECT_EQ(AllWorkoutIds(bob_, 10),
            (std::vector<std::string>{workout.workout_id()}));
  EXPECT_EQ(AllWorkoutIds(alice_, 10).size(), 1u);
}

TEST_F(WorkoutServiceTest, BadGpxFilesAreRefusedAndNothingIsStored) {
  const std::string before = redis_server_.Cli("DBSIZE");
  std::vector<gpx_testing::Pt> backwards = gpx_testing::OutAndBack();
  std::swap(backwards[10], backwards[11]);
  std::vector<gpx_testing::Pt> too_far = {{0, 0, 0}, {500'000, 36'000, 0}};
  for (const std::string& file :
       {std::string("PK\x03\x04 a zip, not a GPX"),
        std::string("<gpx version=\"1.1\"></gpx>"),
        gpx_testing::Gpx({backwards}), gpx_testing::Gpx({too_far}),
        Gzip("<html/>"), std::string()}) {
    v1::ImportRunRequest request;
    request.set_gpx(file);
    absl::Status status = Rpc(&Stub::ImportRun, request, alice_).status();
    EXPECT_THAT(status,
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("gpx")))
        << file.substr(0, 40);
  }
  EXPECT_EQ(redis_server_.Cli("DBSIZE"), before);
  EXPECT_TRUE(AllWorkoutIds(alice_, 10).empty());
}

TEST_F(WorkoutServiceTest, HistoryPagesNewestFirstWithinATimeRange) {
  std::vector<v1::Workout> batch;
  for (int day = 0; day < 7; ++day) {
    batch.push_back(OfflineWorkout(absl::StrCat("d", day), day));
  }
  ASSERT_THAT(Sync(alice_, batch).status(), IsOk());
  EXPECT_EQ(
      AllWorkoutIds(alice_, 3),
      (std::vector<std::string>{"d0", "d1", "d2", "d3", "d4", "d5", "d6"}));
  v1::ListWorkoutsRequest range;
  *range.mutable_start_time() = Ago(absl::Hours(24 * 4 + 12));
  *range.mutable_end_time() = Ago(absl::Hours(24 * 1 + 12));
  absl::StatusOr<v1::ListWorkoutsResponse> listed =
      Rpc(&Stub::ListWorkouts, range, alice_);
  ASSERT_THAT(listed.status(), IsOk());
  std::vector<std::string> ids;
  for (const auto& workout : listed->workouts()) {
    ids.push_back(workout.workout_id());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"d2", "d3", "d4"}));
  EXPECT_THAT(
      List(alice_, 0, "garbage").status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
  // Over the cap is the cap (AIP-158); negative is refused.
  EXPECT_THAT(List(alice_, 101, "").status(), IsOk());
  EXPECT_THAT(
      List(alice_, -1, "").status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_size")));
  EXPECT_TRUE(AllWorkoutIds(bob_, 3).empty());
  v1::ListWorkoutsRequest far;
  far.mutable_start_time()->set_seconds(int64_t{1} << 40);
  EXPECT_THAT(Rpc(&Stub::ListWorkouts, far, alice_).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("start_time: must be a valid time")));
}

TEST_F(WorkoutServiceTest, UpdatesFollowTheMaskAndTheVersion) {
  ASSERT_THAT(Sync(alice_, {OfflineWorkout("w1", 1)}).status(), IsOk());
  absl::StatusOr<v1::Workout> current = Get(alice_, kW1);
  ASSERT_THAT(current.status(), IsOk());

  v1::UpdateWorkoutRequest update;
  update.mutable_workout()->set_name(kW1);
  update.mutable_workout()->set_notes("sumo felt easy");
  update.mutable_update_mask()->add_paths("notes");
  update.set_expected_version(current->version());
  absl::StatusOr<v1::Workout> updated =
      Rpc(&Stub::UpdateWorkout, update, alice_);
  ASSERT_THAT(updated.status(), IsOk());
  EXPECT_EQ(updated->notes(), "sumo felt easy");
  EXPECT_EQ(updated->sets_size(), 2);
  EXPECT_EQ(updated->version(), current->version() + 1);

  // A stale version, a server-owned field: refused, nothing changes.
  update.mutable_workout()->set_notes("stale");
  EXPECT_THAT(Rpc(&Stub::UpdateWorkout, update, alice_).status(),
              StatusIs(absl::StatusCode::kAborted));
  update.set_expected_version(0);
  update.mutable_update_mask()->add_paths("version");
  EXPECT_THAT(Rpc(&Stub::UpdateWorkout, update, alice_).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("'version' is set by the server")));
  absl::StatusOr<v1::Workout> after = Get(alice_, kW1);
  ASSERT_THAT(after.status(), IsOk());
  EXPECT_EQ(after->notes(), "sumo felt easy");
  EXPECT_EQ(after->version(), updated->version());

  // Replacing the sets drops the old ones.
  v1::UpdateWorkoutRequest sets;
  sets.mutable_workout()->set_name(kW1);
  *sets.mutable_workout()->add_sets() = SumoSquat("only", 12);
  sets.mutable_update_mask()->add_paths("sets");
  absl::StatusOr<v1::Workout> replaced =
      Rpc(&Stub::UpdateWorkout, sets, alice_);
  ASSERT_THAT(replaced.status(), IsOk());
  ASSERT_EQ(replaced->sets_size(), 1);
  EXPECT_EQ(replaced->sets(0).set_id(), "only");

  // No mask (AIP-134): what the request's workout sets changes; its
  // output-only fields, as read back, are ignored.
  v1::UpdateWorkoutRequest implied;
  *implied.mutable_workout() = *replaced;
  implied.mutable_workout()->set_notes("no mask needed");
  absl::StatusOr<v1::Workout> noted =
      Rpc(&Stub::UpdateWorkout, implied, alice_);
  ASSERT_THAT(noted.status(), IsOk());
  EXPECT_EQ(noted->notes(), "no mask needed");
  EXPECT_EQ(noted->sets_size(), 1);
  implied.Clear();
  implied.mutable_workout()->set_name(kW1);
  implied.mutable_workout()->set_notes("only the notes");
  noted = Rpc(&Stub::UpdateWorkout, implied, alice_);
  ASSERT_THAT(noted.status(), IsOk());
  EXPECT_EQ(noted->notes(), "only the notes");
  EXPECT_EQ(noted->sets_size(), 1);
}

TEST_F(WorkoutServiceTest, DeletionLeavesATombstoneOtherDevicesSee) {
  ASSERT_THAT(Sync(alice_, {OfflineWorkout("w1", 1)}).status(), IsOk());
  absl::StatusOr<v1::ListChangesResponse> seen = Changes(alice_, "");
  ASSERT_THAT(seen.status(), IsOk());
  ASSERT_EQ(seen->changes_size(), 1);
  EXPECT_EQ(seen->changes(0).kind(), v1::Change::KIND_WORKOUT_UPSERTED);
  EXPECT_EQ(seen->changes(0).workout().sets_size(), 2);

  v1::DeleteWorkoutRequest remove;
  remove.set_name(kW1);
  ASSERT_THAT(Rpc(&Stub::DeleteWorkout, remove, alice_).status(), IsOk());
  EXPECT_THAT(Rpc(&Stub::DeleteWorkout, remove, alice_).status(), IsOk());
  EXPECT_THAT(Get(alice_, kW1).status(), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(AllWorkoutIds(alice_, 10).empty());

  absl::StatusOr<v1::ListChangesResponse> later =
      Changes(alice_, seen->next_token());
  ASSERT_THAT(later.status(), IsOk());
  ASSERT_EQ(later->changes_size(), 1);
  EXPECT_EQ(later->changes(0).kind(), v1::Change::KIND_WORKOUT_DELETED);
  EXPECT_EQ(later->changes(0).resource(), kAlicesW1);
  EXPECT_TRUE(later->changes(0).has_change_time());

  absl::Status reuse = Start(alice_, "w1").status();
  EXPECT_EQ(ReasonOf(reuse), "WORKOUT_DELETED");
  absl::StatusOr<v1::SyncWorkoutsResponse> resync =
      Sync(alice_, {OfflineWorkout("w1", 1)});
  ASSERT_THAT(resync.status(), IsOk());
  EXPECT_EQ(resync->results(0).code(),
            int(absl::StatusCode::kFailedPrecondition));
}

// Issue 19: the feed forgets a deleted workout once its tombstone expires,
// and a token from before that is told to sync again instead of silently
// missing the deletion.
TEST_F(WorkoutServiceTest, ForgottenDeletionsAskOldTokensToSyncAgain) {
  ASSERT_THAT(Sync(alice_, {OfflineWorkout("w1", 1)}).status(), IsOk());
  absl::StatusOr<v1::ListChangesResponse> before = Changes(alice_, "");
  ASSERT_THAT(before.status(), IsOk());
  v1::DeleteWorkoutRequest remove;
  remove.set_name(kW1);
  ASSERT_THAT(Rpc(&Stub::DeleteWorkout, remove, alice_).status(), IsOk());
  // 30 days on: the tombstone has expired.
  const std::string user = absl::StrCat("'{u:", kAlice, "}:");
  redis_server_.Cli("ZADD " + user + "tombs' 0 w1");
  redis_server_.Cli("DEL " + user + "w:w1'");
  // The next create compacts the feed.
  ASSERT_THAT(Sync(alice_, {OfflineWorkout("w2", 2)}).status(), IsOk());

  absl::Status old = Changes(alice_, before->next_token()).status();
  EXPECT_THAT(old, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ReasonOf(old), "SYNC_TOKEN_EXPIRED");
  absl::StatusOr<v1::ListChangesResponse> again = Changes(alice_, "");
  ASSERT_THAT(again.status(), IsOk());
  ASSERT_EQ(again->changes_size(), 1);
  EXPECT_EQ(again->changes(0).workout().workout_id(), "w2");
  EXPECT_THAT(Changes(alice_, again->next_token()).status(), IsOk());
  const std::string registry = redis_server_.Cli("SMEMBERS " + user + "keys'");
  EXPECT_THAT(registry, HasSubstr("}:tombs"));
  EXPECT_THAT(registry, HasSubstr("}:changefloor"));
}

TEST_F(WorkoutServiceTest, ChangesFeedCarriesEveryKindOnce) {
  absl::StatusOr<v1::ListChangesResponse> start = Changes(alice_, "");
  ASSERT_THAT(start.status(), IsOk());
  EXPECT_EQ(start->changes_size(), 0);

  ASSERT_THAT(Start(alice_, "w1").status(), IsOk());
  for (int i = 0; i < 3; ++i) {
    ASSERT_THAT(
        LogSet(alice_, kW1, SumoSquat(absl::StrCat("s", i), 10)).status(),
        IsOk());
  }
  v1::LogBodyMeasurementRequest body;
  body.mutable_measurement()->set_measurement_id("m1");
  *body.mutable_measurement()->mutable_measure_time() = Ago(absl::Hours(1));
  body.mutable_measurement()->mutable_thigh()->set_value(56);
  body.mutable_measurement()->mutable_thigh()->set_unit(
      type::v1::LENGTH_UNIT_CENTIMETER);
  ASSERT_THAT(Rpc(&Stub::LogBodyMeasurement, body, alice_).status(), IsOk());
  v1::LogNutritionRequest food;
  food.mutable_log()->mutable_date()->set_year(2026);
  food.mutable_log()->mutable_date()->set_month(11);
  food.mutable_log()->mutable_date()->set_day(20);
  food.mutable_log()->set_protein_grams(105);
  ASSERT_THAT(Rpc(&Stub::LogNutrition, food, alice_).status(), IsOk());

  absl::StatusOr<v1::ListChangesResponse> feed =
      Changes(alice_, start->next_token());
  ASSERT_THAT(feed.status(), IsOk());
  ASSERT_EQ(feed->changes_size(), 3);  // the workout once, at its latest
  EXPECT_EQ(feed->changes(0).workout().sets_size(), 3);
  EXPECT_EQ(feed->changes(1).kind(), v1::Change::KIND_BODY_MEASUREMENT);
  EXPECT_DOUBLE_EQ(feed->changes(1).body_measurement().thigh_cm(), 56);
  EXPECT_EQ(feed->changes(2).kind(), v1::Change::KIND_NUTRITION_LOG);
  EXPECT_EQ(feed->changes(2).resource(),
            absl::StrCat("users/", kAlice, "/nutritionLogs/2026-11-20"));
  absl::StatusOr<v1::ListChangesResponse> caught_up =
      Changes(alice_, feed->next_token());
  ASSERT_THAT(caught_up.status(), IsOk());
  EXPECT_EQ(caught_up->changes_size(), 0);
  EXPECT_EQ(caught_up->next_token(), feed->next_token());
  EXPECT_EQ(Changes(bob_, "")->changes_size(), 0);
  EXPECT_THAT(
      Changes(alice_, "x").status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("since_token")));
}

TEST_F(WorkoutServiceTest, BodyAndNutritionLogs) {
  v1::LogBodyMeasurementRequest body;
  v1::BodyMeasurement& m = *body.mutable_measurement();
  m.set_measurement_id("m1");
  *m.mutable_measure_time() = Ago(absl::Hours(30));
  m.mutable_body_weight()->set_value(141);
  m.mutable_body_weight()->set_unit(type::v1::MASS_UNIT_POUND);
  ASSERT_THAT(Rpc(&Stub::LogBodyMeasurement, body, alice_).status(), IsOk());
  ASSERT_THAT(Rpc(&Stub::LogBodyMeasurement, body, alice_).status(), IsOk());
  m.mutable_body_weight()->set_value(140);
  EXPECT_EQ(ReasonOf(Rpc(&Stub::LogBodyMeasurement, body, alice_).status()),
            "REQUEST_ID_REUSED");
  m.set_measurement_id("m2");
  *m.mutable_measure_time() = Ago(absl::Hours(2));
  ASSERT_THAT(Rpc(&Stub::LogBodyMeasurement, body, alice_).status(), IsOk());
  m.mutable_body_weight()->set_value(10);
  m.set_measurement_id("m3");
  EXPECT_THAT(Rpc(&Stub::LogBodyMeasurement, body, alice_).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("measurement.body_weight.value")));

  v1::ListBodyMeasurementsRequest list;
  list.set_page_size(1);
  absl::StatusOr<v1::ListBodyMeasurementsResponse> page =
      Rpc(&Stub::ListBodyMeasurements, list, alice_);
  ASSERT_THAT(page.status(), IsOk());
  ASSERT_EQ(page->measurements_size(), 1);
  EXPECT_EQ(page->measurements(0).measurement_id(), "m2");
  EXPECT_NEAR(page->measurements(0).body_weight_kg(), 63.5, 0.01);
  list.set_page_token(page->next_page_token());
  page = Rpc(&Stub::ListBodyMeasurements, list, alice_);
  ASSERT_THAT(page.status(), IsOk());
  ASSERT_EQ(page->measurements_size(), 1);
  EXPECT_EQ(page->measurements(0).measurement_id(), "m1");
  EXPECT_EQ(page->next_page_token(), "");

  v1::LogNutritionRequest food;
  food.mutable_log()->mutable_date()->set_year(2026);
  food.mutable_log()->mutable_date()->set_month(11);
  food.mutable_log()->mutable_date()->set_day(20);
  food.mutable_log()->set_protein_grams(90);
  ASSERT_THAT(Rpc(&Stub::LogNutrition, food, alice_).status(), IsOk());
  food.mutable_log()->set_protein_grams(120);  // replaces that day
  ASSERT_THAT(Rpc(&Stub::LogNutrition, food, alice_).status(), IsOk());
  food.mutable_log()->mutable_date()->set_day(21);
  ASSERT_THAT(Rpc(&Stub::LogNutrition, food, alice_).status(), IsOk());
  absl::StatusOr<v1::ListNutritionLogsResponse> logs =
      Rpc(&Stub::ListNutritionLogs, v1::ListNutritionLogsRequest(), alice_);
  ASSERT_THAT(logs.status(), IsOk());
  ASSERT_EQ(logs->logs_size(), 2);
  EXPECT_EQ(logs->logs(0).date().day(), 21);
  EXPECT_EQ(logs->logs(1).protein_grams(), 120);
  food.mutable_log()->mutable_date()->set_year(2099);
  EXPECT_THAT(
      Rpc(&Stub::LogNutrition, food, alice_).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("log.date")));
}

TEST_F(WorkoutServiceTest, AnotherUsersWorkoutIsNotFoundForEveryMethod) {
  ASSERT_THAT(Start(alice_, "w1", "alice's").status(), IsOk());
  ASSERT_THAT(LogSet(alice_, kW1, SumoSquat("s1", 10)).status(), IsOk());
  for (const std::string& name : {kAlicesW1, std::string(kW1)}) {
    SCOPED_TRACE(name);
    const auto not_found = StatusIs(absl::StatusCode::kNotFound);
    EXPECT_THAT(Get(bob_, name).status(), not_found);
    EXPECT_THAT(LogSet(bob_, name, SumoSquat("s9", 5)).status(), not_found);
    v1::LogRunRequest run;
    run.set_workout(name);
    *run.mutable_run() = EasyRun("r9");
    EXPECT_THAT(Rpc(&Stub::LogRun, run, bob_).status(), not_found);
    EXPECT_THAT(Finish(bob_, name).status(), not_found);
    v1::AbandonWorkoutRequest abandon;
    abandon.set_workout(name);
    EXPECT_THAT(Rpc(&Stub::AbandonWorkout, abandon, bob_).status(), not_found);
    v1::UpdateWorkoutRequest update;
    update.mutable_workout()->set_name(name);
    update.mutable_update_mask()->add_paths("notes");
    EXPECT_THAT(Rpc(&Stub::UpdateWorkout, update, bob_).status(), not_found);
    v1::DeleteWorkoutRequest remove;
    remove.set_name(name);
    EXPECT_THAT(Rpc(&Stub::DeleteWorkout, remove, bob_).status(), not_found);
  }
  EXPECT_THAT(Rpc(&Stub::GetActiveWorkout, v1::GetActiveWorkoutRequest(), bob_)
                  .status(),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(Changes(bob_, "")->changes_size(), 0);
  EXPECT_TRUE(AllWorkoutIds(bob_, 10).empty());

  absl::StatusOr<v1::Workout> untouched = Get(alice_, kW1);
  ASSERT_THAT(untouched.status(), IsOk());
  EXPECT_EQ(untouched->state(), v1::Workout::STATE_ACTIVE);
  EXPECT_EQ(untouched->notes(), "alice's");
  EXPECT_EQ(untouched->sets_size(), 1);
  EXPECT_EQ(untouched->version(), 2);
}

TEST_F(WorkoutServiceTest, BadInputIsNamedAndStoresNothing) {
  ASSERT_THAT(Start(alice_, "w1").status(), IsOk());
  const std::string before =
      redis_server_.Cli(absl::StrCat("DUMP '{u:", kAlice, "}:w:w1'"));
  v1::StrengthSet bad = SumoSquat("s1", 10);
  bad.set_exercise_id("leg_press");
  bad.set_rpe(11);
  absl::Status status = LogSet(alice_, kW1, bad).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr("set.exercise_id")));
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr("set.rpe")));
  EXPECT_THAT(LogSet(alice_, "workouts/w1", SumoSquat("s1", 10)).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("workout: must be users/{user}/workouts")));
  EXPECT_EQ(redis_server_.Cli(absl::StrCat("DUMP '{u:", kAlice, "}:w:w1'")),
            before);
  EXPECT_THAT(LogSet("", kW1, SumoSquat("s1", 10)).status(),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(LogSet("not-a-token", kW1, SumoSquat("s1", 10)).status(),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(WorkoutServiceTest, ALiveWorkoutResumesAfterTheServiceRestarts) {
  ASSERT_THAT(Start(alice_, "w1").status(), IsOk());
  ASSERT_THAT(LogSet(alice_, kW1, SumoSquat("s1", 10)).status(), IsOk());
  StartService();
  absl::StatusOr<v1::Workout> resumed =
      Rpc(&Stub::GetActiveWorkout, v1::GetActiveWorkoutRequest(), alice_);
  ASSERT_THAT(resumed.status(), IsOk());
  EXPECT_EQ(resumed->workout_id(), "w1");
  EXPECT_EQ(resumed->sets_size(), 1);
  EXPECT_THAT(LogSet(alice_, kW1, SumoSquat("s2", 10)).status(), IsOk());
}

TEST_F(WorkoutServiceTest, NoAcknowledgedWriteIsLostWhenRedisRestarts) {
  ASSERT_THAT(Start(alice_, "w1").status(), IsOk());
  for (int i = 0; i < 20; ++i) {
    ASSERT_THAT(
        LogSet(alice_, kW1, SumoSquat(absl::StrCat("s", i), 10)).status(),
        IsOk());
  }
  redis_server_.Kill();  // SIGKILL, right after the last acknowledgement
  EXPECT_THAT(LogSet(alice_, kW1, SumoSquat("late", 10)).status(),
              StatusIs(absl::StatusCode::kUnavailable));
  ASSERT_THAT(redis_server_.Start(), IsOk());
  ASSERT_TRUE(testing::WaitUntil([&] { return redis_->ready(); }));
  absl::StatusOr<v1::Workout> stored = Get(alice_, kW1);
  ASSERT_THAT(stored.status(), IsOk());
  EXPECT_EQ(stored->sets_size(), 20);
  EXPECT_EQ(stored->version(), 21);
}

TEST_F(WorkoutServiceTest, EveryKeyIsRegisteredForAccountDeletion) {
  ASSERT_THAT(Start(alice_, "w1").status(), IsOk());
  ASSERT_THAT(LogSet(alice_, kW1, SumoSquat("s1", 10)).status(), IsOk());
  ASSERT_THAT(Sync(alice_, {OfflineWorkout("w2", 1)}).status(), IsOk());
  v1::LogNutritionRequest food;
  food.mutable_log()->mutable_date()->set_year(2026);
  food.mutable_log()->mutable_date()->set_month(11);
  food.mutable_log()->mutable_date()->set_day(20);
  ASSERT_THAT(Rpc(&Stub::LogNutrition, food, alice_).status(), IsOk());
  const std::vector<std::string> keys = absl::StrSplit(
      redis_server_.Cli(absl::StrCat("--scan --pattern '{u:", kAlice, "}:*'")),
      '\n', absl::SkipEmpty());
  const std::vector<std::string> registry = absl::StrSplit(
      redis_server_.Cli(absl::StrCat("SMEMBERS '{u:", kAlice, "}:keys'")), '\n',
      absl::SkipEmpty());
  int workout_keys = 0;
  for (const std::string& key : keys) {
    if (absl::EndsWith(key, "}:keys") || absl::EndsWith(key, "}:profile") ||
        absl::StrContains(key, ":session")) {
      continue;  // the account's own
    }
    workout_keys += 1;
    EXPECT_THAT(registry, ::testing::Contains(key));
  }
  EXPECT_GE(workout_keys, 7);
}

}  // namespace
}  // namespace gracilis::workout
