#pragma once

// Debian builds Abseil without NDEBUG, so by default every absl::Mutex lock,
// gRPC's included, runs Abseil's deadlock detection: a process-wide lock-order
// graph updated on each lock and on each mutex's destruction. Under load that
// cost about 2% of a service's CPU (perf record on gracilis-workout under
// LogSet load). Servers, the batch job and the benchmarks turn it off; tests
// leave it on, where it catches lock-order mistakes.

#include "absl/synchronization/mutex.h"

namespace gracilis {

inline void TurnOffMutexDeadlockDetection() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace gracilis
