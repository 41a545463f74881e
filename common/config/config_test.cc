#include "common/config/config.h"

#include "common/status/status_matchers.h"
#include "gtest/gtest.h"

namespace gracilis {
namespace {

using ::gracilis::testing::IsOk;
using ::gracilis::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

ConfigSource::EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) {
      return std::nullopt;
    }
    return it->second;
  };
}

TEST(ConfigSourceTest, FlagBeatsEnvironmentBeatsDefault) {
  ConfigSource source(
      {"--listen=127.0.0.1:7000"},
      Env({{"GRACILIS_LISTEN", "127.0.0.1:8000"}, {"GRACILIS_WORKERS", "3"}}));
  EXPECT_EQ(source.Address("listen", "0.0.0.0:1", "").port, 7000);
  EXPECT_EQ(source.Int("workers", 1, 1, 8, ""), 3);
  EXPECT_EQ(source.Duration("timeout", absl::Seconds(2), absl::Milliseconds(1),
                            absl::Minutes(1), ""),
            absl::Seconds(2));
  EXPECT_THAT(source.Check(), IsOk());
}

TEST(ConfigSourceTest, BadValuesAreReportedTogetherNamingTheSetting) {
  ConfigSource source({"--workers=99", "--timeout=soon", "--bogus=1"}, Env({}));
  source.Int("workers", 1, 1, 8, "");
  source.Duration("timeout", absl::Seconds(1), absl::Milliseconds(1),
                  absl::Minutes(1), "");
  source.Address("listen", "127.0.0.1:70000", "");
  EXPECT_THAT(
      source.Check(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("--workers (or GRACILIS_WORKERS) must be a "
                               "whole number from 1 to 8, got '99'"),
                     HasSubstr("--timeout"), HasSubstr("--listen"),
                     HasSubstr("unknown setting --bogus"))));
}

TEST(ConfigSourceTest, VersionIsAFlagOfItsOwn) {
  ConfigSource source({"--version"}, Env({}));
  EXPECT_TRUE(source.version_requested());
  EXPECT_FALSE(source.help_requested());
  EXPECT_THAT(source.Check(), IsOk());
  EXPECT_FALSE(ConfigSource({}, Env({})).version_requested());
}

TEST(ConfigSourceTest, MalformedArgumentsAreErrors) {
  ConfigSource source({"positional", "--novalue"}, Env({}));
  EXPECT_THAT(source.Check(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("unexpected argument 'positional'"),
                             HasSubstr("--novalue needs a value"))));
}

TEST(ConfigSourceTest, HelpListsSettingsWithEnvironmentNames) {
  ConfigSource source({"--help"}, Env({}));
  source.Int("workers", 2, 1, 8, "hash threads");
  EXPECT_TRUE(source.help_requested());
  EXPECT_THAT(source.Usage(),
              HasSubstr("--workers=2  (env GRACILIS_WORKERS)  hash threads"));
}

TEST(ParseHostPortTest, AcceptsHostAndPort) {
  EXPECT_EQ(ParseHostPort("localhost:6379")->host, "localhost");
  EXPECT_EQ(ParseHostPort("[::1]:80")->host, "[::1]");
  EXPECT_FALSE(ParseHostPort("localhost").has_value());
  EXPECT_FALSE(ParseHostPort("h:0").has_value());
  EXPECT_TRUE(ParseHostPort("h:0", /*allow_any_port=*/true).has_value());
  EXPECT_FALSE(ParseHostPort(":80").has_value());
}

}  // namespace
}  // namespace gracilis
