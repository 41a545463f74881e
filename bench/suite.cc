// bench-suite: every hot RPC of a real stack (redis-server with the deploy
// config, the four services, the HAProxy gateway) measured side by side
// with a bare gRPC echo server in one run, on loopback, servers on CPU 1
// and this load generator on CPU 0. Writes Markdown tables (the body of
// BENCHMARKS.md) and one JSON object per load run. bench/run builds it in
// Release and runs it with the weekly batch.
//
// Usage: bench-suite --markdown=FILE --json=FILE [--quick=1]

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <numeric>
#include <sstream>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/load.h"
#include "bench/users.h"
#include "bench/workloads.h"
#include "common/concurrency/mutex_mode.h"
#include "common/config/config.h"
#include "common/status/status_macros.h"
#include "common/testing/child_process.h"
#include "tests/e2e/test_stack.h"

namespace gracilis::bench {
namespace {

using testing::ChildProcess;
using testing::RunCommand;

constexpr int kChannels = 4;
constexpr int kConcurrency = 64;  // 16 calls in flight per connection
// Rounds of each RPC and its echo in section 1 (medians reported).
constexpr int kRounds = 3;
constexpr char kEchoPath[] = "/gracilis.internal.bench.v1.EchoService/Echo";

// "1,234".
std::string Count(double value) {
  const std::string digits = absl::StrFormat("%.0f", value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    const size_t left = digits.size() - i;
    if (i > 0 && left % 3 == 0 && digits[i - 1] != '-') {
      out += ',';
    }
    out += digits[i];
  }
  return out;
}
std::string Ms(double ms) { return absl::StrFormat("%.2f", ms); }
std::string Ratio(double value) { return absl::StrFormat("%.2f", value); }
std::string Row(const std::vector<std::string>& cells) {
  return absl::StrCat("| ", absl::StrJoin(cells, " | "), " |\n");
}
std::string Header(const std::vector<std::string>& cells) {
  return Row(cells) + Row(std::vector<std::string>(cells.size(), "---"));
}
std::string Met(bool met) { return met ? "met" : "**missed**"; }

// The index of the median of `values` (the lower middle for an even count).
size_t MedianIndex(const std::vector<double>& values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&values](size_t a, size_t b) { return values[a] < values[b]; });
  return order[(order.size() - 1) / 2];
}
// "median (min-max)" of `values`, each written by `format`.
std::string Spread(const std::vector<double>& values,
                   std::string (*format)(double)) {
  const auto [low, high] = std::minmax_element(values.begin(), values.end());
  return absl::StrCat(format(values[MedianIndex(values)]), " (", format(*low),
                      "-", format(*high), ")");
}

// Sums INFO commandstats `calls=` over every command but INFO.
int64_t RedisCommandsRun(const testing::TestRedisServer& redis) {
  int64_t total = 0;
  for (absl::string_view line :
       absl::StrSplit(redis.Cli("INFO commandstats"), '\n')) {
    if (!absl::StartsWith(line, "cmdstat_") ||
        absl::StartsWith(line, "cmdstat_info:")) {
      continue;
    }
    const size_t at = line.find("calls=");
    int64_t calls = 0;
    if (at != absl::string_view::npos &&
        absl::SimpleAtoi(line.substr(at + 6, line.find(',', at) - at - 6),
                         &calls)) {
      total += calls;
    }
  }
  return total;
}

int64_t RedisUsedMemory(const testing::TestRedisServer& redis) {
  for (absl::string_view line :
       absl::StrSplit(redis.Cli("INFO memory"), '\n')) {
    int64_t bytes = 0;
    if (absl::ConsumePrefix(&line, "used_memory:") &&
        absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &bytes)) {
      return bytes;
    }
  }
  return -1;
}

// The commands clients sent (not those a function ran), from MONITOR lines
// such as `1700000000.1 [0 127.0.0.1:5555] "fcall" "session_resolve" ...`,
// by command ("FCALL session_resolve" for functions); INFO and PING left
// out.
std::map<std::string, int64_t> ClientCommands(const std::string& monitor) {
  std::map<std::string, int64_t> commands;
  for (absl::string_view line : absl::StrSplit(monitor, '\n')) {
    const size_t from = line.find("] \"");
    if (from == absl::string_view::npos ||
        absl::StrContains(line.substr(0, from), " lua")) {
      continue;
    }
    std::vector<absl::string_view> words =
        absl::StrSplit(line.substr(from + 2), absl::ByString("\" \""));
    std::string command = absl::AsciiStrToUpper(
        absl::StripPrefix(absl::StripSuffix(words[0], "\""), "\""));
    if (command == "INFO" || command == "PING") {
      continue;
    }
    if ((command == "FCALL" || command == "FCALL_RO") && words.size() > 1) {
      absl::StrAppend(&command, " ", absl::StripSuffix(words[1], "\""));
    }
    ++commands[command];
  }
  return commands;
}

// /proc/<pid>/stat utime + stime, in seconds.
double ProcessCpuSeconds(int pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  // Fields after the command name, which is in parentheses: state is
  // field 3, utime 14, stime 15.
  std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(stat).substr(stat.rfind(')') + 2), ' ');
  int64_t user = 0;
  int64_t system = 0;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &user) ||
      !absl::SimpleAtoi(fields[12], &system)) {
    return 0;
  }
  return double(user + system) / sysconf(_SC_CLK_TCK);
}

// The pid of the process whose command line matches `pattern` (pgrep -f).
int PidOf(const std::string& pattern) {
  int pid = 0;
  absl::SimpleAtoi(RunCommand("pgrep -f -- '" + pattern + "' | head -1").output,
                   &pid);
  return pid;
}

// A load run and what the server process spent on it.
struct Measured {
  std::unique_ptr<LoadResult> load;
  // Server CPU time (user + system) per call ended, warm-up included; 0
  // when not measured.
  double server_cpu_us = 0;
  const LoadResult* operator->() const { return load.get(); }
  const LoadResult& operator*() const { return *load; }
};

class Suite {
 public:
  Suite(bool quick, std::ofstream& json)
      : quick_(quick),
        json_(json),
        stack_(testing::GatewaySettings{.rate_limit = 1'000'000'000,
                                        .tls_cert = ""}) {
    spec_.concurrency = kConcurrency;
    spec_.warmup = quick ? absl::Milliseconds(300) : absl::Seconds(1);
    spec_.window = quick ? absl::Seconds(1) : absl::Seconds(5);
  }

  absl::Status Start() {
    stack_.PinServersTo(1);
    RETURN_IF_ERROR(stack_.Start());
    const int echo_port = testing::PickFreePort();
    RETURN_IF_ERROR(echo_.Start(
        {"taskset", "-c", "1", ECHO_SERVER_BINARY, absl::StrCat(echo_port)}, {},
        stack_.dir() + "/echo.log"));
    echo_address_ = absl::StrCat("127.0.0.1:", echo_port);
    ASSIGN_OR_RETURN(
        account_unmetered_,
        stack_.AddService(GRACILIS_ACCOUNT_BINARY, {"--record_metrics=0"}));
    ASSIGN_OR_RETURN(
        workout_unmetered_,
        stack_.AddService(GRACILIS_WORKOUT_BINARY, {"--record_metrics=0"}));
    // Users: the first `users` make every call but GeneratePlan, which the
    // next 64 make (it replaces their plans).
    ASSIGN_OR_RETURN(tokens_, SeedAndSignIn(stack_, users()));
    RedisConfig redis;
    redis.address = {"127.0.0.1", stack_.redis().port()};
    ASSIGN_OR_RETURN(plan_tokens_, SignInSyntheticUsers(redis, users(), 64));
    return absl::OkStatus();
  }

  // The sections whose numbers are in `sections` (all when empty).
  std::string Run(const std::string& sections) {
    using Section = std::string (Suite::*)();
    const Section all[] = {&Suite::HotRpcs,      &Suite::GatewayTax,
                           &Suite::RoundTrips,   &Suite::MetricsAndDurability,
                           &Suite::MemoryPerSet, &Suite::CrossCheck,
                           &Suite::OnCluster};
    std::string md;
    for (size_t i = 0; i < std::size(all); ++i) {
      if (sections.empty() ||
          absl::StrContains(sections, absl::StrCat(i + 1))) {
        md += (this->*all[i])();
      }
    }
    return md;
  }

 private:
  int users() const { return quick_ ? 256 : 1024; }

  // Seeds `stack`'s Redis with the synthetic users: the first `users` make
  // every call but GeneratePlan, which the next 64 make (it replaces their
  // plans). Returns the first `users`' session tokens.
  static absl::StatusOr<std::vector<std::string>> SeedAndSignIn(
      const testing::TestStack& stack, int users) {
    const testing::CommandResult seeded =
        RunCommand(absl::StrCat(GRACILIS_SEED_BINARY, " --users=", users + 64,
                                " --redis=", stack.redis().address()));
    if (seeded.exit_code != 0) {
      return absl::InternalError("gracilis-seed: " + seeded.output);
    }
    RedisConfig redis;
    redis.address = *ParseHostPort(stack.redis().address());
    return SignInSyntheticUsers(redis, 0, users);
  }

  // The service started from binary `name`, e.g. "gracilis-account".
  ChannelList Direct(const std::string& name) const {
    return Channels(stack_.service_address(name), kChannels);
  }
  ChannelList Gateway() const {
    return Channels(stack_.gateway_address(), kChannels);
  }
  ChannelList Echo() const { return Channels(echo_address_, kChannels); }

  std::unique_ptr<RpcWorkload> Make(const std::string& rpc,
                                    const ChannelList& channels,
                                    PayloadSizes echo_sizes = {}) {
    absl::StatusOr<std::unique_ptr<RpcWorkload>> workload =
        NewWorkload(rpc, channels,
                    rpc == "GeneratePlan" ? plan_tokens_ : tokens_, echo_sizes);
    return *std::move(workload);  // every name here is known
  }

  // One load run, written to the JSON file and noted on stderr; with the
  // CPU time of the server process `server_pid` if not 0.
  Measured Measure(const std::string& name, RpcWorkload& workload,
                   LoadSpec spec, int server_pid = 0) {
    if (absl::Status prepared = workload.Prepare(); !prepared.ok()) {
      std::cerr << "bench-suite: " << name << ": " << prepared << "\n";
    }
    Measured measured;
    const double cpu_before = server_pid ? ProcessCpuSeconds(server_pid) : 0;
    measured.load = RunLoad(name, workload, spec);
    const LoadResult& result = *measured.load;
    if (server_pid != 0 && result.all_calls > 0) {
      measured.server_cpu_us =
          (ProcessCpuSeconds(server_pid) - cpu_before) * 1e6 / result.all_calls;
    }
    std::string json = result.Json();
    json.insert(json.size() - 1,
                absl::StrFormat(", \"server_cpu_us_per_call\": %.1f",
                                measured.server_cpu_us));
    json_ << json << "\n";
    std::cerr << absl::StrFormat(
        "  %-44s %9.0f/s p99 %7.2f ms errors %d%s\n", name, result.per_second,
        result.latency.PercentileMs(0.99), result.errors(),
        server_pid == 0 ? ""
                        : absl::StrFormat(", server CPU %.0f µs/call",
                                          measured.server_cpu_us));
    errors_ += result.errors();
    return measured;
  }

  // The pid of the service listening on `address`.
  int ServicePid(const std::string& address) const {
    return PidOf(absl::StrCat("--listen=", address, "( |$)"));
  }
  int EchoPid() const {
    return PidOf(absl::StrCat("bench-echo-server ",
                              echo_address_.substr(echo_address_.find(':') + 1),
                              "$"));
  }

  std::string Errors(const LoadResult& result) const {
    std::vector<std::string> codes;
    for (const auto& [code, count] : result.codes) {
      if (code != grpc::StatusCode::OK) {
        codes.push_back(absl::StrCat(StatusCodeName(code), " ", count));
      }
    }
    return codes.empty() ? "0" : absl::StrJoin(codes, ", ");
  }

  std::string Setup() const {
    return absl::StrFormat(
        "Closed loop, %d calls in flight over %d connections, %s warm-up "
        "then %s measured; servers on CPU 1, load generator on CPU 0.\n\n",
        kConcurrency, kChannels, absl::FormatDuration(spec_.warmup),
        absl::FormatDuration(spec_.window));
  }

  // 1. Each hot RPC next to the echo carrying the same bytes, in 3
  // alternating rounds (RPC, echo by this generator, echo by h2load). A
  // round's reference is the higher of the two echo rates, so a client
  // that is the bottleneck cannot flatter the ratio (issue 20); the table
  // shows medians and the range over the rounds.
  std::string HotRpcs() {
    std::cerr << "1. hot RPCs vs echo\n";
    const bool h2load = H2loadInstalled();
    std::string md =
        absl::StrCat("## 1. Hot RPCs against the bare gRPC echo\n\n",
                     "Each RPC called directly on its service, then "
                     "bench-echo-server with requests and replies of the same "
                     "size, by this generator and by h2load (same "
                     "connections and calls in flight), in ",
                     kRounds,
                     " alternating rounds. The echo reference of a round is "
                     "the higher of the two echo rates; the figures are "
                     "medians over the rounds, with the range in brackets.",
                     h2load ? ""
                            : " **h2load is not installed: the reference "
                              "is this generator's echo alone.**",
                     "\n", Setup()) +
        Header({"RPC", "calls/s", "p50 ms", "p99 ms", "p99.9 ms",
                "server CPU µs/call", "echo calls/s (generator)",
                "echo calls/s (h2load)", "echo reference", "echo p99 ms",
                "echo CPU µs/call", "ratio to echo", "aim", "errors"});
    const std::vector<std::tuple<std::string, std::string, double>> rpcs = {
        {"GetProfile", "gracilis-account", 0.6},
        {"LogSet", "gracilis-workout", 0.4},
        {"GeneratePlan", "gracilis-plan", 0},
        {"SyncWorkouts", "gracilis-workout", 0},
        {"GetWeeklyProgress", "gracilis-progress", 0.3}};
    for (const auto& [rpc, binary, aim] : rpcs) {
      std::unique_ptr<RpcWorkload> workload = Make(rpc, Direct(binary));
      std::vector<Measured> ours, echoes;
      std::vector<double> rates, echo_rates, h2load_rates, references, ratios;
      for (int round = 0; round < kRounds; ++round) {
        ours.push_back(Measure(rpc, *workload, spec_,
                               ServicePid(stack_.service_address(binary))));
        std::unique_ptr<RpcWorkload> echo =
            Make("echo", Echo(), workload->sizes());
        const std::string echo_name =
            absl::StrFormat("echo %d/%d bytes", workload->sizes().request_bytes,
                            workload->sizes().response_bytes);
        echoes.push_back(Measure(echo_name, *echo, spec_, EchoPid()));
        const double h2load_rate =
            h2load ? H2load(echo_name, *echo, echo_address_, kEchoPath, "")
                         .per_second
                   : 0;
        rates.push_back(ours.back()->per_second);
        echo_rates.push_back(echoes.back()->per_second);
        h2load_rates.push_back(h2load_rate);
        references.push_back(std::max(echo_rates.back(), h2load_rate));
        ratios.push_back(rates.back() / std::max(references.back(), 1.0));
      }
      // The round whose rate is the median stands for the latencies.
      const Measured& mid = ours[MedianIndex(rates)];
      const Measured& echo_mid = echoes[MedianIndex(echo_rates)];
      const double ratio = ratios[MedianIndex(ratios)];
      int64_t errors = 0;
      for (const Measured& m : ours) {
        errors += m->errors();
      }
      md += Row(
          {rpc, Spread(rates, Count), Ms(mid->latency.PercentileMs(0.5)),
           Ms(mid->latency.PercentileMs(0.99)),
           Ms(mid->latency.PercentileMs(0.999)), Count(mid.server_cpu_us),
           Spread(echo_rates, Count),
           h2load ? Spread(h2load_rates, Count) : "-",
           Spread(references, Count), Ms(echo_mid->latency.PercentileMs(0.99)),
           Count(echo_mid.server_cpu_us), Spread(ratios, Ratio),
           aim > 0 ? absl::StrCat("≥ ", Ratio(aim), ": ", Met(ratio >= aim))
                   : "-",
           absl::StrCat(errors)});
    }
    return md + "\n";
  }

  // 2. Through HAProxy and direct: at full speed, and open-loop at half
  // the direct maximum.
  std::string GatewayTax() {
    std::cerr << "2. gateway tax\n";
    std::string md =
        "## 2. Gateway tax\n\n"
        "The same RPC direct and through the HAProxy gateway (h2c, "
        "deploy/gateway/haproxy.cfg; rate limit raised out of the way). Full "
        "speed: closed loop as above. Half load: open loop at half the "
        "direct maximum, latency counted from when each call was due. On "
        "this 2-CPU machine HAProxy runs on CPU 1 with the services (the "
        "load generator has CPU 0), so through the gateway the service and "
        "HAProxy share one core: the ratio at full speed is about service "
        "CPU / (service CPU + gateway CPU) per call, both shown. With the "
        "gateway on cores of its own the service would keep its direct "
        "rate.\n\n" +
        Header({"RPC", "direct calls/s", "gateway calls/s",
                "ratio (aim ≥ 0.70)", "service CPU µs/call",
                "HAProxy CPU µs/call", "half load calls/s", "direct p99 ms",
                "gateway p99 ms", "p99 ratio (aim ≤ 1.5)", "errors"});
    const int haproxy = PidOf("haproxy -f ");
    for (const auto& [rpc, binary] :
         std::vector<std::pair<std::string, std::string>>{
             {"GetProfile", "gracilis-account"},
             {"LogSet", "gracilis-workout"}}) {
      std::unique_ptr<RpcWorkload> direct = Make(rpc, Direct(binary));
      std::unique_ptr<RpcWorkload> gateway = Make(rpc, Gateway());
      const int service = ServicePid(stack_.service_address(binary));
      Measured full_direct = Measure(rpc + " direct", *direct, spec_, service);
      Measured full_gateway =
          Measure(rpc + " gateway", *gateway, spec_, haproxy);
      LoadSpec half = spec_;
      half.mode = LoadSpec::Mode::kOpen;
      half.rate = std::max(full_direct->per_second / 2, 1.0);
      half.concurrency = 2000;
      Measured half_direct = Measure(rpc + " direct, half load", *direct, half);
      Measured half_gateway =
          Measure(rpc + " gateway, half load", *gateway, half);
      const double ratio =
          full_gateway->per_second / std::max(full_direct->per_second, 1.0);
      const double p99_direct = half_direct->latency.PercentileMs(0.99);
      const double p99_gateway = half_gateway->latency.PercentileMs(0.99);
      const double p99_ratio = p99_gateway / std::max(p99_direct, 1e-3);
      md += Row(
          {rpc, Count(full_direct->per_second), Count(full_gateway->per_second),
           absl::StrCat(Ratio(ratio), ": ", Met(ratio >= 0.7)),
           Count(full_direct.server_cpu_us), Count(full_gateway.server_cpu_us),
           Count(half.rate), Ms(p99_direct), Ms(p99_gateway),
           absl::StrCat(Ratio(p99_ratio), ": ", Met(p99_ratio <= 1.5)),
           absl::StrCat(Errors(*full_gateway), " / ", Errors(*half_gateway))});
    }
    return md + "\n";
  }

  // 3. What each RPC asks of Redis: MONITOR for the commands the service
  // sends (round trips), INFO commandstats for all Redis runs, functions'
  // insides included.
  std::string RoundTrips() {
    std::cerr << "3. Redis round trips\n";
    constexpr int kCalls = 100;
    std::string md = absl::StrFormat(
        "## 3. Redis round trips per RPC\n\n"
        "%d calls one after another per RPC. Round trips: commands the "
        "service sent (redis-cli MONITOR; PING and INFO left out). Commands "
        "run: INFO commandstats before and after, which also counts each "
        "redis.call inside a Redis Function. Aim: authentication at most 1 "
        "round trip, LogSet 1 beyond it.\n\n",
        kCalls);
    md += Header({"RPC", "round trips per call", "of which",
                  "commands run per call", "aim"});
    for (const auto& [rpc, binary] :
         std::vector<std::pair<std::string, std::string>>{
             {"GetProfile", "gracilis-account"},
             {"LogSet", "gracilis-workout"},
             {"GeneratePlan", "gracilis-plan"},
             {"SyncWorkouts", "gracilis-workout"},
             {"GetWeeklyProgress", "gracilis-progress"}}) {
      std::unique_ptr<RpcWorkload> workload = Make(rpc, Direct(binary));
      if (!workload->Prepare().ok()) {
        continue;
      }
      const std::string monitor_log =
          absl::StrCat(stack_.dir(), "/monitor-", rpc, ".log");
      ChildProcess monitor;
      if (!monitor
               .Start({"redis-cli", "-p", absl::StrCat(stack_.redis().port()),
                       "monitor"},
                      {}, monitor_log)
               .ok()) {
        continue;
      }
      absl::SleepFor(absl::Milliseconds(300));
      const int64_t run_before = RedisCommandsRun(stack_.redis());
      const int64_t ok = RunSequentially(*workload, 0, kCalls);
      const int64_t run_after = RedisCommandsRun(stack_.redis());
      absl::SleepFor(absl::Milliseconds(300));
      monitor.Kill();
      std::ifstream in(monitor_log);
      std::stringstream text;
      text << in.rdbuf();
      int64_t sent = 0;
      std::vector<std::string> parts;
      for (const auto& [command, count] : ClientCommands(text.str())) {
        sent += count;
        parts.push_back(
            absl::StrFormat("%s %.2f", command, double(count) / kCalls));
      }
      const double per_call = double(sent) / kCalls;
      const std::string aim = rpc == "LogSet" || rpc == "GetProfile"
                                  ? absl::StrCat("≤ 2: ", Met(per_call <= 2.0))
                                  : "-";
      md +=
          Row({ok == kCalls ? rpc
                            : absl::StrCat(rpc, " (", kCalls - ok, " failed)"),
               absl::StrFormat("%.2f", per_call), absl::StrJoin(parts, ", "),
               absl::StrFormat("%.2f", double(run_after - run_before) / kCalls),
               aim});
    }
    return md + "\n";
  }

  // 4. Metrics recorded or not (a second instance with
  // --record_metrics=0), and AOF fsync on every write or once a second.
  std::string MetricsAndDurability() {
    std::cerr << "4. metrics and AOF\n";
    std::string md =
        "## 4. Metrics on and off; AOF `always` and `everysec`\n\n"
        "Metrics off: a second instance of the service on the same Redis "
        "with `--record_metrics=0`, measured alternately with the first, "
        "three times each (once with --quick), summed. On this shared "
        "machine rates move by more than 5% from run to run, so the cost is "
        "judged on the service's CPU time per call (from /proc, warm-up "
        "included): while the server is the bottleneck, throughput falls by "
        "the share of CPU that metrics add. AOF: `CONFIG SET appendfsync` on "
        "the running Redis (the deploy config says `always`).\n\n" +
        Header({"RPC", "metrics on calls/s", "metrics off calls/s",
                "metrics on CPU µs/call", "metrics off CPU µs/call",
                "CPU cost (aim < 5%)", "throughput cost"});
    const int rounds = quick_ ? 1 : 3;
    for (const auto& [rpc, metered, unmetered] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"GetProfile", stack_.service_address("gracilis-account"),
              account_unmetered_},
             {"LogSet", stack_.service_address("gracilis-workout"),
              workout_unmetered_}}) {
      std::unique_ptr<RpcWorkload> on = Make(rpc, Channels(metered, kChannels));
      std::unique_ptr<RpcWorkload> off =
          Make(rpc, Channels(unmetered, kChannels));
      double on_rate = 0;
      double off_rate = 0;
      double on_cpu = 0;
      double off_cpu = 0;
      for (int round = 0; round < rounds; ++round) {
        Measured with =
            Measure(rpc + " metrics on", *on, spec_, ServicePid(metered));
        Measured without =
            Measure(rpc + " metrics off", *off, spec_, ServicePid(unmetered));
        on_rate += with->per_second;
        on_cpu += with.server_cpu_us;
        off_rate += without->per_second;
        off_cpu += without.server_cpu_us;
      }
      const double cpu_cost = on_cpu / std::max(off_cpu, 1e-9) - 1;
      const double rate_cost = 1 - on_rate / std::max(off_rate, 1.0);
      md += Row(
          {rpc, Count(on_rate / rounds), Count(off_rate / rounds),
           Count(on_cpu / rounds), Count(off_cpu / rounds),
           absl::StrFormat("%.1f%%: %s", cpu_cost * 100, Met(cpu_cost < 0.05)),
           absl::StrFormat("%.1f%%", rate_cost * 100)});
    }
    md +=
        "\n" + Header({"RPC", "AOF always calls/s", "p99 ms",
                       "AOF everysec calls/s", "p99 ms", "always / everysec"});
    for (const auto& rpc : {"LogSet", "SyncWorkouts"}) {
      std::unique_ptr<RpcWorkload> workload =
          Make(rpc, Direct("gracilis-workout"));
      Measured always =
          Measure(absl::StrCat(rpc, " AOF always"), *workload, spec_);
      stack_.redis().Cli("CONFIG SET appendfsync everysec");
      Measured everysec =
          Measure(absl::StrCat(rpc, " AOF everysec"), *workload, spec_);
      stack_.redis().Cli("CONFIG SET appendfsync always");
      md += Row(
          {rpc, Count(always->per_second),
           Ms(always->latency.PercentileMs(0.99)), Count(everysec->per_second),
           Ms(everysec->latency.PercentileMs(0.99)),
           Ratio(always->per_second / std::max(everysec->per_second, 1.0))});
    }
    return md + "\n";
  }

  // 5. Redis memory per logged set: 8,000 sets by 20 users, in workouts of
  // 20 sets (a typical session) and of 200 (the cap).
  std::string MemoryPerSet() {
    std::cerr << "5. memory per set\n";
    constexpr int kUsers = 20;
    constexpr int kSets = 8000;
    std::string md =
        "## 5. Redis memory per logged set\n\n"
        "`used_memory` before and after 8,000 LogSet calls by 20 users. "
        "Aim: under 100 bytes.\n\n" +
        Header({"sets per workout", "bytes per set", "aim"});
    const std::vector<std::string> users(tokens_.begin(),
                                         tokens_.begin() + kUsers);
    for (int per_workout : {20, 200}) {
      std::unique_ptr<RpcWorkload> workload = LogSetWorkload(
          Channels(stack_.service_address("gracilis-workout"), 1), users);
      const int64_t before = RedisUsedMemory(stack_.redis());
      int64_t logged = 0;
      for (int round = 0; round < kSets / (kUsers * per_workout); ++round) {
        if (workload->Prepare().ok()) {
          logged +=
              RunSequentially(*workload, 0, int64_t{kUsers} * per_workout);
        }
      }
      const double bytes = double(RedisUsedMemory(stack_.redis()) - before) /
                           std::max<int64_t>(logged, 1);
      errors_ += kSets - logged;
      md += Row({absl::StrCat(per_workout),
                 logged == kSets ? absl::StrFormat("%.0f", bytes)
                                 : absl::StrCat(kSets - logged, " failed"),
                 Met(logged == kSets && bytes < 100)});
    }
    return md + "\n";
  }

  // 7. GetProfile and LogSet with a 3-primary Redis Cluster under the
  // services, next to the single Redis of the main stack (issue 19).
  std::string OnCluster() {
    std::cerr << "7. on a Redis Cluster\n";
    std::string md =
        "## 7. On a 3-primary Redis Cluster\n\n"
        "A second stack whose Redis is a 3-primary Redis Cluster (all its "
        "nodes on CPU 1 with the other servers), seeded the same way; each "
        "RPC called directly on its service of the single-Redis stack and of "
        "the cluster stack alternately, three rounds each (one with "
        "--quick), averaged. On one machine the cluster has no more CPU "
        "than the single Redis: this shows what routing by slot costs, not "
        "what more machines give.\n\n" +
        Header({"RPC", "single Redis calls/s", "p99 ms", "cluster calls/s",
                "p99 ms", "cluster / single"});
    testing::TestStack cluster(
        testing::GatewaySettings{.rate_limit = 1'000'000'000, .tls_cert = ""},
        testing::RedisTopology{3, 0});
    cluster.PinServersTo(1);
    absl::Status started = cluster.Start();
    absl::StatusOr<std::vector<std::string>> tokens =
        started.ok() ? SeedAndSignIn(cluster, users())
                     : absl::StatusOr<std::vector<std::string>>(started);
    if (!tokens.ok()) {
      ++errors_;
      return md + "| the cluster stack did not start: " +
             std::string(tokens.status().message()) + " | | | | | |\n\n";
    }
    const int rounds = quick_ ? 1 : 3;
    for (const auto& [rpc, binary] :
         std::vector<std::pair<std::string, std::string>>{
             {"GetProfile", "gracilis-account"},
             {"LogSet", "gracilis-workout"}}) {
      std::unique_ptr<RpcWorkload> single = Make(rpc, Direct(binary));
      absl::StatusOr<std::unique_ptr<RpcWorkload>> sharded =
          NewWorkload(rpc, Channels(cluster.service_address(binary), kChannels),
                      *tokens, {});
      if (!sharded.ok()) {
        ++errors_;
        continue;
      }
      double single_rate = 0, single_p99 = 0, cluster_rate = 0, cluster_p99 = 0;
      for (int round = 0; round < rounds; ++round) {
        Measured a = Measure(rpc + " single Redis", *single, spec_);
        Measured b = Measure(rpc + " Redis Cluster", **sharded, spec_);
        single_rate += a->per_second;
        single_p99 += a->latency.PercentileMs(0.99);
        cluster_rate += b->per_second;
        cluster_p99 += b->latency.PercentileMs(0.99);
      }
      md += Row({rpc, Count(single_rate / rounds), Ms(single_p99 / rounds),
                 Count(cluster_rate / rounds), Ms(cluster_p99 / rounds),
                 Ratio(cluster_rate / std::max(single_rate, 1.0))});
    }
    return md + "\n";
  }

  // 6. h2load (nghttp2) against the same servers: echo, and GetProfile for
  // one user, each next to this generator with the same connections and
  // calls in flight.
  std::string CrossCheck() {
    std::cerr << "6. h2load cross-check\n";
    std::string md =
        "## 6. Cross-check with h2load\n\n"
        "h2load from nghttp2-client posts a gRPC-framed request (the same "
        "bytes, and the same 10 s deadline as a `grpc-timeout` header) with 4 "
        "connections and 16 streams each, next to this "
        "generator with 4 channels and 64 calls in flight; one user for "
        "GetProfile. h2load counts HTTP responses and cannot see gRPC "
        "statuses, so its figures are only comparable while the generator "
        "sees no errors. h2load reports a mean, not percentiles.\n\n" +
        Header({"call", "generator calls/s", "generator mean ms",
                "h2load calls/s", "h2load mean ms", "generator / h2load"});
    if (!H2loadInstalled()) {
      return md + "| h2load not installed | | | | | |\n\n";
    }
    const std::vector<std::string> one_user = {tokens_.front()};
    struct Case {
      std::string name;
      std::unique_ptr<RpcWorkload> workload;
      std::string address;
      std::string path;
      std::string header;
    };
    std::vector<Case> cases;
    std::unique_ptr<RpcWorkload> profile =
        GetProfileWorkload(Direct("gracilis-account"), one_user);
    RunSequentially(*profile, 0, 1);  // learns its sizes, for the echo
    cases.push_back({"echo", Make("echo", Echo(), profile->sizes()),
                     echo_address_, kEchoPath, ""});
    cases.push_back({"GetProfile", std::move(profile),
                     stack_.service_address("gracilis-account"),
                     "/gracilis.account.v1.AccountService/GetProfile",
                     "authorization: Bearer " + tokens_.front()});
    for (Case& c : cases) {
      Measured ours = Measure(c.name + " (generator)", *c.workload, spec_);
      const H2loadResult theirs =
          H2load(c.name, *c.workload, c.address, c.path, c.header);
      const double rate = theirs.per_second, mean_ms = theirs.mean_ms;
      md += Row({c.name, Count(ours->per_second), Ms(ours->latency.MeanMs()),
                 Count(rate), Ms(mean_ms),
                 Ratio(ours->per_second / std::max(rate, 1.0))});
    }
    return md + "\n";
  }

  static bool H2loadInstalled() {
    return RunCommand("command -v h2load").exit_code == 0;
  }

  struct H2loadResult {
    double per_second = 0;
    double mean_ms = 0;
  };
  // h2load against `address` + `path` with the same connections, calls in
  // flight, warm-up and window as this generator, posting `workload`'s
  // request (with `header`, e.g. authorization, if not empty); noted in the
  // JSON file and on stderr as "<name> (h2load)".
  H2loadResult H2load(const std::string& name, RpcWorkload& workload,
                      const std::string& address, const std::string& path,
                      const std::string& header) {
    // The request h2load sends: a gRPC message frame (uncompressed flag,
    // 4-byte big-endian length) around the same request's bytes.
    RunSequentially(workload, 0, 1);  // a sample request to send
    const std::string request = workload.sample_request();
    std::string body(5, '\0');
    for (int i = 0; i < 4; ++i) {
      body[1 + i] = static_cast<char>((request.size() >> (24 - 8 * i)) & 0xff);
    }
    body += request;
    const std::string body_file =
        absl::StrCat(stack_.dir(), "/h2load-", h2load_runs_++);
    std::ofstream(body_file, std::ios::binary) << body;
    const testing::CommandResult run = RunCommand(absl::StrFormat(
        "taskset -c 0 h2load -c %d -m %d -t 1 -D %d --warm-up-time=%dms "
        "-H 'content-type: application/grpc' -H 'te: trailers' "
        "-H 'grpc-timeout: 10S' %s -d %s "
        "http://%s%s",
        kChannels, kConcurrency / kChannels,
        static_cast<int>(absl::ToInt64Seconds(spec_.window)),
        static_cast<int>(absl::ToInt64Milliseconds(spec_.warmup)),
        header.empty() ? "" : absl::StrCat("-H '", header, "'"), body_file,
        address, path));
    H2loadResult result;
    ParseH2load(run.output, &result.per_second, &result.mean_ms);
    json_ << absl::StrFormat(
        "{\"name\": \"%s (h2load)\", \"per_second\": %.1f, \"mean_ms\": "
        "%.3f}\n",
        name, result.per_second, result.mean_ms);
    std::cerr << absl::StrFormat("  %-44s %9.0f/s mean %7.2f ms\n",
                                 name + " (h2load)", result.per_second,
                                 result.mean_ms);
    return result;
  }

  // From "finished in 5.00s, 33186.60 req/s, ..." and the "time for
  // request:" row "min max mean sd ..." with units (us, ms, s).
  static void ParseH2load(const std::string& output, double* rate,
                          double* mean_ms) {
    for (absl::string_view line : absl::StrSplit(output, '\n')) {
      line = absl::StripAsciiWhitespace(line);
      if (absl::ConsumePrefix(&line, "finished in ")) {
        std::vector<absl::string_view> parts = absl::StrSplit(line, ", ");
        if (parts.size() > 1) {
          absl::SimpleAtod(absl::StripSuffix(parts[1], " req/s"), rate);
        }
      }
      if (absl::ConsumePrefix(&line, "time for request:")) {
        std::vector<absl::string_view> values =
            absl::StrSplit(line, ' ', absl::SkipEmpty());
        if (values.size() >= 3) {
          absl::string_view mean = values[2];
          double scale = 1;
          if (absl::ConsumeSuffix(&mean, "us")) {
            scale = 1e-3;
          } else if (absl::ConsumeSuffix(&mean, "ms")) {
            scale = 1;
          } else if (absl::ConsumeSuffix(&mean, "s")) {
            scale = 1e3;
          }
          double value = 0;
          if (absl::SimpleAtod(mean, &value)) {
            *mean_ms = value * scale;
          }
        }
      }
    }
  }

 public:
  int64_t errors() const { return errors_; }

 private:
  bool quick_;
  std::ofstream& json_;
  int h2load_runs_ = 0;  // names each request body file
  LoadSpec spec_;
  testing::TestStack stack_;
  ChildProcess echo_;
  std::string echo_address_;
  std::string account_unmetered_;
  std::string workout_unmetered_;
  std::vector<std::string> tokens_;
  std::vector<std::string> plan_tokens_;
  int64_t errors_ = 0;
};

}  // namespace
}  // namespace gracilis::bench

int main(int argc, char** argv) {
  using namespace gracilis;
  // First, so that every thread started later (gRPC's too) stays on CPU 0.
  const bool pinned = bench::PinToCpu(0);
  TurnOffMutexDeadlockDetection();
  ConfigSource source(argc, argv);
  const std::string markdown_path =
      source.String("markdown", "bench-results.md", "Markdown tables to write");
  const std::string json_path =
      source.String("json", "bench-results.json", "JSON lines to write");
  const bool quick =
      source.Int("quick", 0, 0, 1, "1: 1 s windows, fewer users") == 1;
  const std::string sections = source.String(
      "sections", "", "sections to run, e.g. 12 for 1 and 2 (empty: all)");
  ExitOnConfigError(source, "bench-suite");
  if (!pinned) {
    std::cerr << "bench-suite: fewer than 2 CPUs; servers and load share\n";
  }
  std::ofstream json(json_path);
  bench::Suite suite(quick, json);
  if (absl::Status started = suite.Start(); !started.ok()) {
    std::cerr << "bench-suite: " << started << "\n";
    return 1;
  }
  const std::string markdown = suite.Run(sections);
  std::ofstream(markdown_path) << markdown;
  std::cerr << "bench-suite: wrote " << markdown_path << " and " << json_path
            << "; " << suite.errors() << " failed calls\n";
  return suite.errors() == 0 ? 0 : 1;
}
