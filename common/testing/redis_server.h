#pragma once

// A real redis-server for tests: loopback, a free port, a temporary data
// directory, the settings of deploy/redis/redis.conf (AOF, fsync always),
// stopped (and the directory removed) on destruction.

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/testing/child_process.h"

namespace gracilis::testing {

// A TCP port on 127.0.0.1 that was free a moment ago.
int PickFreePort();

// Polls `predicate` every 10 ms until it holds (true) or `limit` passes
// (false).
bool WaitUntil(const std::function<bool()>& predicate,
               absl::Duration limit = absl::Seconds(10));

class TestRedisServer {
 public:
  TestRedisServer();
  ~TestRedisServer();
  TestRedisServer(const TestRedisServer&) = delete;
  TestRedisServer& operator=(const TestRedisServer&) = delete;

  // Before Start: more redis-server arguments, kept across restarts, e.g.
  // {"--appendfsync", "everysec"}.
  void AddArguments(const std::vector<std::string>& args) {
    extra_args_.insert(extra_args_.end(), args.begin(), args.end());
  }
  // Starts redis-server and waits until it answers PING.
  absl::Status Start();
  // SIGKILL, as a crash would.
  void Kill();
  // SIGSTOP / SIGCONT: the socket stays open but nothing answers.
  void Pause();
  void Resume();
  // Starts again on the same port and data directory (AOF replayed).
  absl::Status Restart();

  int port() const { return port_; }
  std::string address() const;
  const std::string& dir() const { return dir_; }
  // Runs redis-cli against the server and returns its output.
  std::string Cli(const std::string& args) const;

 private:
  int port_;
  std::string dir_;
  ChildProcess process_;
  std::vector<std::string> extra_args_;
};

}  // namespace gracilis::testing
