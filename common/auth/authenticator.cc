#include "common/auth/authenticator.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/status/errors.h"

namespace gracilis {

std::string BearerToken(const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return "";
  }
  absl::string_view value(it->second.data(), it->second.size());
  constexpr absl::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() ||
      !absl::StartsWithIgnoreCase(value, kScheme)) {
    return "";
  }
  return std::string(absl::StripAsciiWhitespace(value.substr(kScheme.size())));
}

absl::Status Authenticator::MissingToken() {
  return WithReason(absl::UnauthenticatedError(
                        "missing metadata 'authorization: Bearer <token>'"),
                    "SESSION_INVALID");
}

}  // namespace gracilis
