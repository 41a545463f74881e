#include "common/auth/authenticator.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "common/status/errors.h"

namespace gracilis {

std::string BearerToken(const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  // Two tokens are refused, not chosen between (the gateway refuses them
  // too): which user such a call acts for would be a guess.
  if (it == metadata.end() || metadata.count("authorization") != 1) {
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

std::string ClientAddress(const grpc::CallbackServerContext& context,
                          const std::vector<std::string>& trusted_proxies) {
  // "ipv4:10.1.2.3:5000", "ipv6:[::1]:5000" (brackets maybe %-encoded).
  const std::string peer_text = context.peer();  // returned by value
  absl::string_view peer = peer_text;
  for (absl::string_view scheme : {"ipv4:", "ipv6:"}) {
    absl::ConsumePrefix(&peer, scheme);
  }
  std::string ip;
  if (absl::ConsumePrefix(&peer, "[") || absl::ConsumePrefix(&peer, "%5B")) {
    ip = std::string(peer.substr(0, std::min(peer.find(']'), peer.find('%'))));
  } else {
    ip = std::string(peer.substr(0, peer.rfind(':')));
  }
  const bool trusted =
      std::any_of(trusted_proxies.begin(), trusted_proxies.end(),
                  [&ip](const std::string& prefix) {
                    return !prefix.empty() && absl::StartsWith(ip, prefix);
                  });
  const auto& metadata = context.client_metadata();
  const auto header = metadata.find("x-client-address");
  if (trusted && header != metadata.end() &&
      metadata.count("x-client-address") == 1 && !header->second.empty() &&
      header->second.size() <= 64) {
    return std::string(header->second.data(), header->second.size());
  }
  return ip;
}

absl::Status Authenticator::MissingToken() {
  return WithReason(
      absl::UnauthenticatedError(
          "send one metadata entry 'authorization: Bearer <token>'"),
      "SESSION_INVALID");
}

}  // namespace gracilis
