#pragma once

// The published gRPC service config (protos/service_config.json): per-call
// timeouts, and retries with backoff on UNAVAILABLE for every method that is
// safe to repeat (reads, and writes made idempotent by a client id or
// request id); not for Login, Logout, ChangePassword, DeleteAccount and
// RevokeSession, whose second attempt would answer differently. Apps load
// the same file; docs/api.md explains it.

#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"

namespace gracilis {

// The JSON text of protos/service_config.json, compiled in.
const char* ServiceConfigJson();

// A channel to `target` that follows the service config.
std::shared_ptr<grpc::Channel> ChannelWithServiceConfig(
    const std::string& target,
    std::shared_ptr<grpc::ChannelCredentials> credentials);

}  // namespace gracilis
