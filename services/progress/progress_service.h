#pragma once

// ProgressService RPC adapter: authenticates, checks the request, reads
// through ProgressReader, maps status once (UnaryCall). Reads only the
// caller's data: every key it touches carries the caller's user id.
//
// GetWeeklyProgress for the current week, what a phone asks each time the
// app opens, and the few weeks before it are served from the week view
// (ProgressStore::ReadView) in one round trip while nothing they were
// computed from has changed; after a
// change it is computed as before and the view is stored again. The view
// is keyed on the stamp of the data (the workout change sequence, the plan
// revision, the snapshots saved) rather than maintained from each change,
// so no writer has to know about it and a missed update cannot leave it
// stale.

#include "common/auth/authenticator.h"
#include "common/clock/clock.h"
#include "common/metrics/metrics.h"
#include "gracilis/progress/v1/progress.grpc.pb.h"
#include "services/progress/progress_reader.h"

namespace gracilis::progress {

class ProgressService final : public v1::ProgressService::CallbackService {
 public:
  // `metrics` may be null.
  ProgressService(ProgressReader& reader, SessionStore& sessions,
                  const Clock& clock, RpcMetrics* metrics);

  grpc::ServerUnaryReactor* GetWeeklyProgress(
      grpc::CallbackServerContext* context,
      const v1::GetWeeklyProgressRequest* request,
      v1::WeeklyProgress* response) override;
  grpc::ServerUnaryReactor* ListWeeklyProgress(
      grpc::CallbackServerContext* context,
      const v1::ListWeeklyProgressRequest* request,
      v1::ListWeeklyProgressResponse* response) override;
  grpc::ServerUnaryReactor* GetTrend(grpc::CallbackServerContext* context,
                                     const v1::GetTrendRequest* request,
                                     v1::Trend* response) override;
  grpc::ServerUnaryReactor* GetProgressSummary(
      grpc::CallbackServerContext* context,
      const v1::GetProgressSummaryRequest* request,
      v1::ProgressSummary* response) override;

 private:
  RpcMetrics::Method* Metrics(const char* name);

  // Resolves the caller, answers `valid` if the request was not (only
  // after authentication), else resolves their context and runs
  // `then(call, user_id, context)`, which must finish the call.
  template <typename Then>
  grpc::ServerUnaryReactor* WithContext(UnaryCall call, absl::Status valid,
                                        Then then);
  // GetWeeklyProgress when the week view did not answer: computes the week
  // and, if it is a recent one, adds it to the view under `stamp`.
  void ComputeWeek(UnaryCall call, const Caller& caller,
                   const v1::GetWeeklyProgressRequest* request,
                   v1::WeeklyProgress* response, absl::Time now,
                   std::string stamp);

  ProgressReader& reader_;
  Authenticator authenticator_;
  const Clock& clock_;
  RpcMetrics* metrics_;
  RpcMetrics::Method* get_weekly_metrics_;
  RpcMetrics::Method* list_weekly_metrics_;
  RpcMetrics::Method* get_trend_metrics_;
  RpcMetrics::Method* summary_metrics_;
};

}  // namespace gracilis::progress
