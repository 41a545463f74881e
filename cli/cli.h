#pragma once

// What every `gracilis` command shares: the channel to the gateway, the
// saved session token, per-call deadlines, and one-line error reports.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace gracilis::cli {

// Exit codes: 0 done, 1 the call failed, 2 the command line was wrong.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

struct CliOptions {
  std::string gateway;     // host:port
  std::string tls_ca;      // empty: plaintext h2c; "system": system roots
  std::string token_file;  // where the session token is kept
  absl::Duration timeout;  // deadline of each call
};

// "CODE: message [field: rule; ...] (REASON, retry in 30s)": everything a
// person needs from a failed call, on one line.
std::string ErrorLine(const absl::Status& status);

class Cli {
 public:
  explicit Cli(CliOptions options);

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

  // A context with the call deadline.
  std::unique_ptr<grpc::ClientContext> NewContext() const;
  // The same with the saved token as `authorization: Bearer`.
  // FAILED_PRECONDITION when there is no saved token (not logged in).
  absl::StatusOr<std::unique_ptr<grpc::ClientContext>> NewSignedInContext()
      const;

  // The token file holds one line; it is created readable by its owner only.
  absl::Status SaveToken(const std::string& token) const;
  void ForgetToken() const;
  const std::string& token_file() const { return options_.token_file; }

  // `env_var` (GRACILIS_PASSWORD) if set, else one line from stdin (not
  // echoed when stdin is a terminal).
  absl::StatusOr<std::string> ReadPassword(
      const std::string& prompt,
      const char* env_var = "GRACILIS_PASSWORD") const;

  // Prints "gracilis: <ErrorLine>" to stderr and returns kExitFailed.
  int Fail(const absl::Status& status) const;
  int Fail(const grpc::Status& status) const;

 private:
  absl::StatusOr<std::string> LoadToken() const;

  CliOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
};

struct Command {
  std::string name;     // e.g. "profile"
  std::string usage;    // e.g. "profile get | profile set key=value..."
  std::string summary;  // one line
  std::function<int(const Cli&, const std::vector<std::string>& args)> run;
};

// Commands of each area, listed by `gracilis help`.
std::vector<Command> AccountCommands();
std::vector<Command> PlanCommands();
std::vector<Command> WorkoutCommands();
std::vector<Command> ProgressCommands();

}  // namespace gracilis::cli
