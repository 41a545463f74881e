#pragma once

// A unary call whose request is raw bytes, as a client with a broken encoder
// (or a fuzzer) would send it: for tests of what services and the gateway
// answer to requests that are not what the contract says.

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

namespace gracilis::testing {

// Calls `method` ("/pkg.Service/Method") with `bytes` as the request, with
// `token` as the bearer token unless empty; waits for the answer.
inline grpc::Status RawUnaryCall(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
    const std::string& bytes, const std::string& token = "",
    std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  if (!token.empty()) {
    context.AddMetadata("authorization", "Bearer " + token);
  }
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1), response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status status) { done.set_value(status); });
  return done.get_future().get();
}

}  // namespace gracilis::testing
