// gracilis-load: loads one RPC of a running Gracilis service (or the gateway,
// or bench-echo-server) and prints one JSON object with throughput, latency
// percentiles and statuses by code. Users are synthetic ones already in
// Redis (gracilis-seed); each gets a real session, issued through Redis.
//
//   gracilis-load --target=127.0.0.1:50053 --rpc=LogSet
//     --redis=127.0.0.1:6379 --users=64 --mode=open --rate=2000
//
// See --help, and bench/run for the whole benchmark.

#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bench/load.h"
#include "bench/users.h"
#include "bench/workloads.h"
#include "common/concurrency/mutex_mode.h"
#include "common/config/config.h"

int main(int argc, char** argv) {
  using namespace gracilis;
  using namespace gracilis::bench;
  TurnOffMutexDeadlockDetection();
  ConfigSource source(argc, argv);
  const HostPort target =
      source.Address("target", "127.0.0.1:50053", "server to load host:port");
  const std::string rpc = source.String(
      "rpc", "echo", absl::StrCat(absl::StrJoin(WorkloadNames(), ", ")));
  const std::string mode = source.String("mode", "closed", "closed or open");
  LoadSpec spec;
  spec.concurrency = static_cast<int>(source.Int(
      "concurrency", spec.concurrency, 1, 100000,
      "closed loop: calls in flight; open loop: the most in flight"));
  spec.rate = static_cast<double>(
      source.Int("rate", 1000, 1, 10'000'000, "open loop: calls per second"));
  spec.warmup = source.Duration("warmup", spec.warmup, absl::ZeroDuration(),
                                absl::Hours(1), "time before measuring");
  spec.window = source.Duration("duration", spec.window, absl::Seconds(1),
                                absl::Hours(24), "measured time");
  const int channels = static_cast<int>(
      source.Int("channels", 4, 1, 1024, "connections to the target"));
  const int users = static_cast<int>(
      source.Int("users", 64, 1, 1'000'000,
                 "synthetic users (gracilis-seed) to sign in and call as"));
  const int first_user = static_cast<int>(source.Int(
      "first_user", 0, 0, 100'000'000, "index of the first synthetic user"));
  PayloadSizes echo;
  echo.request_bytes = static_cast<size_t>(
      source.Int("request_bytes", 100, 0, 4 << 20, "echo: request payload"));
  echo.response_bytes = static_cast<size_t>(
      source.Int("response_bytes", 100, 0, 16 << 20, "echo: response payload"));
  RedisConfig redis = RedisConfig::Read(source);
  ExitOnConfigError(source, "gracilis-load");
  if (mode != "closed" && mode != "open") {
    std::cerr << "gracilis-load: --mode must be closed or open\n";
    return 2;
  }
  spec.mode = mode == "open" ? LoadSpec::Mode::kOpen : LoadSpec::Mode::kClosed;

  std::vector<std::string> tokens;
  if (rpc != "echo") {
    absl::StatusOr<std::vector<std::string>> signed_in =
        SignInSyntheticUsers(redis, first_user, users);
    if (!signed_in.ok()) {
      std::cerr << "gracilis-load: " << signed_in.status() << "\n";
      return 1;
    }
    tokens = *std::move(signed_in);
  }
  absl::StatusOr<std::unique_ptr<RpcWorkload>> workload =
      NewWorkload(rpc, Channels(target.ToString(), channels), tokens, echo);
  if (!workload.ok()) {
    std::cerr << "gracilis-load: " << workload.status() << "\n";
    return 2;
  }
  if (absl::Status prepared = (*workload)->Prepare(); !prepared.ok()) {
    std::cerr << "gracilis-load: " << prepared << "\n";
    return 1;
  }
  const std::unique_ptr<LoadResult> result = RunLoad(rpc, **workload, spec);
  std::cout << result->Json() << "\n";
  return result->errors() == 0 && result->calls > 0 ? 0 : 1;
}
