#pragma once

// Prometheus metrics for a process: one registry and one exposer on its own
// port (owned by main), and the metric families every service shares.
// Families and label handles are built at start-up; hot paths only touch
// pre-resolved handles.

#include <array>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/config.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace gracilis {

// gracilis_build_info{version, commit} 1: which build answers here (every
// exposer has it; a process that pushes adds it to what it pushes).
void RegisterBuildInfo(prometheus::Registry& registry);

class MetricsExposer {
 public:
  // Serves GET /metrics on `listen` (port 0 picks a free port).
  static absl::StatusOr<std::unique_ptr<MetricsExposer>> Start(
      const HostPort& listen);

  prometheus::Registry& registry() { return *registry_; }
  int port() const { return port_; }

 private:
  MetricsExposer() = default;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
};

// gracilis_rpc_requests_total{method,code} and
// gracilis_rpc_duration_seconds{method}.
class RpcMetrics {
 public:
  class Method {
   public:
    Method(prometheus::Family<prometheus::Counter>& requests,
           prometheus::Family<prometheus::Histogram>& durations,
           const std::string& method);
    void Record(absl::StatusCode code, absl::Duration latency);

   private:
    static constexpr int kCodes = 17;  // OK .. UNAUTHENTICATED
    std::array<prometheus::Counter*, kCodes> requests_by_code_;
    prometheus::Histogram* duration_;
  };

  explicit RpcMetrics(prometheus::Registry& registry);
  // The handles of one method, e.g. "gracilis.account.v1.AccountService/Login".
  // Call at start-up; the reference stays valid for the object's lifetime.
  Method& ForMethod(const std::string& method);

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
  std::map<std::string, std::unique_ptr<Method>, std::less<>> methods_;
};

// gracilis_redis_command_duration_seconds,
// gracilis_redis_errors_total{kind}, gracilis_redis_connected,
// gracilis_redis_reconnects_total; on a Redis Cluster also
// gracilis_redis_redirects_total{kind="moved"|"ask"} and
// gracilis_redis_slot_map_refreshes_total.
class RedisMetrics {
 public:
  enum class ErrorKind { kTimeout, kConnection, kReply };
  explicit RedisMetrics(prometheus::Registry& registry);
  void RecordCommand(absl::Duration latency) {
    duration_->Observe(absl::ToDoubleSeconds(latency));
  }
  void RecordError(ErrorKind kind);
  void SetConnected(bool connected) { connected_->Set(connected ? 1 : 0); }
  void RecordReconnect() { reconnects_->Increment(); }
  void RecordRedirect(bool ask) {
    (ask ? ask_redirects_ : moved_redirects_)->Increment();
  }
  void RecordSlotMapRefresh() { slot_map_refreshes_->Increment(); }

 private:
  prometheus::Histogram* duration_;
  prometheus::Counter* timeouts_;
  prometheus::Counter* connection_errors_;
  prometheus::Counter* reply_errors_;
  prometheus::Gauge* connected_;
  prometheus::Counter* reconnects_;
  prometheus::Counter* moved_redirects_;
  prometheus::Counter* ask_redirects_;
  prometheus::Counter* slot_map_refreshes_;
};

// What every service process has: the exposer and the RPC and Redis
// families. With `record` false (--record_metrics=0, which bench/run uses to
// measure what recording costs) the families are not made: rpc() and
// redis() are null and /metrics serves none of them.
class ServiceMetrics {
 public:
  static absl::StatusOr<std::unique_ptr<ServiceMetrics>> Start(
      const HostPort& listen, bool record);

  RpcMetrics* rpc() { return rpc_.get(); }
  RedisMetrics* redis() { return redis_.get(); }
  prometheus::Registry& registry() { return exposer_->registry(); }
  int port() const { return exposer_->port(); }

 private:
  ServiceMetrics() = default;
  std::unique_ptr<MetricsExposer> exposer_;
  std::unique_ptr<RpcMetrics> rpc_;
  std::unique_ptr<RedisMetrics> redis_;
};

// Latency buckets from 100 µs to 10 s.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets();

}  // namespace gracilis
