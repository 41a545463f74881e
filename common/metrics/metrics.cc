#include "common/metrics/metrics.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "common/config/version.h"

namespace gracilis {

const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
  return *buckets;
}

void RegisterBuildInfo(prometheus::Registry& registry) {
  prometheus::BuildGauge()
      .Name("gracilis_build_info")
      .Help("The build of this process: version and commit labels, value 1")
      .Register(registry)
      .Add({{"version", std::string(BuildVersion())},
            {"commit", std::string(BuildCommit())}})
      .Set(1);
}

absl::StatusOr<std::unique_ptr<MetricsExposer>> MetricsExposer::Start(
    const HostPort& listen) {
  std::unique_ptr<MetricsExposer> metrics(new MetricsExposer());
  metrics->registry_ = std::make_shared<prometheus::Registry>();
  try {
    // civetweb wants "host:port"; one thread is plenty for a scraper.
    metrics->exposer_ =
        std::make_unique<prometheus::Exposer>(listen.ToString(), 1);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat(
        "cannot serve metrics on ", listen.ToString(), ": ", e.what()));
  }
  RegisterBuildInfo(*metrics->registry_);
  metrics->exposer_->RegisterCollectable(metrics->registry_);
  std::vector<int> ports = metrics->exposer_->GetListeningPorts();
  metrics->port_ = ports.empty() ? listen.port : ports.front();
  return metrics;
}

absl::StatusOr<std::unique_ptr<ServiceMetrics>> ServiceMetrics::Start(
    const HostPort& listen, bool record) {
  absl::StatusOr<std::unique_ptr<MetricsExposer>> exposer =
      MetricsExposer::Start(listen);
  if (!exposer.ok()) {
    return exposer.status();
  }
  std::unique_ptr<ServiceMetrics> metrics(new ServiceMetrics());
  metrics->exposer_ = *std::move(exposer);
  if (record) {
    metrics->rpc_ = std::make_unique<RpcMetrics>(metrics->registry());
    metrics->redis_ = std::make_unique<RedisMetrics>(metrics->registry());
  }
  return metrics;
}

RpcMetrics::Method::Method(prometheus::Family<prometheus::Counter>& requests,
                           prometheus::Family<prometheus::Histogram>& durations,
                           const std::string& method) {
  for (int code = 0; code < kCodes; ++code) {
    requests_by_code_[code] = &requests.Add(
        {{"method", method},
         {"code",
          absl::StatusCodeToString(static_cast<absl::StatusCode>(code))}});
  }
  duration_ = &durations.Add({{"method", method}}, LatencyBuckets());
}

void RpcMetrics::Method::Record(absl::StatusCode code, absl::Duration latency) {
  const int index = static_cast<int>(code);
  if (index >= 0 && index < kCodes) {
    requests_by_code_[index]->Increment();
  }
  duration_->Observe(absl::ToDoubleSeconds(latency));
}

RpcMetrics::RpcMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("gracilis_rpc_requests_total")
                    .Help("RPCs handled, by method and status code")
                    .Register(registry)),
      durations_(
          prometheus::BuildHistogram()
              .Name("gracilis_rpc_duration_seconds")
              .Help("RPC handling time from arrival to status, by method")
              .Register(registry)) {}

RpcMetrics::Method& RpcMetrics::ForMethod(const std::string& method) {
  auto it = methods_.find(method);
  if (it == methods_.end()) {
    it = methods_
             .emplace(method,
                      std::make_unique<Method>(requests_, durations_, method))
             .first;
  }
  return *it->second;
}

RedisMetrics::RedisMetrics(prometheus::Registry& registry) {
  duration_ = &prometheus::BuildHistogram()
                   .Name("gracilis_redis_command_duration_seconds")
                   .Help("Redis command round-trip time")
                   .Register(registry)
                   .Add({}, LatencyBuckets());
  auto& errors = prometheus::BuildCounter()
                     .Name("gracilis_redis_errors_total")
                     .Help("Redis commands that failed, by kind")
                     .Register(registry);
  timeouts_ = &errors.Add({{"kind", "timeout"}});
  connection_errors_ = &errors.Add({{"kind", "connection"}});
  reply_errors_ = &errors.Add({{"kind", "reply"}});
  connected_ = &prometheus::BuildGauge()
                    .Name("gracilis_redis_connected")
                    .Help(
                        "1 while Redis is connected and ready (on a cluster: "
                        "every slot's primary)")
                    .Register(registry)
                    .Add({});
  reconnects_ = &prometheus::BuildCounter()
                     .Name("gracilis_redis_reconnects_total")
                     .Help("Redis connections re-established after a loss")
                     .Register(registry)
                     .Add({});
  auto& redirects = prometheus::BuildCounter()
                        .Name("gracilis_redis_redirects_total")
                        .Help("Redis Cluster redirections followed, by kind")
                        .Register(registry);
  moved_redirects_ = &redirects.Add({{"kind", "moved"}});
  ask_redirects_ = &redirects.Add({{"kind", "ask"}});
  slot_map_refreshes_ = &prometheus::BuildCounter()
                             .Name("gracilis_redis_slot_map_refreshes_total")
                             .Help("Redis Cluster slot maps read")
                             .Register(registry)
                             .Add({});
}

void RedisMetrics::RecordError(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kTimeout:
      timeouts_->Increment();
      break;
    case ErrorKind::kConnection:
      connection_errors_->Increment();
      break;
    case ErrorKind::kReply:
      reply_errors_->Increment();
      break;
  }
}

}  // namespace gracilis
