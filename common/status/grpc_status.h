#pragma once

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace gracilis {

// The one place absl::Status becomes grpc::Status. Field violations become
// google.rpc.BadRequest, reasons google.rpc.ErrorInfo (domain
// "gracilis.app"), retry delays google.rpc.RetryInfo, all inside the
// google.rpc.Status sent as `grpc-status-details-bin`.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The reverse, for clients and tests: code, message, and the details above
// decoded back into payloads.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace gracilis
