#include "common/config/config.h"

#include <cstdlib>
#include <iostream>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/config/version.h"

namespace gracilis {

std::string HostPort::ToString() const { return absl::StrCat(host, ":", port); }

std::optional<HostPort> ParseHostPort(absl::string_view text,
                                      bool allow_any_port) {
  const size_t colon = text.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) {
    return std::nullopt;
  }
  int port = 0;
  if (!absl::SimpleAtoi(text.substr(colon + 1), &port) || port > 65535 ||
      port < (allow_any_port ? 0 : 1)) {
    return std::nullopt;
  }
  return HostPort{std::string(text.substr(0, colon)), port};
}

ConfigSource::ConfigSource(std::vector<std::string> args, EnvLookup env)
    : env_(std::move(env)) {
  for (const std::string& arg : args) {
    absl::string_view rest = arg;
    if (rest == "--help" || rest == "-h") {
      help_requested_ = true;
      continue;
    }
    if (rest == "--version") {
      version_requested_ = true;
      continue;
    }
    if (!absl::ConsumePrefix(&rest, "--")) {
      errors_.push_back(absl::StrCat("unexpected argument '", arg,
                                     "': settings are --name=value"));
      continue;
    }
    const size_t eq = rest.find('=');
    if (eq == absl::string_view::npos) {
      errors_.push_back(
          absl::StrCat("--", rest, " needs a value: --", rest, "=VALUE"));
      continue;
    }
    flags_[std::string(rest.substr(0, eq))] = std::string(rest.substr(eq + 1));
  }
}

namespace {
std::vector<std::string> ArgsOf(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    args.emplace_back(argv[i]);
  }
  return args;
}

std::optional<std::string> ProcessEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  return value == nullptr ? std::nullopt : std::optional<std::string>(value);
}

std::string EnvName(absl::string_view name) {
  return absl::AsciiStrToUpper(absl::StrCat("GRACILIS_", name));
}
}  // namespace

ConfigSource::ConfigSource(int argc, char** argv)
    : ConfigSource(ArgsOf(argc, argv), ProcessEnv) {}

std::optional<std::string> ConfigSource::Lookup(absl::string_view name,
                                                absl::string_view default_text,
                                                absl::string_view help) {
  known_.emplace_back(name);
  usage_.push_back(absl::StrCat("  --", name, "=", default_text, "  (env ",
                                EnvName(name), ")  ", help));
  if (auto it = flags_.find(name); it != flags_.end()) {
    return it->second;
  }
  return env_(EnvName(name));
}

void ConfigSource::Error(absl::string_view name, absl::string_view message) {
  errors_.push_back(
      absl::StrCat("--", name, " (or ", EnvName(name), ") ", message));
}

std::string ConfigSource::String(absl::string_view name,
                                 std::string default_value,
                                 absl::string_view help) {
  std::optional<std::string> value = Lookup(name, default_value, help);
  return value.has_value() ? *value : default_value;
}

int64_t ConfigSource::Int(absl::string_view name, int64_t default_value,
                          int64_t min, int64_t max, absl::string_view help) {
  std::optional<std::string> text =
      Lookup(name, absl::StrCat(default_value), help);
  if (!text.has_value()) {
    return default_value;
  }
  int64_t value = 0;
  if (!absl::SimpleAtoi(*text, &value) || value < min || value > max) {
    Error(name, absl::StrCat("must be a whole number from ", min, " to ", max,
                             ", got '", *text, "'"));
    return default_value;
  }
  return value;
}

absl::Duration ConfigSource::Duration(absl::string_view name,
                                      absl::Duration default_value,
                                      absl::Duration min, absl::Duration max,
                                      absl::string_view help) {
  std::optional<std::string> text =
      Lookup(name, absl::FormatDuration(default_value), help);
  if (!text.has_value()) {
    return default_value;
  }
  absl::Duration value;
  if (!absl::ParseDuration(*text, &value) || value < min || value > max) {
    Error(name, absl::StrCat("must be a duration (e.g. 500ms, 2s, 1h) from ",
                             absl::FormatDuration(min), " to ",
                             absl::FormatDuration(max), ", got '", *text, "'"));
    return default_value;
  }
  return value;
}

HostPort ConfigSource::Address(absl::string_view name,
                               absl::string_view default_value,
                               absl::string_view help) {
  std::optional<std::string> text = Lookup(name, default_value, help);
  std::optional<HostPort> parsed =
      ParseHostPort(text.value_or(std::string(default_value)), true);
  if (!parsed.has_value()) {
    Error(name, absl::StrCat("must be host:port with a port from 0 to 65535, "
                             "got '",
                             text.value_or(std::string(default_value)), "'"));
    return HostPort{};
  }
  return *parsed;
}

std::string ConfigSource::Usage() const { return absl::StrJoin(usage_, "\n"); }

absl::Status ConfigSource::Check() const {
  std::vector<std::string> errors = errors_;
  for (const auto& [flag, value] : flags_) {
    if (!absl::c_linear_search(known_, flag)) {
      errors.push_back(absl::StrCat("unknown setting --", flag));
    }
  }
  if (errors.empty()) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
}

void ExitOnConfigError(const ConfigSource& source, absl::string_view program) {
  if (source.help_requested()) {
    std::cout << "usage: " << program << " [--setting=value ...]\n"
              << source.Usage() << "\n";
    std::exit(0);
  }
  if (source.version_requested()) {
    std::cout << program << " " << BuildVersion() << " (commit "
              << BuildCommit() << ")\n";
    std::exit(0);
  }
  if (absl::Status status = source.Check(); !status.ok()) {
    std::cerr << program << ": configuration error:\n"
              << status.message() << "\nrun with --help for the settings\n";
    std::exit(2);
  }
}

}  // namespace gracilis
