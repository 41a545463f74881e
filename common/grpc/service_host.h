#pragma once

// Runs one process's gRPC server the same way for every service:
// grpc.health.v1 (following the Redis connection through SetServing),
// reflection, phone-friendly keepalive and message limits, and a graceful
// drain on SIGTERM/SIGINT.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/config/config.h"
#include "grpcpp/grpcpp.h"

namespace gracilis {

struct ServerConfig {
  HostPort listen;
  HostPort metrics_listen;
  // Whether RPC and Redis metrics are recorded (off only to measure their
  // cost).
  bool record_metrics = true;
  // In-flight RPCs get this long to finish after SIGTERM, then are cancelled.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // Time between health turning NOT_SERVING and refusing new RPCs, so that
  // load balancers stop routing here first.
  absl::Duration drain_delay = absl::ZeroDuration();
  // Every request is at most 256 KiB, the gateway's limit too: one limit,
  // stated in the contract (SyncWorkoutsRequest), the same on both paths.
  int max_receive_message_bytes = 256 << 10;

  static ServerConfig Read(ConfigSource& source,
                           absl::string_view default_listen,
                           absl::string_view default_metrics_listen);
};

// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts
// later, so that ServeUntilSignal can wait for them. Call first in main.
void BlockShutdownSignals();

class ServiceHost {
 public:
  explicit ServiceHost(ServerConfig config);
  ~ServiceHost();

  // `service` must outlive the host; `name` is its full name for health,
  // e.g. "gracilis.account.v1.AccountService".
  void AddService(grpc::Service* service, std::string name);
  absl::Status Start();
  int port() const { return port_; }

  // Health for "" and every added service.
  void SetServing(bool serving);

  // Blocks until SIGTERM or SIGINT, then Drain().
  void ServeUntilSignal();
  // Health NOT_SERVING for good, waits drain_delay, then lets in-flight RPCs
  // finish within shutdown_grace.
  void Drain();

 private:
  ServerConfig config_;
  std::vector<std::pair<grpc::Service*, std::string>> services_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace gracilis
