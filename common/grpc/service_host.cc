#include "common/grpc/service_host.h"

#include <pthread.h>
#include <signal.h>

#include "absl/strings/str_cat.h"
#include "common/grpc/unparseable_request.h"
#include "common/log/log.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"

namespace gracilis {

ServerConfig ServerConfig::Read(ConfigSource& source,
                                absl::string_view default_listen,
                                absl::string_view default_metrics_listen) {
  ServerConfig config;
  config.listen =
      source.Address("listen", default_listen, "gRPC listen host:port");
  config.metrics_listen =
      source.Address("metrics_listen", default_metrics_listen,
                     "Prometheus /metrics host:port");
  config.record_metrics =
      source.Int("record_metrics", 1, 0, 1,
                 "1: record RPC and Redis metrics; 0: not (benchmarks)") == 1;
  config.shutdown_grace = source.Duration(
      "shutdown_grace", config.shutdown_grace, absl::ZeroDuration(),
      absl::Minutes(5), "time in-flight RPCs get to finish on SIGTERM");
  config.drain_delay = source.Duration(
      "drain_delay", config.drain_delay, absl::ZeroDuration(), absl::Minutes(1),
      "NOT_SERVING time before refusing new RPCs");
  config.max_receive_message_bytes = static_cast<int>(
      source.Int("max_receive_message_bytes", config.max_receive_message_bytes,
                 1024, 64 << 20, "largest request accepted"));
  return config;
}

void BlockShutdownSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

ServiceHost::ServiceHost(ServerConfig config) : config_(std::move(config)) {}

ServiceHost::~ServiceHost() {
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now());  // no-op after Drain
    server_->Wait();
  }
}

void ServiceHost::AddService(grpc::Service* service, std::string name) {
  services_.emplace_back(service, std::move(name));
}

absl::Status ServiceHost::Start() {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  builder.AddListeningPort(config_.listen.ToString(),
                           grpc::InsecureServerCredentials(), &port_);
  for (auto& [service, name] : services_) {
    builder.RegisterService(service);
  }
  builder.SetMaxReceiveMessageSize(config_.max_receive_message_bytes);
  builder.SetMaxSendMessageSize(16 << 20);
  // Phones sleep and roam: the server pings idle connections rarely (saves
  // battery) and lets clients keep connections alive with pings as often as
  // every 30 s, even with no call in flight.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 5 * 60 * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20 * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 30 * 1000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS, 30 * 60 * 1000);
  // Unparseable requests answer INVALID_ARGUMENT, not an empty UNIMPLEMENTED.
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(
      std::make_unique<UnparseableRequestInterceptorFactory>());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));

  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", config_.listen.ToString()));
  }
  SetServing(false);  // until Redis is ready
  return absl::OkStatus();
}

void ServiceHost::SetServing(bool serving) {
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  health->SetServingStatus("", serving);
  for (auto& [service, name] : services_) {
    health->SetServingStatus(name, serving);
  }
}

void ServiceHost::ServeUntilSignal() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  int received = 0;
  sigwait(&signals, &received);
  Log("info", absl::StrCat("signal ", received, ": draining"));
  Drain();
}

void ServiceHost::Drain() {
  // Shutdown() sets every status NOT_SERVING and ignores later updates, so
  // a Redis reconnect cannot flip the health back.
  server_->GetHealthCheckService()->Shutdown();
  absl::SleepFor(config_.drain_delay);
  server_->Shutdown(absl::ToChronoTime(absl::Now() + config_.shutdown_grace));
  server_->Wait();
  // server_ stays allocated: Redis readiness callbacks may still call
  // SetServing, which the shut-down health service ignores.
  Log("info", "server stopped");
}

}  // namespace gracilis
