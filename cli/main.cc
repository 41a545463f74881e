// gracilis: the command-line client of the Gracilis API, through the gateway.
//
//   gracilis [--gateway=host:port] [--token_file=path] [--timeout=10s]
//            [--tls_ca=file|system] <command> [args...]

#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/cli.h"
#include "common/config/config.h"
#include "common/config/version.h"

namespace {

using gracilis::cli::Command;

std::string DefaultTokenFile() {
  if (const char* config = std::getenv("XDG_CONFIG_HOME");
      config != nullptr && *config != '\0') {
    return absl::StrCat(config, "/gracilis/token");
  }
  const char* home = std::getenv("HOME");
  return absl::StrCat(home != nullptr ? home : ".", "/.config/gracilis/token");
}

void PrintHelp(const std::vector<Command>& commands,
               const std::string& settings) {
  std::cout << "usage: gracilis [--setting=value...] <command> [args...]\n\n"
               "commands:\n";
  for (const Command& command : commands) {
    std::cout << absl::StrFormat("  %-40s %s\n", command.usage,
                                 command.summary);
  }
  std::cout << "\nsettings (flag, else environment variable, else default):\n"
            << settings;
}

}  // namespace

int main(int argc, char** argv) {
  // Settings come before the command; everything from the command on is
  // the command's own.
  std::vector<std::string> settings;
  int next = 1;
  for (; next < argc && absl::StartsWith(argv[next], "--"); ++next) {
    settings.emplace_back(argv[next]);
  }
  std::vector<std::string> words(argv + next, argv + argc);

  gracilis::ConfigSource source(
      settings, [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        return value == nullptr ? std::nullopt
                                : std::optional<std::string>(value);
      });
  gracilis::cli::CliOptions options;
  options.gateway =
      source.Address("gateway", "127.0.0.1:8080", "the Gracilis gateway")
          .ToString();
  options.tls_ca = source.String(
      "tls_ca", "",
      "PEM file of the CAs that sign the gateway's certificate, or 'system'; "
      "empty for plaintext HTTP/2 (loopback)");
  options.token_file = source.String("token_file", DefaultTokenFile(),
                                     "where the session token is kept");
  options.timeout =
      source.Duration("timeout", absl::Seconds(10), absl::Milliseconds(100),
                      absl::Minutes(5), "deadline of each call");

  std::vector<Command> commands = gracilis::cli::AccountCommands();
  for (auto more :
       {gracilis::cli::PlanCommands(), gracilis::cli::WorkoutCommands(),
        gracilis::cli::ProgressCommands()}) {
    for (Command& command : more) {
      commands.push_back(std::move(command));
    }
  }
  if (source.version_requested()) {
    std::cout << "gracilis " << gracilis::BuildVersion() << " (commit "
              << gracilis::BuildCommit() << ")\n";
    return gracilis::cli::kExitOk;
  }
  if (source.help_requested() || words.empty() || words[0] == "help") {
    PrintHelp(commands, source.Usage());
    return words.empty() && !source.help_requested() ? gracilis::cli::kExitUsage
                                                     : gracilis::cli::kExitOk;
  }
  if (absl::Status valid = source.Check(); !valid.ok()) {
    std::cerr << "gracilis: " << valid.message() << "\n";
    return gracilis::cli::kExitUsage;
  }
  for (const Command& command : commands) {
    if (command.name == words[0]) {
      const gracilis::cli::Cli cli(options);
      return command.run(cli, {words.begin() + 1, words.end()});
    }
  }
  std::cerr << "gracilis: unknown command '" << words[0]
            << "'; `gracilis help` lists them\n";
  return gracilis::cli::kExitUsage;
}
