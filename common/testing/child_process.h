#pragma once

// Real processes for tests (servers, the gateway, the CLI): started with
// their own arguments, environment and log file, stopped on destruction.

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace gracilis::testing {

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();  // Kill()
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Runs argv[0] (searched in PATH) with `env` added to this process's
  // environment; stdout and stderr are appended to `log_file` (or inherited
  // when empty). Fails if a process is already running.
  absl::Status Start(const std::vector<std::string>& argv,
                     const std::map<std::string, std::string>& env = {},
                     const std::string& log_file = "");
  // SIGTERM, then SIGKILL if it has not exited within `grace`.
  void Stop(absl::Duration grace = absl::Seconds(10));
  // SIGKILL, as a crash would.
  void Kill();
  void Signal(int signal);
  // False once it has exited (reaping it).
  bool Running();

 private:
  pid_t pid_ = -1;
};

// Runs `command` through /bin/sh and returns its exit code and output
// (stdout, and stderr when `with_stderr`), trailing whitespace removed.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult RunCommand(const std::string& command, bool with_stderr = true);

}  // namespace gracilis::testing
