#pragma once

// Client-generated ids (request_id on creates, for safe retries from
// phones): 1-64 characters of A-Z a-z 0-9 _ -.

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"

namespace gracilis {

inline constexpr char kClientIdRule[] =
    "must be 1-64 characters of A-Z a-z 0-9 _ -";

inline bool IsValidClientId(absl::string_view id) {
  if (id.empty() || id.size() > 64) {
    return false;
  }
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

}  // namespace gracilis
