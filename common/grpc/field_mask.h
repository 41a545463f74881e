#pragma once

// The fields an Update method changes, one rule for every service
// (AIP-134): the update_mask's paths when it names any; otherwise the
// fields populated in the request's resource (a non-default value, a set
// message, a non-empty list), less its output-only fields, which a client
// sending back what it read carries and which are then ignored. So an
// update with no mask changes exactly what it sets, and clearing a field
// takes a mask that names it. No paths at all changes nothing.

#include <string>
#include <vector>

#include "google/protobuf/message.h"

namespace gracilis {

std::vector<std::string> UpdatePaths(
    const std::vector<std::string>& mask,
    const google::protobuf::Message& update,
    const std::vector<std::string>& output_only);

}  // namespace gracilis
