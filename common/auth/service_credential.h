#pragma once

// The credential Gracilis's own jobs (the weekly job) present to a service
// for calls no phone may make (AdaptPlan): a shared secret sent as
// `authorization: Bearer <token>`, configured as `service_token`
// (GRACILIS_SERVICE_TOKEN, from a secret in production). Phones never hold
// it; a user's session token is not it.

#include <string>

#include "absl/status/status.h"
#include "common/config/config.h"
#include "grpcpp/grpcpp.h"

namespace gracilis {

// A service token has at least this many characters (the session tokens'
// 256 bits, written in hex, are 64).
inline constexpr int kMinServiceTokenLength = 32;

class ServiceCredential {
 public:
  // Empty: no call is a service call.
  explicit ServiceCredential(std::string token) : token_(std::move(token)) {}

  // Reads `service_token`; `required` makes an empty one a config error.
  static ServiceCredential Read(ConfigSource& source, bool required);

  // Whether the call's bearer token is this credential (compared in
  // constant time).
  bool PresentedBy(const grpc::CallbackServerContext& context) const;

  const std::string& token() const { return token_; }

 private:
  std::string token_;
};

}  // namespace gracilis
