#pragma once

// The benchmarks' load generator and the pieces every benchmark shares:
// servers pinned to CPU 1 and the client to CPU 0, several connections, a
// closed loop of client threads with latency percentiles, and the table
// that prints a result next to its reference.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace gracilis::bench {

inline constexpr int kClientThreads = 16;
inline constexpr int kChannels = 4;

// Pins this process to `cpu` when the machine has two or more CPUs.
bool PinToCpu(int cpu);
// `argv` prefixed to run on CPU 1 (taskset) when there are two CPUs.
std::vector<std::string> OnServerCpu(std::vector<std::string> argv);
// kChannels channels to `target`, each its own connection.
std::vector<std::shared_ptr<grpc::Channel>> Channels(const std::string& target);
// Waits up to 10 s for grpc.health.v1 to say SERVING.
bool WaitServing(const std::shared_ptr<grpc::Channel>& channel);

struct Result {
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  int64_t calls = 0;
  int64_t errors = 0;
};

// Closed loop: kClientThreads threads each make one call at a time for
// `warmup`, then for `window` while measured. `call(thread index)` returns
// whether it succeeded; its whole duration is the latency.
Result Measure(absl::Duration warmup, absl::Duration window,
               const std::function<bool(int)>& call);

// A table of results, the first being the reference, with each row's
// throughput as a ratio of the reference's.
void PrintResults(const std::string& title,
                  const std::vector<std::pair<std::string, Result>>& rows);

}  // namespace gracilis::bench
