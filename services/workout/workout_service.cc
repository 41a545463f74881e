#include "services/workout/workout_service.h"

#include "absl/strings/str_cat.h"
#include "common/clock/timestamp.h"
#include "common/grpc/page_size.h"
#include "common/grpc/resource_name.h"
#include "common/status/client_id.h"
#include "common/status/errors.h"
#include "common/status/status_macros.h"
#include "services/workout/domain/gpx.h"

namespace gracilis::workout {
namespace {

// "users/{me|own id}/workouts/{workout_id}" -> workout id (OwnResourceId).
absl::StatusOr<std::string> WorkoutIdOf(const std::string& name,
                                        const std::string& user_id,
                                        const std::string& field) {
  const std::string rule =
      "must be users/{user}/workouts/{workout_id} (user may be 'me')";
  ASSIGN_OR_RETURN(std::string id,
                   OwnResourceId(name, user_id, "workout", field, rule));
  if (!IsValidClientId(id)) {
    return InvalidField(field, rule);
  }
  return id;
}

// A store callback that answers the call with the value or the error.
template <typename T>
Done<T> Answer(UnaryCall call, T* response) {
  return [call, response](absl::StatusOr<T> value) {
    if (value.ok()) {
      *response = *std::move(value);
    }
    call.Finish(value.status());
  };
}

// Answers a List* call whose response has `items` and a page token.
template <typename Item, typename Response, typename Add>
Done<Page<Item>> AnswerPage(UnaryCall call, Response* response, Add add) {
  return [call, response, add](absl::StatusOr<Page<Item>> page) {
    if (page.ok()) {
      for (Item& item : page->items) {
        *(response->*add)() = std::move(item);
      }
      response->set_next_page_token(page->next_page_token);
    }
    call.Finish(page.status());
  };
}

// Nutrition days are the user's; no date after today anywhere on Earth
// (UTC+14) can be a day that has happened.
absl::CivilDay LatestToday(absl::Time now) {
  return absl::ToCivilDay(now + absl::Hours(14), absl::UTCTimeZone());
}

}  // namespace

WorkoutService::WorkoutService(const plan::ExerciseCatalog& catalog,
                               WorkoutStore& store, SessionStore& sessions,
                               const Clock& clock, RpcMetrics* metrics)
    : rules_(catalog),
      store_(store),
      authenticator_(sessions),
      clock_(clock),
      metrics_(metrics),
      start_workout_metrics_(Metrics("StartWorkout")),
      log_set_metrics_(Metrics("LogSet")),
      log_run_metrics_(Metrics("LogRun")),
      finish_workout_metrics_(Metrics("FinishWorkout")),
      abandon_workout_metrics_(Metrics("AbandonWorkout")),
      get_active_workout_metrics_(Metrics("GetActiveWorkout")),
      sync_workouts_metrics_(Metrics("SyncWorkouts")),
      list_workouts_metrics_(Metrics("ListWorkouts")),
      get_workout_metrics_(Metrics("GetWorkout")),
      update_workout_metrics_(Metrics("UpdateWorkout")),
      delete_workout_metrics_(Metrics("DeleteWorkout")),
      list_changes_metrics_(Metrics("ListChanges")),
      log_body_measurement_metrics_(Metrics("LogBodyMeasurement")),
      log_nutrition_metrics_(Metrics("LogNutrition")),
      list_body_measurements_metrics_(Metrics("ListBodyMeasurements")),
      list_nutrition_logs_metrics_(Metrics("ListNutritionLogs")),
      import_run_metrics_(Metrics("ImportRun")) {}

RpcMetrics::Method* WorkoutService::Metrics(const char* name) {
  return metrics_ == nullptr
             ? nullptr
             : &metrics_->ForMethod(
                   absl::StrCat("gracilis.workout.v1.WorkoutService/", name));
}

grpc::ServerUnaryReactor* WorkoutService::StartWorkout(
    grpc::CallbackServerContext* context,
    const v1::StartWorkoutRequest* request, v1::Workout* response) {
  return authenticator_.ServeCaller(
      UnaryCall(context, start_workout_metrics_),
      [this, request, response](UnaryCall call, Caller caller) {
        const absl::Time now = clock_.Now();
        absl::StatusOr<v1::Workout> workout =
            rules_.Started(request->workout(), "workout", now);
        if (!workout.ok()) {
          return call.Finish(workout.status());
        }
        store_.Start(caller, *workout, request->workout().SerializeAsString(),
                     now, call.deadline(), Answer(call, response));
      });
}

grpc::ServerUnaryReactor* WorkoutService::LogSet(
    grpc::CallbackServerContext* context, const v1::LogSetRequest* request,
    v1::StrengthSet* response) {
  return authenticator_.ServeCaller(
      UnaryCall(context, log_set_metrics_),
      [this, request, response](UnaryCall call, Caller caller) {
        const std::string& user_id = caller.user_id();
        absl::StatusOr<std::string> workout_id =
            WorkoutIdOf(request->workout(), user_id, "workout");
        if (!workout_id.ok()) {
          return call.Finish(workout_id.status());
        }
        const absl::Time now = clock_.Now();
        absl::StatusOr<v1::StrengthSet> set =
            rules_.Set(request->set(), "set", now);
        if (!set.ok()) {
          return call.Finish(set.status());
        }
        store_.AddSet(caller, *workout_id, *set, now, call.deadline(),
                      Answer(call, response));
      });
}

grpc::ServerUnaryReactor* WorkoutService::LogRun(
    grpc::CallbackServerContext* context, const v1::LogRunRequest* request,
    v1::Run* response) {
  return authenticator_.ServeCaller(
      UnaryCall(context, log_run_metrics_),
      [this, request, response](UnaryCall call, Caller caller) {
        const std::string& user_id = caller.user_id();
        absl::StatusOr<std::string> workout_id =
            WorkoutIdOf(request->workout(), user_id, "workout");
        if (!workout_id.ok()) {
          return call.Finish(workout_id.status());
        }
        const absl::Time now = clock_.Now();
        absl::StatusOr<v1::Run> run = rules_.Run(request->run(), "run", now);
        if (!run.ok()) {
          return call.Finish(run.status());
        }
        store_.AddRun(caller, *workout_id, *run, now, call.deadline(),
                      Answer(call, response));
      });
}

grpc::ServerUnaryReactor* WorkoutService::FinishWorkout(
    grpc::CallbackServerContext* context,
    const v1::FinishWorkoutRequest* request, v1::Workout* response) {
  return authenticator_.ServeCaller(
      UnaryCall(context, finish_workout_metrics_),
      [this, request, response](UnaryCall call, Caller caller) {
        const std::string& user_id = caller.user_id();
        absl::StatusOr<std::string> workout_id =
            WorkoutIdOf(request->workout(), user_id, "workout");
        if (!workout_id.ok()) {
          return call.Finish(workout_id.status());
        }
        const absl::Time now = clock_.Now();
        absl::StatusOr<absl::Time> end = rules_.EndTime(*request, now);
        if (!end.ok()) {
          return call.Finish(end.status());
        }
        store_.End(caller, *workout_id, v1::Workout::STATE_FINISHED, *end, now,
                   call.deadline(), Answer(call, response));
      });
}

grpc::ServerUnaryReactor* WorkoutService::AbandonWorkout(
    grpc::CallbackServerContext* context,
    const v1::AbandonWorkoutRequest* request, v1::Workout* response) {
  return authenticator_.ServeCaller(
      UnaryCall(context, abandon_workout_metrics_),
      [this, request, response](UnaryCall call, Caller caller) {
        const std::string& user_id = caller.user_id();
        absl::StatusOr<std::string> workout_id =
            WorkoutIdOf(request->workout(), user_id, "workout");
        if (!workout_id.ok()) {
          return call.Finish(workout_id.status());
        }
        const absl::Time now = clock_.Now();
        store_.End(caller, *workout_id, v1::Workout::STATE_ABANDONED, now, now,
                   call.deadline(), Answer(call, response));
      });
}

grpc::ServerUnaryReactor* WorkoutService::GetActiveWorkout(
    grpc::CallbackServerContext* context, const v1::GetActiveWorkoutRequest*,
    v1::Workout* response) {
  return authenticator_.ServeCaller(
      UnaryCall(context, get_active_workout_metrics_),
      [this, response](UnaryCall call, Caller caller) {
        store_.GetActive(caller, call.deadline(), Answer(call, response));
      });
}

grpc::ServerUnaryReactor* WorkoutService::SyncWorkouts(
    grpc::CallbackServerContext* context,
    const v1::SyncWorkoutsRequest* request,
    v1::SyncWorkoutsResponse* response) {
  return authenticator_.ServeCaller(
      UnaryCall(context, sync_workouts_metrics_),
      [this, request, response](UnaryCall call, Caller caller) {
        if (request->workouts_size() > kMaxWorkoutsPerSync) {
          return call.Finish(InvalidField(
              "workouts", absl::StrCat("must be at most ", kMaxWorkoutsPerSync,
                                       "; send the rest in another batch")));
        }
        const absl::Time now = clock_.Now();
        // Items that fail the rules get their result now; the rest go to
        // the store in one call, and `stored_at` maps them back.
        std::vector<SyncItem> items;
        std::vector<int> stored_at;
        for (int i = 0; i < request->workouts_size(); ++i) {
          const v1::Workout& upload = request->workouts(i);
          v1::SyncWorkoutsResponse::Result* result = response->add_results();
          result->set_workout_id(upload.workout_id());
          absl::StatusOr<v1::Workout> workout =
              rules_.Synced(upload, absl::StrCat("workouts[", i, "]"), now);
          if (!workout.ok()) {
            result->set_code(static_cast<int>(workout.status().code()));
            result->set_message(std::string(workout.status().message()));
            continue;
          }
          items.push_back({*std::move(workout), upload.SerializeAsString()});
          stored_at.push_back(i);
        }
        store_.Sync(
            caller, std::move(items), now, call.deadline(),
            [call, response, stored_at = std::move(stored_at)](
                absl::StatusOr<std::vector<absl::StatusOr<v1::Workout>>>
                    stored) {
              if (!stored.ok()) {
                return call.Finish(stored.status());
              }
              for (size_t j = 0; j < stored->size(); ++j) {
                v1::SyncWorkoutsResponse::Result* result =
                    response->mutable_results(stored_at[j]);
                absl::StatusOr<v1::Workout>& workout = (*stored)[j];
                result->set_code(static_cast<int>(workout.status().code()));
                if (workout.ok()) {
                  *result->mutable_workout() = *std::move(workout);
                } else {
                  result->set_message(std::string(workout.status().message()));
                }
              }
              call.Finish(absl::OkStatus());
            });
      });
}

grpc::ServerUnaryReactor* WorkoutService::ListWorkouts(
    grpc::CallbackServerContext* context,
    const v1::ListWorkoutsRequest* request,
    v1::ListWorkoutsResponse* response) {
  return authenticator_.ServeCaller(
      UnaryCall(context, list_workouts_metrics_),
      [this, request, response](UnaryCall call, Caller caller) {
        absl::StatusOr<int> size =
            PageSize(request->page_size(), 20, 100, "page_size");
        if (!size.ok()) {
          return call.Finish(size.status());
        }
        for (const auto& [field, time] :
             {std::pair("start_time", &request->start_time()),
              std::pair("end_time", &request->end_time())}) {
          if (!IsValidTimestamp(*time)) {
            return call.Finish(InvalidField(field, "must be a valid time"));
          }
        }
        WorkoutQuery query;
        query.page_size = *size;
        query.page_token = request->page_token();
        if (request->has_start_time()) {
          query.from = ToTime(request->start_time());
        }
        if (request->has_end_time()) {
          query.until = ToTime(request->end_time());
        }
        store_.List(
            caller, query, call.deadline(),
            AnswerPage<v1::Workout>(call, response,
                                    &v1::ListWorkoutsResponse::add_workouts));
      });
}

grpc::ServerUnaryReactor* WorkoutService::GetWorkout(
    grpc::CallbackServerContext* context, const v1::GetWorkoutRequest* request,
    v1::Workout* response) {
  return authenticator_.ServeCaller(
      UnaryCall(context, get_workout_metrics_),
      [this, request, response](UnaryCall call, Caller caller) {
        const std::string& user_id = caller.user_id();
        absl::StatusOr<std::string> workout_id =
            WorkoutIdOf(request->name(), user_id, "name");
        if (!workout_id.ok()) {
          return call.Finish(workout_id.status());
        }
        store_.Get(caller, *workout_id, call.deadline(),
                   Answer(call, response));
      });
}

grpc::ServerUnaryReactor* WorkoutService::UpdateWorkout(
    grpc::CallbackServerContext* context,
    const v1::UpdateWorkoutRequest* request, v1::Workout* response) {
  return authenticator_.ServeCaller(
      UnaryCall(context, update_workout_metrics_),
      [this, request, response](UnaryCall call, Caller caller) {
        const std::string& user_id = caller.user_id();
        absl::StatusOr<std::string> workout_id =
            WorkoutIdOf(request->workout().name(), user_id, "workout.name");
        if (!workout_id.ok()) {
          return call.Finish(workout_id.status());
        }
        // Read, apply the mask, write back at the version read: a change in
        // between (a set logged on another device) makes it ABORTED.
        store_.Get(
            caller, *workout_id, call.deadline(),
            [this, call, request, response,
             caller](absl::StatusOr<v1::Workout> current) {
              if (!current.ok()) {
                return call.Finish(current.status());
              }
              if (request->expected_version() != 0 &&
                  request->expected_version() != current->version()) {
                return call.Finish(absl::AbortedError(absl::StrCat(
                    "the workout is at version ", current->version(), ", not ",
                    request->expected_version(), "; read it again")));
              }
              const absl::Time now = clock_.Now();
              absl::StatusOr<v1::Workout> next = rules_.Updated(
                  *current, request->workout(), request->update_mask(), now);
              if (!next.ok()) {
                return call.Finish(next.status());
              }
              store_.Replace(caller, *next, current->version(), now,
                             call.deadline(), Answer(call, response));
            });
      });
}

grpc::ServerUnaryReactor* WorkoutService::DeleteWorkout(
    grpc::CallbackServerContext* context,
    const v1::DeleteWorkoutRequest* request, google::protobuf::Empty*) {
  return authenticator_.ServeCaller(
      UnaryCall(context, delete_workout_metrics_),
      [this, request](UnaryCall call, Caller caller) {
        const std::string& user_id = caller.user_id();
        absl::StatusOr<std::string> workout_id =
            WorkoutIdOf(request->name(), user_id, "name");
        if (!workout_id.ok()) {
          return call.Finish(workout_id.status());
        }
        store_.Delete(caller, *workout_id, clock_.Now(), call.deadline(),
                      [call](absl::Status deleted) { call.Finish(deleted); });
      });
}

grpc::ServerUnaryReactor* WorkoutService::ListChanges(
    grpc::CallbackServerContext* context, const v1::ListChangesRequest* request,
    v1::ListChangesResponse* response) {
  return authenticator_.ServeCaller(
      UnaryCall(context, list_changes_metrics_),
      [this, request, response](UnaryCall call, Caller caller) {
        absl::StatusOr<int> size =
            PageSize(request->page_size(), 100, 500, "page_size");
        if (!size.ok()) {
          return call.Finish(size.status());
        }
        store_.Changes(caller, request->since_token(), *size, call.deadline(),
                       [call, response](absl::StatusOr<ChangePage> page) {
                         if (page.ok()) {
                           for (v1::Change& change : page->changes) {
                             *response->add_changes() = std::move(change);
                           }
                           response->set_next_token(page->next_token);
                         }
                         call.Finish(page.status());
                       });
      });
}

grpc::ServerUnaryReactor* WorkoutService::LogBodyMeasurement(
    grpc::CallbackServerContext* context,
    const v1::LogBodyMeasurementRequest* request,
    v1::BodyMeasurement* response) {
  return authenticator_.ServeCaller(
      UnaryCall(context, log_body_measurement_metrics_),
      [this, request, response](UnaryCall call, Caller caller) {
        const absl::Time now = clock_.Now();
        absl::StatusOr<v1::BodyMeasurement> measurement =
            rules_.Measurement(request->measurement(), now);
        if (!measurement.ok()) {
          return call.Finish(measurement.status());
        }
        store_.LogMeasurement(caller, *measurement, now, call.deadline(),
                              Answer(call, response));
      });
}

grpc::ServerUnaryReactor* WorkoutService::LogNutrition(
    grpc::CallbackServerContext* context,
    const v1::LogNutritionRequest* request, v1::NutritionLog* response) {
  return authenticator_.ServeCaller(
      UnaryCall(context, log_nutrition_metrics_),
      [this, request, response](UnaryCall call, Caller caller) {
        const absl::Time now = clock_.Now();
        absl::StatusOr<v1::NutritionLog> log =
            rules_.Nutrition(request->log(), LatestToday(now));
        if (!log.ok()) {
          return call.Finish(log.status());
        }
        store_.LogNutrition(caller, *log, now, call.deadline(),
                            Answer(call, response));
      });
}

grpc::ServerUnaryReactor* WorkoutService::ListBodyMeasurements(
    grpc::CallbackServerContext* context,
    const v1::ListBodyMeasurementsRequest* request,
    v1::ListBodyMeasurementsResponse* response) {
  return authenticator_.ServeCaller(
      UnaryCall(context, list_body_measurements_metrics_),
      [this, request, response](UnaryCall call, Caller caller) {
        absl::StatusOr<int> size =
            PageSize(request->page_size(), 20, 100, "page_size");
        if (!size.ok()) {
          return call.Finish(size.status());
        }
        store_.ListMeasurements(
            caller, request->page_token(), *size, call.deadline(),
            AnswerPage<v1::BodyMeasurement>(
                call, response,
                &v1::ListBodyMeasurementsResponse::add_measurements));
      });
}

grpc::ServerUnaryReactor* WorkoutService::ListNutritionLogs(
    grpc::CallbackServerContext* context,
    const v1::ListNutritionLogsRequest* request,
    v1::ListNutritionLogsResponse* response) {
  return authenticator_.ServeCaller(
      UnaryCall(context, list_nutrition_logs_metrics_),
      [this, request, response](UnaryCall call, Caller caller) {
        absl::StatusOr<int> size =
            PageSize(request->page_size(), 20, 100, "page_size");
        if (!size.ok()) {
          return call.Finish(size.status());
        }
        store_.ListNutrition(
            caller, request->page_token(), *size, call.deadline(),
            AnswerPage<v1::NutritionLog>(
                call, response, &v1::ListNutritionLogsResponse::add_logs));
      });
}

grpc::ServerUnaryReactor* WorkoutService::ImportRun(
    grpc::CallbackServerContext* context, const v1::ImportRunRequest* request,
    v1::ImportRunResponse* response) {
  return authenticator_.ServeCaller(
      UnaryCall(context, import_run_metrics_),
      [this, request, response](UnaryCall call, Caller caller) {
        absl::StatusOr<std::string> xml = UnpackGpx(request->gpx(), "gpx");
        if (!xml.ok()) {
          return call.Finish(xml.status());
        }
        absl::StatusOr<GpxRun> track = ParseGpxRun(*xml, "gpx");
        if (!track.ok()) {
          return call.Finish(track.status());
        }
        // A synced workout, as a phone would upload it after the run: the
        // same file always makes the same upload, so the sync's idempotency
        // makes a second import a no-op.
        v1::Workout upload =
            ImportedWorkout(*track, GpxContentId(*xml), request->type());
        const absl::Time now = clock_.Now();
        absl::StatusOr<v1::Workout> workout = rules_.Synced(upload, "gpx", now);
        if (!workout.ok()) {
          return call.Finish(workout.status());
        }
        response->set_elevation_gain_m(track->elevation_gain_m);
        response->set_elapsed_seconds(
            absl::ToInt64Seconds(track->end_time - track->start_time));
        response->set_points(track->points);
        std::vector<SyncItem> items;
        items.push_back({*std::move(workout), upload.SerializeAsString()});
        store_.Sync(
            caller, std::move(items), now, call.deadline(),
            [call,
             response](absl::StatusOr<std::vector<absl::StatusOr<v1::Workout>>>
                           stored) {
              if (!stored.ok()) {
                return call.Finish(stored.status());
              }
              if (stored->size() != 1 || !stored->front().ok()) {
                return call.Finish(stored->empty()
                                       ? absl::InternalError("nothing stored")
                                       : stored->front().status());
              }
              *response->mutable_workout() = *std::move(stored->front());
              call.Finish(absl::OkStatus());
            });
      });
}

}  // namespace gracilis::workout
