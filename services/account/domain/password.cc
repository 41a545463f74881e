#include "services/account/domain/password.h"

#include <sodium.h>

namespace gracilis::account {

absl::StatusOr<std::string> HashPassword(absl::string_view password) {
  if (sodium_init() < 0) {
    return absl::InternalError("libsodium failed to initialise");
  }
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            kArgonOpsLimit, kArgonMemLimitBytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError("out of memory hashing a password");
  }
  return std::string(out);
}

bool VerifyPassword(absl::string_view encoded_hash,
                    absl::string_view password) {
  const std::string hash(encoded_hash);  // NUL-terminated for libsodium
  return crypto_pwhash_str_verify(hash.c_str(), password.data(),
                                  password.size()) == 0;
}

const std::string& DecoyPasswordHash() {
  static const auto* decoy = new std::string(*HashPassword("decoy password"));
  return *decoy;
}

}  // namespace gracilis::account
