#pragma once

// What this build is: the project's version (CMakeLists.txt) and the git
// commit it was configured from ("unknown" outside a checkout). Every
// binary prints them for --version; every metrics endpoint exports them as
// gracilis_build_info.

#include "absl/strings/string_view.h"

namespace gracilis {

absl::string_view BuildVersion();  // "1.0.0"
absl::string_view BuildCommit();   // "6165755a1b2c"

}  // namespace gracilis
