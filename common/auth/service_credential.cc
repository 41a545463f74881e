#include "common/auth/service_credential.h"

#include <sodium.h>

#include "common/auth/authenticator.h"

namespace gracilis {

ServiceCredential ServiceCredential::Read(ConfigSource& source, bool required) {
  std::string token = source.String(
      "service_token", "",
      "secret of the weekly job toward AdaptPlan, at least 32 characters; "
      "the plan service refuses AdaptPlan without one");
  if (required && token.empty()) {
    source.Error("service_token", "is required");
  } else if (!token.empty() &&
             token.size() < static_cast<size_t>(kMinServiceTokenLength)) {
    source.Error("service_token", "must be at least 32 characters");
  }
  return ServiceCredential(std::move(token));
}

bool ServiceCredential::PresentedBy(
    const grpc::CallbackServerContext& context) const {
  if (token_.empty()) {
    return false;
  }
  const std::string presented = BearerToken(context);
  return presented.size() == token_.size() &&
         sodium_memcmp(presented.data(), token_.data(), token_.size()) == 0;
}

}  // namespace gracilis
