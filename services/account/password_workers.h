#pragma once

// Threads for Argon2id work, so that password hashing (tens of ms and 19 MiB
// each) never runs on gRPC or Redis loop threads. The queue is bounded:
// beyond it, callers get RESOURCE_EXHAUSTED instead of unbounded latency.

#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace gracilis::account {

class PasswordWorkers {
 public:
  PasswordWorkers(int threads, size_t max_queue) : max_queue_(max_queue) {
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this] { Work(); });
    }
  }
  ~PasswordWorkers() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    for (std::thread& t : threads_) {
      t.join();
    }
  }

  // Queues `job`, or returns RESOURCE_EXHAUSTED when the queue is full.
  absl::Status Submit(absl::AnyInvocable<void() &&> job) {
    absl::MutexLock lock(&mu_);
    if (queue_.size() >= max_queue_) {
      return absl::ResourceExhaustedError(
          "too many sign-ins in progress; retry shortly");
    }
    queue_.push_back(std::move(job));
    return absl::OkStatus();
  }

 private:
  void Work() {
    while (true) {
      absl::AnyInvocable<void() &&> job;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](PasswordWorkers* self)
                 ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
                   return self->stopping_ || !self->queue_.empty();
                 },
            this));
        if (queue_.empty()) {
          return;  // stopping
        }
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      std::move(job)();
    }
  }

  const size_t max_queue_;
  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace gracilis::account
