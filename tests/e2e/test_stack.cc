#include "tests/e2e/test_stack.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace gracilis::testing {
namespace {

bool IsServing(const std::string& address) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(500));
  grpc::health::v1::HealthCheckResponse response;
  return stub->Check(&context, grpc::health::v1::HealthCheckRequest(),
                     &response)
             .ok() &&
         response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

}  // namespace

TestStack::TestStack(GatewaySettings gateway, RedisTopology redis)
    : gateway_settings_(std::move(gateway)),
      redis_(redis.primaries, redis.replicas),
      account_port_(PickFreePort()),
      plan_port_(PickFreePort()),
      workout_port_(PickFreePort()),
      progress_port_(PickFreePort()),
      gateway_port_(PickFreePort()),
      gateway_metrics_port_(PickFreePort()) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "gracilis-stack-XXXXXX")
          .string();
  dir_ = mkdtemp(pattern.data());
  std::random_device random;
  for (int i = 0; i < 6; ++i) {
    absl::StrAppend(&service_token_, absl::Hex(random(), absl::kZeroPad8));
  }
}

TestStack::~TestStack() {
  // Killed, not stopped: graceful drain is not under test here, and a
  // service's metrics exposer takes a second to stop.
  gateway_.Kill();
  mailer_.Kill();
  for (auto& process : added_) {
    process->Kill();
  }
  progress_.Kill();
  workout_.Kill();
  plan_.Kill();
  account_.Kill();
  redis_.Kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

absl::Status TestStack::Start() {
  RETURN_IF_ERROR(redis_.Start());
  if (server_cpu_ >= 0) {
    // Every thread of every running redis-server.
    for (int port : redis_.ports()) {
      RunCommand(absl::StrCat(
          "taskset -a -cp ", server_cpu_, " $(redis-cli -p ", port,
          " info server | sed -n ", "'s/^process_id:\\([0-9]*\\).*/\\1/p')"));
    }
  }
  // Each service loads the Functions it owns and waits for those it needs
  // (redis_client.h): account owns the session library, plan needs
  // workout's.
  RETURN_IF_ERROR(
      StartService(account_, GRACILIS_ACCOUNT_BINARY, account_port_, {}));
  RETURN_IF_ERROR(
      StartService(workout_, GRACILIS_WORKOUT_BINARY, workout_port_, {}));
  RETURN_IF_ERROR(
      StartService(plan_, GRACILIS_PLAN_BINARY, plan_port_,
                   {absl::StrCat("--account=127.0.0.1:", account_port_),
                    "--service_token=" + service_token_}));
  RETURN_IF_ERROR(
      StartService(progress_, GRACILIS_PROGRESS_BINARY, progress_port_, {}));
  return StartGateway();
}

absl::Status TestStack::StartMail() {
  smtp_sink_ = std::make_unique<TestSmtpSink>();
  RETURN_IF_ERROR(smtp_sink_->Start());
  mailer_metrics_port_ = PickFreePort();
  RETURN_IF_ERROR(mailer_.Start(
      OnServerCpu(
          {GRACILIS_MAILER_BINARY,
           absl::StrCat("--metrics_listen=127.0.0.1:", mailer_metrics_port_),
           "--redis=" + redis_.address(), "--smtp_url=" + smtp_sink_->url(),
           "--mail_poll_interval=50ms", "--smtp_timeout=2s"}),
      {}, absl::StrCat(dir_, "/gracilis-mailer.log")));
  if (!WaitUntil([&] {
        return absl::StrContains(MailerMetrics(), "gracilis_redis_connected 1");
      })) {
    return absl::DeadlineExceededError(absl::StrCat(
        "gracilis-mailer not connected; the end of its log:\n",
        RunCommand(absl::StrCat("tail -n 20 ", dir_, "/gracilis-mailer.log"))
            .output));
  }
  return absl::OkStatus();
}

std::string TestStack::MailerMetrics() const {
  return RunCommand(absl::StrCat("curl -sf http://127.0.0.1:",
                                 mailer_metrics_port_, "/metrics"),
                    /*with_stderr=*/false)
      .output;
}

absl::StatusOr<std::string> TestStack::AddService(
    const std::string& binary, std::vector<std::string> flags) {
  added_.push_back(std::make_unique<ChildProcess>());
  const int port = PickFreePort();
  RETURN_IF_ERROR(StartService(*added_.back(), binary, port, std::move(flags),
                               absl::StrCat("-", added_.size())));
  return absl::StrCat("127.0.0.1:", port);
}

ChildProcess* TestStack::service_process(const std::string& name) {
  auto it = started_.find(name);
  return it == started_.end() ? nullptr : it->second.process;
}

absl::Status TestStack::RestartService(const std::string& name) {
  auto it = started_.find(name);
  if (it == started_.end()) {
    return absl::NotFoundError(absl::StrCat("no service ", name));
  }
  const Started started = it->second;  // StartService replaces it
  const std::string binary_name =
      std::filesystem::path(started.binary).filename().string();
  return StartService(*started.process, started.binary, service_ports_.at(name),
                      started.flags, name.substr(binary_name.size()));
}

std::vector<std::string> TestStack::OnServerCpu(
    std::vector<std::string> argv) const {
  if (server_cpu_ >= 0) {
    argv.insert(argv.begin(), {"taskset", "-c", absl::StrCat(server_cpu_)});
  }
  return argv;
}

absl::Status TestStack::StartService(ChildProcess& process,
                                     const std::string& binary, int port,
                                     std::vector<std::string> flags,
                                     const std::string& suffix) {
  const std::string address = absl::StrCat("127.0.0.1:", port);
  const std::string name =
      std::filesystem::path(binary).filename().string() + suffix;
  const int metrics_port = PickFreePort();
  metrics_ports_[name] = metrics_port;
  service_ports_[name] = port;
  started_[name] = {&process, binary, flags};
  std::vector<std::string> argv = {
      binary,
      "--listen=" + address,
      absl::StrCat("--metrics_listen=127.0.0.1:", metrics_port),
      "--redis=" + redis_.address(),
      "--redis_command_timeout=500ms",
      "--shutdown_grace=1s",
      "--drain_delay=0s"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  RETURN_IF_ERROR(process.Start(OnServerCpu(std::move(argv)), {},
                                absl::StrCat(dir_, "/", name, ".log")));
  // 30 s: sanitized builds start slower (scripts/sanitize).
  if (!WaitUntil([&] { return IsServing(address); }, absl::Seconds(30))) {
    // The log is removed with the stack: its end goes into the error.
    return absl::DeadlineExceededError(absl::StrCat(
        name, " not SERVING within 30 s (running: ",
        process.Running() ? "yes" : "no", "); the end of its log:\n",
        RunCommand(absl::StrCat("tail -n 20 ", dir_, "/", name, ".log"))
            .output));
  }
  return absl::OkStatus();
}

absl::Status TestStack::StartGateway() {
  std::map<std::string, std::string> env = {
      {"GRACILIS_GATEWAY_LISTEN", gateway_address()},
      {"GRACILIS_GATEWAY_METRICS",
       absl::StrCat("127.0.0.1:", gateway_metrics_port_)},
      {"GRACILIS_GATEWAY_RATE_LIMIT",
       absl::StrCat(gateway_settings_.rate_limit)},
      {"GRACILIS_GATEWAY_FLOOD_LIMIT",
       absl::StrCat(2 * static_cast<int64_t>(gateway_settings_.rate_limit))},
      {"GRACILIS_GATEWAY_CHECK_INTERVAL", "200ms"},
      {"GRACILIS_ACCOUNT_ADDR", absl::StrCat("127.0.0.1:", account_port_)},
      {"GRACILIS_PLAN_ADDR", absl::StrCat("127.0.0.1:", plan_port_)},
      {"GRACILIS_WORKOUT_ADDR", absl::StrCat("127.0.0.1:", workout_port_)},
      {"GRACILIS_PROGRESS_ADDR", absl::StrCat("127.0.0.1:", progress_port_)},
  };
  if (!gateway_settings_.tls_cert.empty()) {
    env["GRACILIS_GATEWAY_TLS_CERT"] = gateway_settings_.tls_cert;
  }
  RETURN_IF_ERROR(
      gateway_.Start(OnServerCpu({"haproxy", "-f", GRACILIS_GATEWAY_CONFIG}),
                     env, dir_ + "/gateway.log"));
  if (!WaitUntil([&] {
        return GatewaySees("account", "account1", "UP") &&
               GatewaySees("plan", "plan1", "UP") &&
               GatewaySees("workout", "workout1", "UP") &&
               GatewaySees("progress", "progress1", "UP");
      })) {
    return absl::DeadlineExceededError(
        absl::StrCat("gateway not routing; its log:\n", GatewayLog()));
  }
  return absl::OkStatus();
}

std::string TestStack::gateway_address() const {
  return absl::StrCat("127.0.0.1:", gateway_port_);
}

std::shared_ptr<grpc::Channel> TestStack::GatewayChannel() const {
  return grpc::CreateChannel(gateway_address(),
                             grpc::InsecureChannelCredentials());
}

std::string TestStack::service_address(const std::string& binary_name) const {
  auto it = service_ports_.find(binary_name);
  return it == service_ports_.end() ? ""
                                    : absl::StrCat("127.0.0.1:", it->second);
}

int TestStack::metrics_port(const std::string& binary_name) const {
  auto it = metrics_ports_.find(binary_name);
  return it == metrics_ports_.end() ? 0 : it->second;
}

int TestStack::gateway_metrics_port() const { return gateway_metrics_port_; }

std::string TestStack::GatewayMetrics() const {
  return RunCommand(absl::StrCat("curl -sf http://127.0.0.1:",
                                 gateway_metrics_port_, "/metrics"),
                    /*with_stderr=*/false)
      .output;
}

bool TestStack::GatewaySees(const std::string& backend,
                            const std::string& server,
                            const std::string& state) const {
  return absl::StrContains(
      GatewayMetrics(),
      absl::StrCat("haproxy_server_status{proxy=\"", backend, "\",server=\"",
                   server, "\",state=\"", state, "\"} 1"));
}

std::string TestStack::GatewayLog() const {
  std::ifstream in(dir_ + "/gateway.log");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace gracilis::testing
