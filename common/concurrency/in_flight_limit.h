#pragma once

// Bounds how many asynchronous operations a batch tool keeps in flight: the
// issuing thread Acquires a slot per operation (waiting while all are
// taken), the operation's callback Releases it. `tick` runs on the waiting
// thread about every 100 ms (progress reports).

#include <functional>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace gracilis {

class InFlightLimit {
 public:
  explicit InFlightLimit(int limit) : limit_(limit) {}

  void Acquire(const std::function<void()>& tick = nullptr) {
    WaitBelow(limit_, tick);
    absl::MutexLock lock(&mu_);
    ++in_flight_;
  }

  // From any thread.
  void Release() {
    absl::MutexLock lock(&mu_);
    --in_flight_;
    changed_.Signal();
  }

  void WaitIdle(const std::function<void()>& tick = nullptr) {
    WaitBelow(1, tick);
  }

 private:
  void WaitBelow(int limit, const std::function<void()>& tick) {
    absl::MutexLock lock(&mu_);
    while (in_flight_ >= limit) {
      changed_.WaitWithTimeout(&mu_, absl::Milliseconds(100));
      if (tick) {
        mu_.Unlock();
        tick();
        mu_.Lock();
      }
    }
  }

  const int limit_;
  absl::Mutex mu_;
  absl::CondVar changed_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace gracilis
