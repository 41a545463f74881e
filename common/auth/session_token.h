#pragma once

// Session tokens: "<user_id>.<secret>" where the secret is 256 random bits
// (base64url). The user id part lets the session live under the user's hash
// tag; only a BLAKE2b hash of the secret is ever stored, so a Redis dump
// yields no usable token. Altering either part finds no session.

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace gracilis {

struct ParsedToken {
  std::string user_id;
  std::string secret_hash;  // hex BLAKE2b-256 of the secret
};

// 96 random bits as 24 lowercase hex characters.
std::string NewUserId();
bool IsValidUserId(absl::string_view user_id);

// A fresh token for `user_id`.
std::string NewSessionToken(absl::string_view user_id);
// The parts of a well-formed token; nullopt for anything else.
std::optional<ParsedToken> ParseSessionToken(absl::string_view token);

}  // namespace gracilis
