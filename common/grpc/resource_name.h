#pragma once

// Names of a user's resources, "users/{user}/<kind>s/{id}", where {user} may
// be "me". One rule for every service: another user's resource answers
// NOT_FOUND, as if it did not exist, never PERMISSION_DENIED (which would
// confirm it exists).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/status/errors.h"

namespace gracilis {

// The {id} of `name` if it names a `kind` ("plan", "workout") of the caller
// `user_id`. A name of another shape is INVALID_ARGUMENT for `field` with
// `rule` (which says the expected form).
inline absl::StatusOr<std::string> OwnResourceId(absl::string_view name,
                                                 absl::string_view user_id,
                                                 absl::string_view kind,
                                                 const std::string& field,
                                                 const std::string& rule) {
  const std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "users" ||
      parts[2] != absl::StrCat(kind, "s") || parts[3].empty()) {
    return InvalidField(field, rule);
  }
  if (parts[1] != "me" && parts[1] != user_id) {
    return absl::NotFoundError(absl::StrCat("no such ", kind));
  }
  return parts[3];
}

// The {user} of `name` when it names a `kind` of a user by id (not "me"):
// for callers acting for any user, such as the weekly job.
inline absl::StatusOr<std::string> UserOfResource(absl::string_view name,
                                                  absl::string_view kind,
                                                  const std::string& field) {
  const std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "users" || parts[1].empty() ||
      parts[1] == "me" || parts[2] != absl::StrCat(kind, "s") ||
      parts[3].empty()) {
    return InvalidField(field, absl::StrCat("must be users/{user id}/", kind,
                                            "s/{id} (a service call names "
                                            "the user)"));
  }
  return parts[1];
}

}  // namespace gracilis
