#pragma once

// The whole Gracilis stack for end-to-end tests, all real processes on
// loopback with free ports and a temporary directory: redis-server, each
// service binary, and HAProxy with deploy/gateway/haproxy.cfg. Stopped and
// cleaned up on destruction.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/testing/child_process.h"
#include "common/testing/redis_server.h"
#include "common/testing/smtp_sink.h"
#include "grpcpp/grpcpp.h"

namespace gracilis::testing {

struct GatewaySettings {
  int rate_limit = 100000;  // requests per client per 10 s
  std::string tls_cert;     // PEM with certificate and key; empty: h2c
};

// The Redis under the stack: a single server, or a cluster (by default as
// GRACILIS_TEST_REDIS says; see redis_server.h).
struct RedisTopology {
  int primaries = TestRedisPrimaries();
  int replicas = 0;  // per primary, on a cluster
};

class TestStack {
 public:
  explicit TestStack(GatewaySettings gateway = {}, RedisTopology redis = {});
  ~TestStack();

  // Before Start: runs every server (Redis, the services, the gateway, and
  // those added later) on CPU `cpu` only, with taskset, so that a load
  // generator on another CPU does not compete with them (benchmarks).
  void PinServersTo(int cpu) { server_cpu_ = cpu; }

  // Starts Redis, the services (waiting for each to be SERVING) and the
  // gateway (waiting until it routes to them).
  absl::Status Start();

  // After Start: mail for real, as scripts/up runs it: an SMTP sink
  // (smtp_sink()) and gracilis-mailer delivering the outbox to it, polling
  // every 50 ms.
  absl::Status StartMail();
  TestSmtpSink& smtp_sink() { return *smtp_sink_; }
  ChildProcess& mailer() { return mailer_; }
  // What the mailer's /metrics serves, and its port.
  std::string MailerMetrics() const;
  int mailer_metrics_port() const { return mailer_metrics_port_; }

  // After Start: one more instance of a service binary on this stack's
  // Redis with `flags` added (e.g. "--record_metrics=0"), not behind the
  // gateway; waits until it is SERVING and returns its address.
  absl::StatusOr<std::string> AddService(const std::string& binary,
                                         std::vector<std::string> flags);

  // After Start: the process of a service by name: its binary's name, with
  // "-1", "-2"... for added instances ("gracilis-workout-1"); null if none.
  ChildProcess* service_process(const std::string& name);
  // Starts a service that was killed or stopped again, with the same port
  // and flags, and waits until it is SERVING.
  absl::Status RestartService(const std::string& name);

  TestRedisServer& redis() { return redis_; }
  const TestRedisServer& redis() const { return redis_; }
  ChildProcess& account_service() { return account_; }
  ChildProcess& plan_service() { return plan_; }
  ChildProcess& workout_service() { return workout_; }
  ChildProcess& progress_service() { return progress_; }
  const std::string& dir() const { return dir_; }
  // The weekly job's credential toward AdaptPlan (the plan service is
  // started with it): pass as --service_token.
  const std::string& service_token() const { return service_token_; }

  std::string gateway_address() const;
  // host:port of a started service, by binary name ("gracilis-account").
  std::string service_address(const std::string& binary_name) const;
  // A plaintext channel to the gateway (an h2c gateway only).
  std::shared_ptr<grpc::Channel> GatewayChannel() const;
  // The metrics port of a started service, by binary name
  // ("gracilis-account"); 0 if not started.
  int metrics_port(const std::string& binary_name) const;
  int gateway_metrics_port() const;
  // HAProxy's Prometheus exporter output.
  std::string GatewayMetrics() const;
  // Whether the gateway's health checks currently have `server` of
  // `backend` in `state` ("UP" or "DOWN").
  bool GatewaySees(const std::string& backend, const std::string& server,
                   const std::string& state) const;
  // Everything the gateway wrote: its access log and its notices.
  std::string GatewayLog() const;

 private:
  absl::Status StartGateway();

  GatewaySettings gateway_settings_;
  std::string dir_;
  std::string service_token_;
  TestRedisServer redis_;
  // `suffix` tells apart added instances of the same binary.
  absl::Status StartService(ChildProcess& process, const std::string& binary,
                            int port, std::vector<std::string> flags,
                            const std::string& suffix = "");
  std::vector<std::string> OnServerCpu(std::vector<std::string> argv) const;

  ChildProcess account_;
  ChildProcess plan_;
  ChildProcess workout_;
  ChildProcess progress_;
  ChildProcess gateway_;
  int account_port_;
  int plan_port_;
  int workout_port_;
  int progress_port_;
  int gateway_port_;
  int gateway_metrics_port_;
  std::map<std::string, int> metrics_ports_;
  std::map<std::string, int> service_ports_;
  struct Started {
    ChildProcess* process;
    std::string binary;
    std::vector<std::string> flags;
  };
  std::map<std::string, Started> started_;
  std::vector<std::unique_ptr<ChildProcess>> added_;
  int server_cpu_ = -1;
  std::unique_ptr<TestSmtpSink> smtp_sink_;
  ChildProcess mailer_;
  int mailer_metrics_port_ = 0;
};

}  // namespace gracilis::testing
