#pragma once

// WorkoutService RPC adapter: authenticates, checks the request with
// WorkoutRules, calls the store, maps status once (UnaryCall).

#include "common/auth/authenticator.h"
#include "common/clock/clock.h"
#include "common/metrics/metrics.h"
#include "gracilis/workout/v1/workout.grpc.pb.h"
#include "services/workout/domain/workout_rules.h"
#include "services/workout/workout_store.h"

namespace gracilis::workout {

class WorkoutService final : public v1::WorkoutService::CallbackService {
 public:
  // `metrics` may be null.
  WorkoutService(const plan::ExerciseCatalog& catalog, WorkoutStore& store,
                 SessionStore& sessions, const Clock& clock,
                 RpcMetrics* metrics);

  grpc::ServerUnaryReactor* StartWorkout(grpc::CallbackServerContext* context,
                                         const v1::StartWorkoutRequest* request,
                                         v1::Workout* response) override;
  grpc::ServerUnaryReactor* LogSet(grpc::CallbackServerContext* context,
                                   const v1::LogSetRequest* request,
                                   v1::StrengthSet* response) override;
  grpc::ServerUnaryReactor* LogRun(grpc::CallbackServerContext* context,
                                   const v1::LogRunRequest* request,
                                   v1::Run* response) override;
  grpc::ServerUnaryReactor* FinishWorkout(
      grpc::CallbackServerContext* context,
      const v1::FinishWorkoutRequest* request, v1::Workout* response) override;
  grpc::ServerUnaryReactor* AbandonWorkout(
      grpc::CallbackServerContext* context,
      const v1::AbandonWorkoutRequest* request, v1::Workout* response) override;
  grpc::ServerUnaryReactor* GetActiveWorkout(
      grpc::CallbackServerContext* context,
      const v1::GetActiveWorkoutRequest* request,
      v1::Workout* response) override;
  grpc::ServerUnaryReactor* SyncWorkouts(
      grpc::CallbackServerContext* context,
      const v1::SyncWorkoutsRequest* request,
      v1::SyncWorkoutsResponse* response) override;
  grpc::ServerUnaryReactor* ListWorkouts(
      grpc::CallbackServerContext* context,
      const v1::ListWorkoutsRequest* request,
      v1::ListWorkoutsResponse* response) override;
  grpc::ServerUnaryReactor* GetWorkout(grpc::CallbackServerContext* context,
                                       const v1::GetWorkoutRequest* request,
                                       v1::Workout* response) override;
  grpc::ServerUnaryReactor* UpdateWorkout(
      grpc::CallbackServerContext* context,
      const v1::UpdateWorkoutRequest* request, v1::Workout* response) override;
  grpc::ServerUnaryReactor* DeleteWorkout(
      grpc::CallbackServerContext* context,
      const v1::DeleteWorkoutRequest* request,
      google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* ListChanges(
      grpc::CallbackServerContext* context,
      const v1::ListChangesRequest* request,
      v1::ListChangesResponse* response) override;
  grpc::ServerUnaryReactor* LogBodyMeasurement(
      grpc::CallbackServerContext* context,
      const v1::LogBodyMeasurementRequest* request,
      v1::BodyMeasurement* response) override;
  grpc::ServerUnaryReactor* LogNutrition(grpc::CallbackServerContext* context,
                                         const v1::LogNutritionRequest* request,
                                         v1::NutritionLog* response) override;
  grpc::ServerUnaryReactor* ListBodyMeasurements(
      grpc::CallbackServerContext* context,
      const v1::ListBodyMeasurementsRequest* request,
      v1::ListBodyMeasurementsResponse* response) override;
  grpc::ServerUnaryReactor* ListNutritionLogs(
      grpc::CallbackServerContext* context,
      const v1::ListNutritionLogsRequest* request,
      v1::ListNutritionLogsResponse* response) override;
  grpc::ServerUnaryReactor* ImportRun(grpc::CallbackServerContext* context,
                                      const v1::ImportRunRequest* request,
                                      v1::ImportRunResponse* response) override;

 private:
  RpcMetrics::Method* Metrics(const char* name);

  WorkoutRules rules_;
  WorkoutStore& store_;
  Authenticator authenticator_;
  const Clock& clock_;
  RpcMetrics* metrics_;
  RpcMetrics::Method* start_workout_metrics_;
  RpcMetrics::Method* log_set_metrics_;
  RpcMetrics::Method* log_run_metrics_;
  RpcMetrics::Method* finish_workout_metrics_;
  RpcMetrics::Method* abandon_workout_metrics_;
  RpcMetrics::Method* get_active_workout_metrics_;
  RpcMetrics::Method* sync_workouts_metrics_;
  RpcMetrics::Method* list_workouts_metrics_;
  RpcMetrics::Method* get_workout_metrics_;
  RpcMetrics::Method* update_workout_metrics_;
  RpcMetrics::Method* delete_workout_metrics_;
  RpcMetrics::Method* list_changes_metrics_;
  RpcMetrics::Method* log_body_measurement_metrics_;
  RpcMetrics::Method* log_nutrition_metrics_;
  RpcMetrics::Method* list_body_measurements_metrics_;
  RpcMetrics::Method* list_nutrition_logs_metrics_;
  RpcMetrics::Method* import_run_metrics_;
};

}  // namespace gracilis::workout
