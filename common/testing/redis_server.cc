#include "common/testing/redis_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status/status_macros.h"

namespace gracilis::testing {

int PickFreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
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
