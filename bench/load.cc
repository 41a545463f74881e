#include "bench/load.h"

#include <sched.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace gracilis::bench {

// Values below 2^kSubBucketBits have a bucket each; above, a value with its
// highest bit at position b >= kSubBucketBits is shifted right by
// s = b - kSubBucketBits + 1 and lands in bucket s * 128 + (value >> s),
// its top 8 bits.
Histogram::Histogram() : buckets_(BucketOf(int64_t{1} << 62) + 1) {}

size_t Histogram::BucketOf(int64_t nanos) {
  const uint64_t value = static_cast<uint64_t>(std::max<int64_t>(nanos, 0));
  const int top_bit = value == 0 ? 0 : 63 - __builtin_clzll(value);
  const int shift = std::max(0, top_bit - kSubBucketBits + 1);
  return (static_cast<size_t>(shift) << (kSubBucketBits - 1)) +
         (value >> shift);
}

int64_t Histogram::MiddleOf(size_t bucket) {
  const int half = 1 << (kSubBucketBits - 1);
  if (bucket < size_t{1} << kSubBucketBits) {
    return static_cast<int64_t>(bucket);
  }
  // bucket = shift * half + top with top in [half, 2 * half).
  const int shift = static_cast<int>(bucket / half) - 1;
  const int64_t top = static_cast<int64_t>(bucket - size_t(shift) * half);
  return (top << shift) + (int64_t{1} << shift) / 2;
}

void Histogram::Record(int64_t nanos) {
  buckets_[std::min(BucketOf(nanos), buckets_.size() - 1)].fetch_add(
      1, std::memory_order_relaxed);
  sum_.fetch_add(nanos, std::memory_order_relaxed);
  int64_t seen = max_.load(std::memory_order_relaxed);
  while (nanos > seen && !max_.compare_exchange_weak(seen, nanos)) {
  }
}

int64_t Histogram::count() const {
  int64_t total = 0;
  for (const auto& bucket : buckets_) {
    total += bucket.load(std::memory_order_relaxed);
  }
  return total;
}

double Histogram::PercentileMs(double quantile) const {
  const int64_t total = count();
  if (total == 0) {
    return 0;
  }
  // The smallest bucket holding the ceil(quantile * total)-th latency.
  const int64_t rank = std::max<int64_t>(
      1,
      static_cast<int64_t>(std::ceil(quantile * static_cast<double>(total))));
  int64_t seen = 0;
  for (size_t b = 0; b < buckets_.size(); ++b) {
    seen += buckets_[b].load(std::memory_order_relaxed);
    if (seen >= rank) {
      return std::min(MiddleOf(b), max_.load()) / 1e6;
    }
  }
  return MaxMs();
}

double Histogram::MaxMs() const { return max_.load() / 1e6; }

double Histogram::MeanMs() const {
  const int64_t n = count();
  return n == 0 ? 0 : static_cast<double>(sum_.load()) / n / 1e6;
}

int64_t LoadResult::errors() const {
  int64_t errors = 0;
  for (const auto& [code, count] : codes) {
    errors += code == grpc::StatusCode::OK ? 0 : count;
  }
  return errors;
}

std::string LoadResult::Json() const {
  std::vector<std::string> by_code;
  for (const auto& [code, count] : codes) {
    by_code.push_back(
        absl::StrFormat("\"%s\": %d", StatusCodeName(code), count));
  }
  return absl::StrFormat(
      "{\"name\": \"%s\", \"mode\": \"%s\", \"concurrency\": %d, \"rate\": "
      "%.0f, \"window_s\": %.3f, \"calls\": %d, \"per_second\": %.1f, "
      "\"mean_ms\": %.3f, \"p50_ms\": %.3f, \"p90_ms\": %.3f, \"p99_ms\": "
      "%.3f, \"p999_ms\": "
      "%.3f, \"max_ms\": %.3f, \"codes\": {%s}, \"not_sent\": %d}",
      name, spec.mode == LoadSpec::Mode::kClosed ? "closed" : "open",
      spec.concurrency, spec.rate, absl::ToDoubleSeconds(spec.window), calls,
      per_second, latency.MeanMs(), latency.PercentileMs(0.5),
      latency.PercentileMs(0.9), latency.PercentileMs(0.99),
      latency.PercentileMs(0.999), latency.MaxMs(),
      absl::StrJoin(by_code, ", "), not_sent);
}

namespace {

// What the calls of one run share. Calls started during the window are
// measured; the run ends when the last call started has ended.
class Run {
 public:
  Run(Workload& workload, LoadResult& result)
      : workload_(workload), result_(result) {}

  // Starts call `n`; `due` is when its latency starts counting.
  void Start(int64_t n, absl::Time due, std::function<void()> then) {
    const bool measured = measuring_.load(std::memory_order_acquire);
    in_flight_.fetch_add(1);
    workload_.Start(n, [this, due, measured,
                        then = std::move(then)](const grpc::Status& status) {
      if (measured) {
        result_.latency.Record(absl::ToInt64Nanoseconds(absl::Now() - due));
        absl::MutexLock lock(&mu_);
        ++result_.codes[status.error_code()];
      }
      ended_.fetch_add(1, std::memory_order_relaxed);
      if (then) {
        then();
      }
      if (in_flight_.fetch_sub(1) == 1 && stopping()) {
        absl::MutexLock lock(&mu_);
        idle_ = true;
      }
    });
  }

  int in_flight() const { return in_flight_.load(); }
  int64_t ended() const { return ended_.load(); }
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  void set_measuring(bool measuring) { measuring_.store(measuring); }

  // Stops new calls and waits (at most a minute) for those in flight.
  void StopAndWait() {
    stopping_.store(true);
    absl::MutexLock lock(&mu_);
    if (in_flight_.load() == 0) {
      idle_ = true;
    }
    mu_.AwaitWithTimeout(absl::Condition(&idle_), absl::Minutes(1));
  }

 private:
  Workload& workload_;
  LoadResult& result_;
  std::atomic<bool> measuring_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int> in_flight_{0};
  std::atomic<int64_t> ended_{0};
  absl::Mutex mu_;
  bool idle_ = false;
};

// One of the closed loop's slots: call slot, slot + C, slot + 2C, ... each
// started when the one before ends.
void NextInSlot(Run& run, int64_t n, int concurrency) {
  if (run.stopping()) {
    return;
  }
  run.Start(n, absl::Now(), [&run, n, concurrency] {
    NextInSlot(run, n + concurrency, concurrency);
  });
}

}  // namespace

std::unique_ptr<LoadResult> RunLoad(const std::string& name, Workload& workload,
                                    const LoadSpec& spec) {
  auto result = std::make_unique<LoadResult>();
  result->name = name;
  result->spec = spec;
  Run run(workload, *result);
  const absl::Time start = absl::Now();
  const absl::Time measure_from = start + spec.warmup;
  const absl::Time end = measure_from + spec.window;
  if (spec.mode == LoadSpec::Mode::kClosed) {
    for (int slot = 0; slot < spec.concurrency; ++slot) {
      NextInSlot(run, slot, spec.concurrency);
    }
    absl::SleepFor(measure_from - absl::Now());
    run.set_measuring(true);
    absl::SleepFor(end - absl::Now());
    run.set_measuring(false);
  } else {
    // Every call due by now is started (or, beyond the in-flight cap,
    // counted as not sent), then the pacer naps briefly.
    const double rate = std::max(spec.rate, 1.0);
    int64_t next = 0;
    for (absl::Time now = start; now < end; now = absl::Now()) {
      const int64_t due_by_now =
          static_cast<int64_t>(absl::ToDoubleSeconds(now - start) * rate) + 1;
      for (; next < due_by_now; ++next) {
        const absl::Time due = start + absl::Seconds(next / rate);
        const bool measured = due >= measure_from && due < end;
        run.set_measuring(measured);
        if (run.in_flight() >= spec.concurrency) {
          result->not_sent += measured ? 1 : 0;
          continue;
        }
        run.Start(next, due, nullptr);
      }
      absl::SleepFor(absl::Microseconds(50));
    }
    run.set_measuring(false);
  }
  run.StopAndWait();
  result->all_calls = run.ended();
  result->calls = result->latency.count();
  result->per_second = result->calls / absl::ToDoubleSeconds(spec.window);
  return result;
}

int64_t RunSequentially(Workload& workload, int64_t first, int64_t count) {
  int64_t ok = 0;
  for (int64_t n = first; n < first + count; ++n) {
    absl::Notification done;
    workload.Start(n, [&](const grpc::Status& status) {
      ok += status.ok() ? 1 : 0;
      done.Notify();
    });
    done.WaitForNotification();
  }
  return ok;
}

std::string StatusCodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  const int index = static_cast<int>(code);
  return index >= 0 && index < 17 ? kNames[index]
                                  : absl::StrCat("CODE_", index);
}

std::vector<std::shared_ptr<grpc::Channel>> Channels(const std::string& target,
                                                     int channels) {
  // Kept for the life of the process: with Debian's gRPC 1.51, dropping the
  // last channel that made callback calls shuts down the shared callback
  // completion queue, and making calls again soon after crashed bench-suite
  // with a double free in its polling thread.
  static absl::Mutex mu(absl::kConstInit);
  static auto* made =
      new std::map<std::pair<std::string, int>,
                   std::vector<std::shared_ptr<grpc::Channel>>>();
  absl::MutexLock lock(&mu);
  std::vector<std::shared_ptr<grpc::Channel>>& result =
      (*made)[{target, channels}];
  for (int i = static_cast<int>(result.size()); i < channels; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("gracilis.bench_channel", i);  // one connection each
    result.push_back(grpc::CreateCustomChannel(
        target, grpc::InsecureChannelCredentials(), args));
  }
  return result;
}

bool PinToCpu(int cpu) {
  if (std::thread::hardware_concurrency() < 2) {
    return false;
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(0, sizeof(set), &set) == 0;
}

}  // namespace gracilis::bench
