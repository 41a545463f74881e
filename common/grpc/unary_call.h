#pragma once

// One unary RPC on the callback API: the reactor, the client's deadline, and
// the single exit that maps the status and records metrics. Copyable, so
// asynchronous continuations capture it by value; Finish exactly once.

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/metrics/metrics.h"
#include "common/status/grpc_status.h"
#include "grpcpp/grpcpp.h"

namespace gracilis {

class UnaryCall {
 public:
  // `method` may be null (metrics off).
  UnaryCall(grpc::CallbackServerContext* context, RpcMetrics::Method* method)
      : context_(context),
        reactor_(context->DefaultReactor()),
        method_(method),
        start_(absl::Now()) {}

  grpc::ServerUnaryReactor* reactor() const { return reactor_; }
  grpc::CallbackServerContext* context() const { return context_; }
  // The client's deadline (InfiniteFuture if it set none).
  absl::Time deadline() const { return absl::FromChrono(context_->deadline()); }

  void Finish(const absl::Status& status) const {
    if (method_ != nullptr) {
      method_->Record(status.code(), absl::Now() - start_);
    }
    reactor_->Finish(ToGrpcStatus(status));
  }

 private:
  grpc::CallbackServerContext* context_;
  grpc::ServerUnaryReactor* reactor_;
  RpcMetrics::Method* method_;
  absl::Time start_;
};

}  // namespace gracilis
