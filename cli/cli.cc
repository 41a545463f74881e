#include "cli/cli.h"

#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/grpc/service_config.h"
#include "common/status/errors.h"
#include "common/status/grpc_status.h"

namespace gracilis::cli {
namespace {

std::shared_ptr<grpc::ChannelCredentials> CredentialsFor(
    const std::string& tls_ca) {
  if (tls_ca.empty()) {
    return grpc::InsecureChannelCredentials();
  }
  grpc::SslCredentialsOptions ssl;
  if (tls_ca != "system") {
    std::ifstream in(tls_ca);
    ssl.pem_root_certs.assign(std::istreambuf_iterator<char>(in), {});
  }
  return grpc::SslCredentials(ssl);
}

// Turns terminal echo off for its lifetime when stdin is a terminal.
class NoEcho {
 public:
  NoEcho() {
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_) == 0) {
      termios quiet = saved_;
      quiet.c_lflag &= ~ECHO;
      active_ = tcsetattr(STDIN_FILENO, TCSANOW, &quiet) == 0;
    }
  }
  ~NoEcho() {
    if (active_) {
      tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
      std::cerr << "\n";
    }
  }

 private:
  termios saved_{};
  bool active_ = false;
};

}  // namespace

std::string ErrorLine(const absl::Status& status) {
  std::string line = absl::StrCat(absl::StatusCodeToString(status.code()), ": ",
                                  status.message());
  // Field violations the message does not already spell out.
  std::vector<std::string> unmentioned;
  for (const FieldViolation& violation : FieldViolationsOf(status)) {
    std::string text = absl::StrCat(violation.field, ": ", violation.rule);
    if (!absl::StrContains(status.message(), text)) {
      unmentioned.push_back(std::move(text));
    }
  }
  if (!unmentioned.empty()) {
    absl::StrAppend(&line, " [", absl::StrJoin(unmentioned, "; "), "]");
  }
  std::vector<std::string> notes;
  if (const std::string reason = ReasonOf(status); !reason.empty()) {
    notes.push_back(reason);
  }
  if (const absl::Duration delay = RetryDelayOf(status);
      delay > absl::ZeroDuration()) {
    notes.push_back(absl::StrCat("retry in ", absl::FormatDuration(delay)));
  }
  if (!notes.empty()) {
    absl::StrAppend(&line, " (", absl::StrJoin(notes, ", "), ")");
  }
  return line;
}

Cli::Cli(CliOptions options)
    : options_(std::move(options)),
      // Retries and timeouts as the published service config says.
      channel_(ChannelWithServiceConfig(options_.gateway,
                                        CredentialsFor(options_.tls_ca))) {}

std::unique_ptr<grpc::ClientContext> Cli::NewContext() const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
  return context;
}

absl::StatusOr<std::unique_ptr<grpc::ClientContext>> Cli::NewSignedInContext()
    const {
  absl::StatusOr<std::string> token = LoadToken();
  if (!token.ok()) {
    return token.status();
  }
  std::unique_ptr<grpc::ClientContext> context = NewContext();
  context->AddMetadata("authorization", absl::StrCat("Bearer ", *token));
  return context;
}

absl::StatusOr<std::string> Cli::LoadToken() const {
  std::ifstream in(options_.token_file);
  std::string token;
  if (!in || !std::getline(in, token) ||
      absl::StripAsciiWhitespace(token).empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("not logged in (no token in ", options_.token_file,
                     "): run `gracilis login <email>`"));
  }
  return std::string(absl::StripAsciiWhitespace(token));
}

absl::Status Cli::SaveToken(const std::string& token) const {
  const std::filesystem::path path(options_.token_file);
  std::error_code error;
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), error);
    if (error) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot create ", path.parent_path().string(), ": ",
                       error.message()));
    }
  }
  // Written to a private temporary file, then renamed, so the token is never
  // readable by others and a crash never leaves half a token.
  const std::string temporary = options_.token_file + ".tmp";
  const mode_t old_mask = umask(077);
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << token << "\n";
    out.close();
    umask(old_mask);
    if (!out) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot write ", temporary, ": ", std::strerror(errno)));
    }
  }
  std::filesystem::rename(temporary, path, error);
  if (error) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot write ", options_.token_file, ": ", error.message()));
  }
  return absl::OkStatus();
}

void Cli::ForgetToken() const {
  std::error_code ignored;
  std::filesystem::remove(options_.token_file, ignored);
}

absl::StatusOr<std::string> Cli::ReadPassword(const std::string& prompt,
                                              const char* env_var) const {
  if (const char* password = std::getenv(env_var)) {
    return std::string(password);
  }
  if (isatty(STDIN_FILENO)) {
    std::cerr << prompt << ": " << std::flush;
  }
  std::string password;
  {
    NoEcho no_echo;
    if (!std::getline(std::cin, password)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "no ", prompt, ": type it, pipe it on stdin, or set ", env_var));
    }
  }
  return password;
}

int Cli::Fail(const absl::Status& status) const {
  std::cerr << "gracilis: " << ErrorLine(status) << "\n";
  return kExitFailed;
}

int Cli::Fail(const grpc::Status& status) const {
  return Fail(FromGrpcStatus(status));
}

}  // namespace gracilis::cli
