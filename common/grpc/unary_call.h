#pragma once

// One unary RPC on the callback API: the reactor, the client's deadline, and
// the single exit that maps the status and records metrics. Copyable, so
// asynchronous continuations capture it by value; Finish exactly once.

#include <functional>
#include <memory>

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

  // A hook that every failing answer but UNAUTHENTICATED, UNAVAILABLE,
  // DEADLINE_EXCEEDED and CANCELLED goes through first; it must Finish the
  // ungated call it is given once. Set by Authenticator::ServeCaller, so
  // that no such answer reaches a token whose session is not live.
  using FailureGate = std::function<void(absl::Status, UnaryCall ungated)>;
  void SetFailureGate(std::shared_ptr<const FailureGate> gate) {
    gate_ = std::move(gate);
  }

  void Finish(const absl::Status& status) const {
    if (gate_ != nullptr && Gated(status.code())) {
      UnaryCall ungated = *this;
      ungated.gate_ = nullptr;
      (*gate_)(status, std::move(ungated));
      return;
    }
    if (method_ != nullptr) {
      method_->Record(status.code(), absl::Now() - start_);
    }
    reactor_->Finish(ToGrpcStatus(status));
  }

 private:
  static bool Gated(absl::StatusCode code) {
    return code != absl::StatusCode::kOk &&
           code != absl::StatusCode::kUnauthenticated &&
           code != absl::StatusCode::kUnavailable &&
           code != absl::StatusCode::kDeadlineExceeded &&
           code != absl::StatusCode::kCancelled;
  }

  grpc::CallbackServerContext* context_;
  grpc::ServerUnaryReactor* reactor_;
  RpcMetrics::Method* method_;
  absl::Time start_;
  std::shared_ptr<const FailureGate> gate_;
};

}  // namespace gracilis
