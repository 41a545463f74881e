#include "bench/load.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <thread>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/testing/child_process.h"
#include "common/testing/redis_server.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace gracilis::bench {

bool PinToCpu(int cpu) {
  if (std::thread::hardware_concurrency() < 2) {
    return false;
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(0, sizeof(set), &set) == 0;
}

// argv run on CPU 1 (taskset) when there are two CPUs.
std::vector<std::string> OnServerCpu(std::vector<std::string> argv) {
  if (std::thread::hardware_concurrency() >= 2 &&
      testing::RunCommand("command -v taskset").exit_code == 0) {
    argv.insert(argv.begin(), {"taskset", "-c", "1"});
  }
  return argv;
}

std::vector<std::shared_ptr<grpc::Channel>> Channels(
    const std::string& target) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < kChannels; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("gracilis.bench_channel", i);  // one connection each
    channels.push_back(grpc::CreateCustomChannel(
        target, grpc::InsecureChannelCredentials(), args));
  }
  return channels;
}

bool WaitServing(const std::shared_ptr<grpc::Channel>& channel) {
  auto health = grpc::health::v1::Health::NewStub(channel);
  return testing::WaitUntil([&] {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(200));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    return health->Check(&context, request, &response).ok() &&
           response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
  });
}

Result Measure(absl::Duration warmup, absl::Duration window,
               const std::function<bool(int)>& call) {
  std::atomic<bool> measuring{false};
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> latencies(kClientThreads);
  std::vector<int64_t> errors(kClientThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kClientThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!stop.load()) {
        const absl::Time start = absl::Now();
        const bool ok = call(t);
        const double ms = absl::ToDoubleMilliseconds(absl::Now() - start);
        if (measuring.load()) {
          latencies[t].push_back(ms);
          errors[t] += ok ? 0 : 1;
        }
      }
    });
  }
  absl::SleepFor(warmup);
  measuring = true;
  const absl::Time begin = absl::Now();
  absl::SleepFor(window);
  measuring = false;
  const absl::Duration measured = absl::Now() - begin;
  stop = true;
  for (std::thread& thread : threads) {
    thread.join();
  }
  std::vector<double> all;
  Result result;
  for (int t = 0; t < kClientThreads; ++t) {
    all.insert(all.end(), latencies[t].begin(), latencies[t].end());
    result.errors += errors[t];
  }
  std::sort(all.begin(), all.end());
  result.calls = all.size();
  result.per_second = all.size() / absl::ToDoubleSeconds(measured);
  if (!all.empty()) {
    result.p50_ms = all[all.size() / 2];
    result.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  }
  return result;
}

void PrintResults(const std::string& title,
                  const std::vector<std::pair<std::string, Result>>& rows) {
  std::cout << title << "\n";
  std::cout << absl::StrFormat("  %-34s %10s %9s %9s %7s %8s\n", "", "calls/s",
                               "p50 ms", "p99 ms", "errors", "vs ref");
  const double reference = std::max(rows.front().second.per_second, 1.0);
  for (const auto& [name, r] : rows) {
    std::cout << absl::StrFormat("  %-34s %10.0f %9.2f %9.2f %7d %8.2f\n", name,
                                 r.per_second, r.p50_ms, r.p99_ms, r.errors,
                                 r.per_second / reference);
  }
}

}  // namespace gracilis::bench
