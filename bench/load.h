#pragma once

// The benchmarks' load generator, on the gRPC callback API. A Workload
// starts one call at a time when asked; RunLoad drives it either
// closed-loop (a fixed number of calls in flight, each finished call
// starting the next) or open-loop (calls started at a fixed rate whatever
// happens to earlier ones), warms up, then measures a window: throughput,
// latency percentiles from a log-linear histogram, and statuses by code.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace gracilis::bench {

// Latencies in nanoseconds in buckets 1/128 of a power of two wide (under
// 0.8% error), safe to record into from many threads at once.
class Histogram {
 public:
  Histogram();
  void Record(int64_t nanos);
  int64_t count() const;
  // The latency below which `quantile` (0-1) of the recorded ones fall, in
  // milliseconds (the middle of its bucket); 0 when empty.
  double PercentileMs(double quantile) const;
  double MaxMs() const;
  double MeanMs() const;

 private:
  static constexpr int kSubBucketBits = 8;
  static size_t BucketOf(int64_t nanos);
  static int64_t MiddleOf(size_t bucket);
  std::vector<std::atomic<int64_t>> buckets_;
  std::atomic<int64_t> max_{0};
  std::atomic<int64_t> sum_{0};
};

// Starts call number `n` (0, 1, 2, ...) and calls `done` exactly once, on
// any thread, when it ends. A workload maps `n` to a user and a channel;
// call numbers that differ by a multiple of the number of users belong to
// the same user.
class Workload {
 public:
  using Done = std::function<void(const grpc::Status&)>;
  virtual ~Workload() = default;
  virtual void Start(int64_t n, Done done) = 0;
};

struct LoadSpec {
  enum class Mode { kClosed, kOpen };
  Mode mode = Mode::kClosed;
  // Closed loop: calls in flight. Open loop: the most in flight; a call due
  // while that many are pending is not started and counted as not_sent.
  int concurrency = 64;
  // Open loop: calls started per second.
  double rate = 0;
  absl::Duration warmup = absl::Seconds(1);
  absl::Duration window = absl::Seconds(5);
};

struct LoadResult {
  std::string name;
  LoadSpec spec;
  // Of the calls started during the window: finished per second of window,
  // and each one's latency (open loop: from when it was due, so a stalled
  // server's backlog counts; closed loop: from when it started).
  double per_second = 0;
  int64_t calls = 0;
  Histogram latency;
  std::map<grpc::StatusCode, int64_t> codes;
  int64_t not_sent = 0;
  // Every call that ended, warm-up included.
  int64_t all_calls = 0;

  int64_t errors() const;
  // One JSON object: name, mode, concurrency, rate, window_s, calls,
  // per_second, p50/p90/p99/p999/max_ms, codes {"OK": n, ...}, not_sent.
  std::string Json() const;
};

// Runs `workload` for spec.warmup + spec.window and waits for the calls
// started in the window to end.
std::unique_ptr<LoadResult> RunLoad(const std::string& name, Workload& workload,
                                    const LoadSpec& spec);

// Calls `workload` `count` times one after another (call numbers `first`
// onwards); how many succeeded.
int64_t RunSequentially(Workload& workload, int64_t first, int64_t count);

// "OK", "UNAVAILABLE", ...
std::string StatusCodeName(grpc::StatusCode code);

// `channels` channels to `target`, each its own connection; the same ones
// for the same arguments.
std::vector<std::shared_ptr<grpc::Channel>> Channels(const std::string& target,
                                                     int channels);
// Pins this process's threads, and those it starts later, to `cpu`.
bool PinToCpu(int cpu);

}  // namespace gracilis::bench
