#pragma once

// Typed configuration from command-line flags and the environment.
//
// Each setting `name` is read from `--name=value`, else from the environment
// variable GRACILIS_NAME (upper-cased), else its default. Every value is
// checked as it is read; all problems are reported together by Check(), and
// a binary's main stops at once on any of them (see ExitOnConfigError).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace gracilis {

// host:port with a numeric port 1-65535 (0 allowed where `allow_any_port`).
struct HostPort {
  std::string host;
  int port = 0;
  std::string ToString() const;
};
std::optional<HostPort> ParseHostPort(absl::string_view text,
                                      bool allow_any_port = false);

class ConfigSource {
 public:
  using EnvLookup =
      std::function<std::optional<std::string>(const std::string&)>;

  // `args` are the command-line arguments without the program name.
  ConfigSource(std::vector<std::string> args, EnvLookup env);
  // Reads the process environment.
  ConfigSource(int argc, char** argv);

  std::string String(absl::string_view name, std::string default_value,
                     absl::string_view help);
  int64_t Int(absl::string_view name, int64_t default_value, int64_t min,
              int64_t max, absl::string_view help);
  // Durations in abseil form: "500ms", "2s", "30m", "720h".
  absl::Duration Duration(absl::string_view name, absl::Duration default_value,
                          absl::Duration min, absl::Duration max,
                          absl::string_view help);
  HostPort Address(absl::string_view name, absl::string_view default_value,
                   absl::string_view help);

  // Records a problem with a setting read so far (a rule beyond its type,
  // e.g. a minimum length); reported with the others by Check().
  void Error(absl::string_view name, absl::string_view message);

  // True when --help was given.
  bool help_requested() const { return help_requested_; }
  // True when --version was given.
  bool version_requested() const { return version_requested_; }
  // One line per setting read so far.
  std::string Usage() const;
  // Errors from values read so far, plus unknown flags. Call after every
  // setting has been read.
  absl::Status Check() const;

 private:
  std::optional<std::string> Lookup(absl::string_view name,
                                    absl::string_view default_text,
                                    absl::string_view help);

  std::map<std::string, std::string, std::less<>> flags_;
  EnvLookup env_;
  bool help_requested_ = false;
  bool version_requested_ = false;
  std::vector<std::string> usage_;
  std::vector<std::string> errors_;
  std::vector<std::string> known_;
};

// Prints usage (--help, exit 0), the version (--version, exit 0) or the
// configuration errors (exit 2) and stops the process; returns only when
// the configuration is valid.
void ExitOnConfigError(const ConfigSource& source, absl::string_view program);

}  // namespace gracilis
