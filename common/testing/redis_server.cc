#include "common/testing/redis_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/status/status_macros.h"

namespace gracilis::testing {

namespace {

// Whether a listening TCP socket can bind 127.0.0.1:`port` now.
bool CanBind(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok =
      bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

// The first port of the kernel's ephemeral range (client source ports).
int EphemeralLow() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  return range >> low && low > 1024 ? low : 32768;
}

}  // namespace

// Test servers get ports below the ephemeral range. A port picked inside it
// (bind to 0, then release) can be taken as the source port of some
// client's outgoing connection before the server binds it, which failed CI
// runs with "Address already in use". Each port is handed out once per
// process; the start is random so parallel test processes spread out.
int PickFreePort() {
  static absl::Mutex mu(absl::kConstInit);
  static std::set<int>* given = new std::set<int>;
  const int low = 20000;
  const int high = std::max(low + 1000, EphemeralLow() - 1);
  static std::mt19937 random(std::random_device{}());
  absl::MutexLock lock(&mu);
  for (int attempt = 0; attempt < 2000; ++attempt) {
    const int port =
        low + static_cast<int>(random() % static_cast<unsigned>(high - low));
    if (!given->contains(port) && CanBind(port)) {
      given->insert(port);
      return port;
    }
  }
  std::abort();  // no free port in thousands of tries: the box is unusable
}

bool WaitUntil(const std::function<bool()>& predicate, absl::Duration limit) {
  const absl::Time give_up = absl::Now() + limit;
  while (absl::Now() < give_up) {
    if (predicate()) {
      return true;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return predicate();
}

TestRedisServer::TestRedisServer() : port_(PickFreePort()) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "gracilis-redis-XXXXXX")
          .string();
  dir_ = mkdtemp(pattern.data());
}

TestRedisServer::~TestRedisServer() {
  Kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string TestRedisServer::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

absl::Status TestRedisServer::Start() {
  std::vector<std::string> argv = {"redis-server",
                                   GRACILIS_REDIS_CONFIG,
                                   "--port",
                                   absl::StrCat(port_),
                                   "--bind",
                                   "127.0.0.1",
                                   "--dir",
                                   dir_,
                                   "--enable-debug-command",
                                   "local",
                                   "--daemonize",
                                   "no",
                                   "--logfile",
                                   dir_ + "/redis.log"};
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  RETURN_IF_ERROR(process_.Start(argv));
  const bool answered =
      WaitUntil([&] { return Cli("PING") == "PONG" || !process_.Running(); });
  if (!process_.Running()) {
    return absl::InternalError(
        "redis-server exited at start; is it installed?");
  }
  if (!answered) {
    return absl::DeadlineExceededError("redis-server did not answer PING");
  }
  return absl::OkStatus();
}

void TestRedisServer::Kill() { process_.Kill(); }

void TestRedisServer::Pause() { process_.Signal(SIGSTOP); }

void TestRedisServer::Resume() { process_.Signal(SIGCONT); }

absl::Status TestRedisServer::Restart() {
  Kill();
  return Start();
}

std::string TestRedisServer::Cli(const std::string& args) const {
  return RunCommand(
             absl::StrCat("redis-cli -h 127.0.0.1 -p ", port_, " ", args))
      .output;
}

}  // namespace gracilis::testing
