// Monitoring end to end: a real Prometheus runs deploy/prometheus's
// prometheus.yml and alert rules against the whole stack (every service, the
// gateway's exporter, prometheus-redis-exporter, the Pushgateway and
// itself), moved to this test's free ports. Every target must
// be up, the RPC counters must move with a user's journey through the
// gateway, and the weekly job's push must arrive.

#include <fstream>
#include <iterator>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/e2e/test_stack.h"

namespace gracilis::testing {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;
using ::testing::HasSubstr;
using ::testing::Not;

class MonitoringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(stack_.Start(), IsOk());
    ASSERT_THAT(stack_.StartMail(), IsOk());
    const std::string dir = stack_.dir();
    ASSERT_THAT(exporter_.Start({"prometheus-redis-exporter", "-redis.addr",
                                 "redis://" + stack_.redis().address(),
                                 "-web.listen-address",
                                 absl::StrCat("127.0.0.1:", exporter_port_)},
                                {}, dir + "/redis-exporter.log"),
                IsOk());
    ASSERT_THAT(
        pushgateway_.Start(
            {"prometheus-pushgateway",
             absl::StrCat("--web.listen-address=127.0.0.1:", pushgateway_port_),
             "--persistence.file=" + dir + "/pushgateway.data"},
            {}, dir + "/pushgateway.log"),
        IsOk());
    // Alertmanager with deploy/alertmanager's config, sending to a webhook
    // receiver that keeps each notification, without waits.
    ASSERT_THAT(
        webhook_.Start({GRACILIS_ALERTMANAGER_DIR "/webhook-log", "--listen",
                        absl::StrCat("127.0.0.1:", webhook_port_), "--json",
                        dir + "/notifications.json"},
                       {}, dir + "/webhook.log"),
        IsOk());
    std::ofstream(dir + "/alertmanager.yml") << AlertmanagerConfig();
    ASSERT_THAT(
        alertmanager_.Start({"prometheus-alertmanager",
                             "--config.file=" + dir + "/alertmanager.yml",
                             "--storage.path=" + dir + "/alertmanager",
                             absl::StrCat("--web.listen-address=127.0.0.1:",
                                          alertmanager_port_),
                             "--cluster.listen-address="},
                            {}, dir + "/alertmanager.log"),
        IsOk());
    std::ofstream(dir + "/alerts.yml") << Rules();
    std::ofstream(dir + "/prometheus.yml") << Config();
    ASSERT_THAT(
        prometheus_.Start(
            {"prometheus", "--config.file=" + dir + "/prometheus.yml",
             "--storage.tsdb.path=" + dir + "/prometheus",
             absl::StrCat("--web.listen-address=127.0.0.1:", prometheus_port_)},
            {}, dir + "/prometheus.log"),
        IsOk());
    ASSERT_TRUE(WaitUntil([&] { return Get("/-/ready").exit_code == 0; },
                          absl::Seconds(30)));
  }

  // deploy/prometheus/prometheus.yml itself, pointed at this stack's ports,
  // scraping every second, with the rules file by its full path. Each piece
  // replaced must be in the file, so the test follows the file's jobs.
  std::string Config() const {
    std::ifstream in(absl::StrCat(GRACILIS_PROMETHEUS_DIR, "/prometheus.yml"));
    std::string config((std::istreambuf_iterator<char>(in)),
                       std::istreambuf_iterator<char>());
    const auto address = [](int port) {
      return absl::StrCat("\"127.0.0.1:", port, "\"");
    };
    const std::vector<std::pair<std::string, std::string>> replacements = {
        {"scrape_interval: 15s", "scrape_interval: 1s"},
        {"evaluation_interval: 15s", "evaluation_interval: 1s"},
        {"- alerts.yml", absl::StrCat("- ", stack_.dir(), "/alerts.yml")},
        {address(9093), address(alertmanager_port_)},
        {address(9101), address(stack_.metrics_port("gracilis-account"))},
        {address(9102), address(stack_.metrics_port("gracilis-plan"))},
        {address(9103), address(stack_.metrics_port("gracilis-workout"))},
        {address(9104), address(stack_.metrics_port("gracilis-progress"))},
        {address(9105), address(stack_.mailer_metrics_port())},
        {address(8405), address(stack_.gateway_metrics_port())},
        {address(9121), address(exporter_port_)},
        {address(9091), address(pushgateway_port_)},
        {address(9090), address(prometheus_port_)}};
    for (const auto& [from, to] : replacements) {
      EXPECT_EQ(absl::StrReplaceAll({{from, to}}, &config), 1)
          << from << " is not in prometheus.yml once";
    }
    return config;
  }

  // deploy/prometheus/alerts.yml with GracilisTargetDown firing after 1 s
  // instead of 2 min.
  std::string Rules() const {
    std::string rules = ReadFile(GRACILIS_PROMETHEUS_DIR "/alerts.yml");
    const size_t at = rules.find("alert: GracilisTargetDown");
    const size_t wait = rules.find("for: 2m", at);
    EXPECT_NE(wait, std::string::npos) << "GracilisTargetDown waits 2m no more";
    if (wait != std::string::npos) rules.replace(wait, 7, "for: 1s");
    return rules;
  }

  // deploy/alertmanager/alertmanager.yml sending to this test's webhook,
  // with no grouping waits.
  std::string AlertmanagerConfig() const {
    std::string config =
        ReadFile(GRACILIS_ALERTMANAGER_DIR "/alertmanager.yml");
    EXPECT_GT(absl::StrReplaceAll(
                  {{"http://127.0.0.1:9095/",
                    absl::StrCat("http://127.0.0.1:", webhook_port_, "/")},
                   {"group_wait: 30s", "group_wait: 1s"}},
                  &config),
              1);
    return config;
  }

  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)),
                       std::istreambuf_iterator<char>());
  }

  CommandResult Get(const std::string& path) const {
    return RunCommand(absl::StrCat("curl -sfg 'http://127.0.0.1:",
                                   prometheus_port_, path, "'"),
                      /*with_stderr=*/false);
  }

  // The result vector of an instant query.
  std::vector<Value> Query(const std::string& promql) const {
    std::string escaped;
    for (char c : promql) {
      absl::StrAppend(&escaped, std::isalnum(static_cast<unsigned char>(c))
                                    ? std::string(1, c)
                                    : absl::StrFormat("%%%02X", c));
    }
    Struct reply;
    const CommandResult result = Get("/api/v1/query?query=" + escaped);
    if (result.exit_code != 0 ||
        !google::protobuf::util::JsonStringToMessage(result.output, &reply)
             .ok()) {
      return {};
    }
    const auto& rows =
        reply.fields().at("data").struct_value().fields().at("result");
    return {rows.list_value().values().begin(),
            rows.list_value().values().end()};
  }

  // The value of a one-row query, or -1.
  double Scalar(const std::string& promql) const {
    const std::vector<Value> rows = Query(promql);
    if (rows.size() != 1) {
      return -1;
    }
    const auto& value =
        rows[0].struct_value().fields().at("value").list_value().values(1);
    return std::stod(value.string_value());
  }

  CommandResult Cli(const std::string& args) {
    return RunCommand(
        absl::StrCat("GRACILIS_PASSWORD=thighs-and-more ", GRACILIS_CLI_BINARY,
                     " --gateway=", stack_.gateway_address(),
                     " --token_file=", stack_.dir(), "/token ", args));
  }

  TestStack stack_;
  int exporter_port_ = PickFreePort();
  int pushgateway_port_ = PickFreePort();
  int prometheus_port_ = PickFreePort();
  int alertmanager_port_ = PickFreePort();
  int webhook_port_ = PickFreePort();
  ChildProcess webhook_;
  ChildProcess alertmanager_;
  ChildProcess exporter_;
  ChildProcess pushgateway_;
  ChildProcess prometheus_;
};

TEST_F(MonitoringTest, EveryTargetUpCountersMoveAndTheJobPushArrives) {
  // Every target of the five jobs is scraped successfully.
  ASSERT_TRUE(WaitUntil(
      [&] {
        const std::vector<Value> up = Query("up");
        return up.size() == 9 &&
               std::all_of(up.begin(), up.end(), [](const Value& row) {
                 return row.struct_value()
                            .fields()
                            .at("value")
                            .list_value()
                            .values(1)
                            .string_value() == "1";
               });
      },
      absl::Seconds(30)))
      << Get("/api/v1/targets").output;
  EXPECT_EQ(Scalar("redis_up"), 1);
  EXPECT_EQ(Scalar("min(gracilis_redis_connected)"), 1);
  EXPECT_GT(Scalar("gracilis_mail_last_pass_timestamp_seconds"), 0);

  // The alert rules are loaded, and none fires on a healthy stack (the
  // weekly job's absence is pending: it has 8 days).
  const std::string rules = Get("/api/v1/rules").output;
  for (const char* alert :
       {"GracilisErrorBudgetBurn", "RedisDown", "GatewayServerErrors",
        "WeeklyJobNotSucceeding", "MailOutboxStuck", "MailerNotRunning"}) {
    EXPECT_THAT(rules, HasSubstr(alert));
  }
  EXPECT_THAT(Get("/api/v1/alerts").output,
              Not(HasSubstr("\"state\":\"firing\"")));

  // A user's journey through the gateway moves the scraped counters.
  const std::string registered =
      "sum(gracilis_rpc_requests_total{service=\"account\",code=\"OK\"})";
  const double before = Scalar(registered);
  ASSERT_EQ(Cli("register monitor@example.com").exit_code, 0);
  ASSERT_EQ(Cli("login monitor@example.com").exit_code, 0);
  const CommandResult week = Cli("progress week");
  ASSERT_EQ(week.exit_code, 0) << week.output;
  EXPECT_TRUE(WaitUntil([&] { return Scalar(registered) >= before + 2; },
                        absl::Seconds(15)))
      << before << " -> " << Scalar(registered);
  EXPECT_TRUE(WaitUntil(
      [&] {
        return Scalar(
                   "sum(gracilis_rpc_requests_total{service=\"progress\","
                   "code=\"OK\"})") >= 1;
      },
      absl::Seconds(15)));
  EXPECT_TRUE(WaitUntil(
      [&] {
        return Scalar(
                   "sum(haproxy_backend_http_responses_total{proxy="
                   "\"progress\",code=\"2xx\"})") >= 1;
      },
      absl::Seconds(15)));

  // The weekly job's metrics reach Prometheus through the Pushgateway.
  const CommandResult job = RunCommand(absl::StrCat(
      GRACILIS_WEEKLY_BINARY, " --redis=", stack_.redis().address(), " --plan=",
      stack_.gateway_address(), " --service_token=", stack_.service_token(),
      " --pushgateway=127.0.0.1:", pushgateway_port_));
  ASSERT_EQ(job.exit_code, 0) << job.output;
  EXPECT_TRUE(WaitUntil(
      [&] {
        return Scalar(
                   "gracilis_weekly_last_success_timestamp_seconds{job="
                   "\"gracilis_weekly\",shard=\"0of1\"}") > 0;
      },
      absl::Seconds(15)));
  // With the build that pushed it.
  EXPECT_EQ(Scalar("gracilis_build_info{job=\"gracilis_weekly\"}"), 1);

  // Issue 22, item 8: every query of the Grafana dashboard is valid PromQL
  // and has data on this stack (after the journey, the job's push and some
  // mail), so no panel of deploy/grafana/gracilis.json is empty or broken.
  Struct dashboard;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  ReadFile(GRACILIS_GRAFANA_DIR "/gracilis.json"), &dashboard)
                  .ok());
  int queries = 0;
  for (const Value& panel :
       dashboard.fields().at("panels").list_value().values()) {
    const auto& fields = panel.struct_value().fields();
    if (!fields.contains("targets")) {
      continue;  // a row
    }
    for (const Value& target : fields.at("targets").list_value().values()) {
      const std::string expr =
          target.struct_value().fields().at("expr").string_value();
      ++queries;
      EXPECT_TRUE(
          WaitUntil([&] { return !Query(expr).empty(); }, absl::Seconds(10)))
          << "panel \"" << fields.at("title").string_value()
          << "\": no data for " << expr;
    }
  }
  EXPECT_GE(queries, 15);
}

// Issue 22, item 7: a real alert reaches the on-call webhook through
// Alertmanager. A service stops; GracilisTargetDown (its wait cut to 1 s)
// fires and the webhook receives it with its labels and runbook.
TEST_F(MonitoringTest, AnAlertReachesTheWebhookThroughAlertmanager) {
  ASSERT_TRUE(WaitUntil([&] { return Scalar("count(up == 1)") == 9; },
                        absl::Seconds(30)))
      << Get("/api/v1/targets").output;
  stack_.progress_service().Kill();
  const std::string file = stack_.dir() + "/notifications.json";
  std::string notifications;
  EXPECT_TRUE(WaitUntil(
      [&] {
        notifications = ReadFile(file);
        return absl::StrContains(notifications,
                                 "\"alertname\": \"GracilisTargetDown\"");
      },
      absl::Seconds(60)))
      << "no notification; Alertmanager's alerts: "
      << RunCommand(absl::StrCat("curl -s http://127.0.0.1:",
                                 alertmanager_port_, "/api/v2/alerts"))
             .output;
  EXPECT_THAT(notifications, HasSubstr("\"status\": \"firing\""));
  EXPECT_THAT(notifications, HasSubstr("\"service\": \"progress\""));
  EXPECT_THAT(notifications,
              HasSubstr("docs/operations.md#alert-gracilistargetdown"));
  EXPECT_THAT(notifications, HasSubstr("\"receiver\": \"on-call\""));
}

}  // namespace
}  // namespace gracilis::testing
