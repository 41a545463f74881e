#pragma once

// PlanService RPC adapter: authenticates, validates, calls the domain and
// the store, maps status once (UnaryCall).

#include <string>
#include <vector>

#include "common/auth/authenticator.h"
#include "common/auth/service_credential.h"
#include "common/clock/clock.h"
#include "common/metrics/metrics.h"
#include "gracilis/plan/v1/plan.grpc.pb.h"
#include "services/plan/domain/catalog.h"
#include "services/plan/plan_store.h"
#include "services/plan/profile_source.h"
#include "services/plan/run_history.h"

namespace gracilis::plan {

class PlanService final : public v1::PlanService::CallbackService {
 public:
  // `metrics` may be null; `service` is the weekly job's credential, the
  // only caller AdaptPlan accepts.
  PlanService(const ExerciseCatalog& catalog, PlanStore& store,
              SessionStore& sessions, ProfileSource& profiles, RunHistory& runs,
              const Clock& clock, RpcMetrics* metrics,
              ServiceCredential service);

  grpc::ServerUnaryReactor* GeneratePlan(grpc::CallbackServerContext* context,
                                         const v1::GeneratePlanRequest* request,
                                         v1::Plan* response) override;
  grpc::ServerUnaryReactor* GetPlan(grpc::CallbackServerContext* context,
                                    const v1::GetPlanRequest* request,
                                    v1::Plan* response) override;
  grpc::ServerUnaryReactor* ListPlanRevisions(
      grpc::CallbackServerContext* context,
      const v1::ListPlanRevisionsRequest* request,
      v1::ListPlanRevisionsResponse* response) override;
  grpc::ServerUnaryReactor* GetPlanWeek(grpc::CallbackServerContext* context,
                                        const v1::GetPlanWeekRequest* request,
                                        v1::PlanWeek* response) override;
  grpc::ServerUnaryReactor* GetPlanDay(grpc::CallbackServerContext* context,
                                       const v1::GetPlanDayRequest* request,
                                       v1::PlanDay* response) override;
  grpc::ServerUnaryReactor* ListExercises(
      grpc::CallbackServerContext* context,
      const v1::ListExercisesRequest* request,
      v1::ListExercisesResponse* response) override;
  grpc::ServerUnaryReactor* AdaptPlan(grpc::CallbackServerContext* context,
                                      const v1::AdaptPlanRequest* request,
                                      v1::Plan* response) override;
  grpc::ServerUnaryReactor* RequestPlanChange(
      grpc::CallbackServerContext* context,
      const v1::RequestPlanChangeRequest* request, v1::Plan* response) override;

 private:
  RpcMetrics::Method* Metrics(const char* name);
  // AdaptPlan for `caller`, once it is known to be the service.
  void Adapt(UnaryCall call, const Caller& caller,
             const v1::AdaptPlanRequest* request, v1::Plan* response);
  // RequestPlanChange on the stored `current` revision.
  void ChangeAsAsked(UnaryCall call, const Caller& caller,
                     const v1::RequestPlanChangeRequest* request,
                     PlanRecord current, v1::Plan* response);
  // Stores `next`, built from `current` plus `added`, with its list of
  // changes, as the revision after `current`; `request_id` is the store's
  // (a retry with it gets the stored revision back).
  void StoreRevision(UnaryCall call, const Caller& caller,
                     const std::string& request_id, const PlanRecord& current,
                     PlanRecord next,
                     const std::vector<internal::plan::v1::Adjustment>& added,
                     v1::Rationale reason, v1::Plan* response);

  const ExerciseCatalog& catalog_;
  PlanStore& store_;
  Authenticator authenticator_;
  const ServiceCredential service_;
  ProfileSource& profiles_;
  RunHistory& runs_;
  const Clock& clock_;
  RpcMetrics* metrics_;
  RpcMetrics::Method* generate_metrics_;
  RpcMetrics::Method* get_metrics_;
  RpcMetrics::Method* list_revisions_metrics_;
  RpcMetrics::Method* get_week_metrics_;
  RpcMetrics::Method* get_day_metrics_;
  RpcMetrics::Method* list_exercises_metrics_;
  RpcMetrics::Method* adapt_metrics_;
  RpcMetrics::Method* change_metrics_;
};

}  // namespace gracilis::plan
