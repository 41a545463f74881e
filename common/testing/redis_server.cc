#include "common/testing/redis_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

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
  Resume();
  Kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string TestRedisServer::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

absl::Status TestRedisServer::Start() {
  const std::string port = absl::StrCat(port_);
  pid_ = fork();
  if (pid_ == 0) {
    execlp("redis-server", "redis-server", "--port", port.c_str(), "--bind",
           "127.0.0.1", "--dir", dir_.c_str(), "--appendonly", "yes",
           "--appendfsync", "always", "--save", "", "--enable-debug-command",
           "local", "--daemonize", "no", "--logfile",
           (dir_ + "/redis.log").c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (absl::Now() < give_up) {
    if (Cli("PING") == "PONG") {
      return absl::OkStatus();
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::InternalError(
          "redis-server exited at start; is it installed?");
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError("redis-server did not answer PING");
}

void TestRedisServer::Kill() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

void TestRedisServer::Pause() {
  if (pid_ > 0) {
    kill(pid_, SIGSTOP);
  }
}

void TestRedisServer::Resume() {
  if (pid_ > 0) {
    kill(pid_, SIGCONT);
  }
}

absl::Status TestRedisServer::Restart() {
  Kill();
  return Start();
}

std::string TestRedisServer::Cli(const std::string& args) const {
  const std::string command =
      absl::StrCat("redis-cli -h 127.0.0.1 -p ", port_, " ", args, " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return "";
  }
  std::string out;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    out.append(buffer.data(), n);
  }
  pclose(pipe);
  return std::string(absl::StripTrailingAsciiWhitespace(out));
}

}  // namespace gracilis::testing
