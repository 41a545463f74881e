#include "common/auth/session_token.h"

#include <sodium.h>

#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"

namespace gracilis {
namespace {

constexpr size_t kUserIdBytes = 12;
constexpr size_t kSecretBytes = 32;
constexpr size_t kMaxTokenLength = 128;

void EnsureSodium() {
  static const bool ready = sodium_init() >= 0;
  (void)ready;
}

std::string RandomBytes(size_t n) {
  EnsureSodium();
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

}  // namespace

std::string NewUserId() {
  return absl::BytesToHexString(RandomBytes(kUserIdBytes));
}

bool IsValidUserId(absl::string_view user_id) {
  if (user_id.size() != 2 * kUserIdBytes) {
    return false;
  }
  for (char c : user_id) {
    if (!absl::ascii_isxdigit(c) || absl::ascii_isupper(c)) {
      return false;
    }
  }
  return true;
}

std::string NewSessionToken(absl::string_view user_id) {
  return std::string(user_id) + "." +
         absl::WebSafeBase64Escape(RandomBytes(kSecretBytes));
}

std::optional<ParsedToken> ParseSessionToken(absl::string_view token) {
  if (token.size() > kMaxTokenLength) {
    return std::nullopt;
  }
  const size_t dot = token.find('.');
  if (dot == absl::string_view::npos) {
    return std::nullopt;
  }
  absl::string_view user_id = token.substr(0, dot);
  std::string secret;
  if (!IsValidUserId(user_id) ||
      !absl::WebSafeBase64Unescape(token.substr(dot + 1), &secret) ||
      secret.size() != kSecretBytes ||
      // Only the canonical encoding: otherwise a changed last character can
      // flip padding bits only and still decode to the same secret.
      absl::WebSafeBase64Escape(secret) != token.substr(dot + 1)) {
    return std::nullopt;
  }
  EnsureSodium();
  std::array<unsigned char, crypto_generichash_BYTES> hash;
  crypto_generichash(hash.data(), hash.size(),
                     reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size(), nullptr, 0);
  return ParsedToken{
      std::string(user_id),
      absl::BytesToHexString(absl::string_view(
          reinterpret_cast<const char*>(hash.data()), hash.size()))};
}

}  // namespace gracilis
