#pragma once

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace gracilis {

// The one place absl::Status becomes grpc::Status. Field violations become
// google.rpc.BadRequest, reasons google.rpc.ErrorInfo (domain
// "gracilis.app"), retry delays google.rpc.RetryInfo, all inside the
// google.rpc.Status sent as `grpc-status-details-bin`. The answer is
// bounded whatever the request: a message of at most 1 KiB and the first
// 20 violations (2 KiB at most, "and N more" in the message), so no
// request can make an error the server cannot send.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The reverse, for clients and tests: code, message, and the details above
// decoded back into payloads.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace gracilis
