#include "common/testing/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace gracilis::testing {

ChildProcess::~ChildProcess() { Kill(); }

absl::Status ChildProcess::Start(const std::vector<std::string>& argv,
                                 const std::map<std::string, std::string>& env,
                                 const std::string& log_file) {
  if (Running()) {
    return absl::FailedPreconditionError("process already running");
  }
  if (argv.empty()) {
    return absl::InvalidArgumentError("empty argv");
  }
  // Everything exec needs is built before fork: the child only execs.
  std::vector<char*> args;
  for (const std::string& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);
  int log_fd = -1;
  if (!log_file.empty()) {
    log_fd =
        open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) {
      return absl::InternalError(absl::StrCat("cannot open ", log_file));
    }
  }
  pid_ = fork();
  if (pid_ == 0) {
    // A test that crashes cannot run its destructors: the kernel kills the
    // servers it started (a leftover redis-server would hold the test's
    // output pipe open and hang whoever reads it).
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    for (const auto& [name, value] : env) {
      setenv(name.c_str(), value.c_str(), 1);
    }
    if (log_fd >= 0) {
      dup2(log_fd, STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
    }
    execvp(args[0], args.data());
    _exit(127);
  }
  if (log_fd >= 0) {
    close(log_fd);
  }
  if (pid_ < 0) {
    return absl::InternalError("fork failed");
  }
  return absl::OkStatus();
}

void ChildProcess::Signal(int signal) {
  if (pid_ > 0) {
    kill(pid_, signal);
  }
}

bool ChildProcess::Running() {
  if (pid_ <= 0) {
    return false;
  }
  if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

void ChildProcess::Stop(absl::Duration grace) {
  Signal(SIGTERM);
  const absl::Time give_up = absl::Now() + grace;
  while (Running() && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  Kill();
}

void ChildProcess::Kill() {
  if (pid_ > 0) {
    kill(pid_, SIGCONT);  // a stopped process cannot be reaped otherwise
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

CommandResult RunCommand(const std::string& command, bool with_stderr) {
  CommandResult result;
  FILE* pipe = popen((with_stderr ? command + " 2>&1" : command).c_str(), "r");
  if (pipe == nullptr) {
    return result;
  }
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    result.output.append(buffer.data(), n);
  }
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  absl::StripTrailingAsciiWhitespace(&result.output);
  return result;
}

}  // namespace gracilis::testing
