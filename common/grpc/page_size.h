#pragma once

// The page size of a list request, one rule for every service (AIP-158):
// 0 means the method's default, a size above its maximum means the maximum
// (the client gets fewer items and a next_page_token, not an error), and a
// negative size is INVALID_ARGUMENT for `field`.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/status/errors.h"

namespace gracilis {

inline absl::StatusOr<int> PageSize(int requested, int default_size,
                                    int max_size, const std::string& field) {
  if (requested < 0) {
    return InvalidField(
        field, absl::StrCat("must not be negative (0 means ", default_size,
                            "; above ", max_size, " means ", max_size, ")"));
  }
  if (requested == 0) {
    return default_size;
  }
  return requested > max_size ? max_size : requested;
}

}  // namespace gracilis
