#pragma once

// One-line structured log records on stderr ("ts=... level=... msg=..."),
// which container runtimes collect. Abseil 20220623 has no absl/log.

#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace gracilis {

inline void Log(absl::string_view level, absl::string_view message) {
  std::cerr << absl::StrCat("ts=",
                            absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ",
                                             absl::Now(), absl::UTCTimeZone()),
                            " level=", level, " msg=\"", message, "\"\n");
}

}  // namespace gracilis
