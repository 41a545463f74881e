// gracilis-health: asks a server's grpc.health.v1.Health/Check and exits 0
// when it answers SERVING, 1 otherwise (the reason on stderr). With
// --want=answer any answer will do: a liveness check, since a service is
// NOT_SERVING, but alive, while Redis is away. For container
// health checks: it reads the same `listen` setting as the services
// (GRACILIS_LISTEN), so inside a service's container it needs no arguments.

#include <iostream>

#include "absl/strings/str_cat.h"
#include "common/config/config.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"

int main(int argc, char** argv) {
  using namespace gracilis;
  ConfigSource source(argc, argv);
  const HostPort listen =
      source.Address("listen", "127.0.0.1:50051",
                     "address of the server to ask (0.0.0.0 asks this host)");
  const std::string service = source.String(
      "service", "", "service name to ask about (empty: the whole server)");
  const absl::Duration timeout =
      source.Duration("timeout", absl::Seconds(2), absl::Milliseconds(10),
                      absl::Minutes(1), "how long to wait for the answer");
  const std::string want =
      source.String("want", "serving",
                    "serving: exit 0 only if SERVING; answer: on any answer");
  ExitOnConfigError(source, "gracilis-health");
  if (want != "serving" && want != "answer") {
    std::cerr << "gracilis-health: --want must be serving or answer\n";
    return 2;
  }

  // A wildcard listen address is reached on loopback.
  const std::string host = listen.host == "0.0.0.0" || listen.host.empty()
                               ? "127.0.0.1"
                               : listen.host;
  const std::string target = absl::StrCat(host, ":", listen.port);
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) {
    std::cerr << target << ": " << status.error_code() << " "
              << status.error_message() << "\n";
    return 1;
  }
  const bool serving =
      response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
  std::cerr << target << ": "
            << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
                   response.status())
            << "\n";
  return serving || want == "answer" ? 0 : 1;
}
