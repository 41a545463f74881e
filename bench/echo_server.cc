// bench-echo-server: a bare callback-API echo server, the reference every
// benchmark compares a Gracilis RPC with. Usage: bench-echo-server <port>

#include <iostream>
#include <string>

#include "common/concurrency/mutex_mode.h"
#include "gracilis/internal/bench/v1/echo.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace {

using gracilis::internal::bench::v1::EchoMessage;

class EchoService final
    : public gracilis::internal::bench::v1::EchoService::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const EchoMessage* request,
                                 EchoMessage* response) override {
    if (request->response_bytes() > 0) {
      response->set_payload(std::string(request->response_bytes(), 'x'));
    } else {
      response->set_payload(request->payload());
    }
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: bench-echo-server <port>\n";
    return 2;
  }
  gracilis::TurnOffMutexDeadlockDetection();
  EchoService service;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(std::string("127.0.0.1:") + argv[1],
                           grpc::InsecureServerCredentials());
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) {
    std::cerr << "bench-echo-server: cannot listen on port " << argv[1] << "\n";
    return 1;
  }
  server->Wait();
}
