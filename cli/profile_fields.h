#pragma once

// The `gracilis profile` command's text form of a profile: parsing
// `key=value` assignments into an UpdateProfileRequest, and printing a
// profile for people. No I/O, so it is tested on its own.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gracilis/account/v1/account.pb.h"

namespace gracilis::cli {

// Parses assignments such as
//   weight=62kg height=168cm birth_year=1992 sex=female experience=beginner
//   equipment=dumbbell,resistance_band days=4 goal=slim_and_tone
//   time_zone=Europe/Berlin
// into a request whose update_mask names exactly the assigned fields.
// Enum values are the proto names without their prefix, in any case.
// INVALID_ARGUMENT names the assignment and what it should look like.
absl::StatusOr<account::v1::UpdateProfileRequest> ParseProfileAssignments(
    const std::vector<std::string>& assignments);

// Help text listing the keys and their forms.
std::string ProfileAssignmentHelp();

// One "label  value" line per field; unset fields print as "-".
std::string FormatProfile(const account::v1::Profile& profile);

}  // namespace gracilis::cli
