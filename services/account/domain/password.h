#pragma once

// Argon2id password hashing (libsodium), at OWASP's minimum of 19 MiB and
// two passes. CPU-heavy (tens of ms): call it off the gRPC and Redis threads.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gracilis::account {

inline constexpr unsigned long long kArgonOpsLimit = 2;
inline constexpr size_t kArgonMemLimitBytes = 19 * 1024 * 1024;

// An encoded "$argon2id$..." string with its own salt and parameters.
absl::StatusOr<std::string> HashPassword(absl::string_view password);
bool VerifyPassword(absl::string_view encoded_hash, absl::string_view password);
// A valid hash of a random password: verifying against it costs the same as
// a real check, so an unknown email takes as long as a wrong password.
const std::string& DecoyPasswordHash();

}  // namespace gracilis::account
