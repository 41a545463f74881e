#pragma once

// Key layout. Every key of a user carries the hash tag {u:<user_id>} so a
// user's data shares one Redis Cluster slot and one Function can update it
// atomically. Login data is keyed by email ({e:<email>}), which has its own
// slot. Emails are validated to contain no braces.

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace gracilis {

inline std::string UserKey(absl::string_view user_id,
                           absl::string_view suffix) {
  return absl::StrCat("{u:", user_id, "}:", suffix);
}

// The SET of every key a user owns; DeleteAccount deletes them all, so any
// service that stores per-user data adds its keys here.
inline std::string UserKeyRegistry(absl::string_view user_id) {
  return UserKey(user_id, "keys");
}

inline std::string EmailKey(absl::string_view email, absl::string_view suffix) {
  return absl::StrCat("{e:", email, "}:", suffix);
}

}  // namespace gracilis
