#include "common/metrics/metrics.h"

#include "absl/strings/str_cat.h"
#include "common/config/version.h"
#include "gtest/gtest.h"
#include "prometheus/text_serializer.h"

namespace gracilis {
namespace {

std::string Render(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

TEST(RpcMetricsTest, CountsByMethodAndCodeAndObservesLatency) {
  prometheus::Registry registry;
  RpcMetrics rpc(registry);
  RpcMetrics::Method& login = rpc.ForMethod("svc/Login");
  EXPECT_EQ(&login, &rpc.ForMethod("svc/Login"));
  login.Record(absl::StatusCode::kOk, absl::Milliseconds(3));
  login.Record(absl::StatusCode::kUnauthenticated, absl::Milliseconds(1));
  login.Record(absl::StatusCode::kUnauthenticated, absl::Milliseconds(1));

  const std::string text = Render(registry);
  EXPECT_NE(text.find("gracilis_rpc_requests_total{code=\"UNAUTHENTICATED\","
                      "method=\"svc/Login\"} 2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("gracilis_rpc_requests_total{code=\"OK\",method=\"svc/"
                      "Login\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("gracilis_rpc_duration_seconds_count{method=\"svc/"
                      "Login\"} 3"),
            std::string::npos);
}

TEST(RedisMetricsTest, ErrorsByKind) {
  prometheus::Registry registry;
  RedisMetrics redis(registry);
  redis.RecordError(RedisMetrics::ErrorKind::kTimeout);
  redis.SetConnected(true);
  const std::string text = Render(registry);
  EXPECT_NE(text.find("gracilis_redis_errors_total{kind=\"timeout\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("gracilis_redis_connected 1"), std::string::npos);
}

TEST(MetricsExposerTest, PicksAFreePort) {
  auto metrics = MetricsExposer::Start({"127.0.0.1", 0});
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_GT((*metrics)->port(), 0);
}

TEST(ServiceMetricsTest, RecordsRpcAndRedisFamiliesUnlessTurnedOff) {
  auto on = ServiceMetrics::Start({"127.0.0.1", 0}, /*record=*/true);
  ASSERT_TRUE(on.ok()) << on.status();
  ASSERT_NE((*on)->rpc(), nullptr);
  ASSERT_NE((*on)->redis(), nullptr);
  (*on)->rpc()->ForMethod("m").Record(absl::StatusCode::kOk, absl::Seconds(1));
  EXPECT_NE(Render((*on)->registry()).find("gracilis_rpc_requests_total"),
            std::string::npos);

  auto off = ServiceMetrics::Start({"127.0.0.1", 0}, /*record=*/false);
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_EQ((*off)->rpc(), nullptr);
  EXPECT_EQ((*off)->redis(), nullptr);
  EXPECT_GT((*off)->port(), 0);
  // Only which build this is.
  const std::string off_text = Render((*off)->registry());
  EXPECT_EQ(off_text.find("gracilis_rpc"), std::string::npos);
  EXPECT_EQ(off_text.find("gracilis_redis"), std::string::npos);
}

// Every metrics endpoint says which build answers (issue 22).
TEST(MetricsExposerTest, ExportsTheBuild) {
  auto metrics = MetricsExposer::Start({"127.0.0.1", 0});
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  const std::string text = Render((*metrics)->registry());
  EXPECT_NE(
      text.find(absl::StrCat("gracilis_build_info{commit=\"", BuildCommit(),
                             "\",version=\"", BuildVersion(), "\"} 1")),
      std::string::npos)
      << text;
  EXPECT_FALSE(BuildVersion().empty());
  EXPECT_FALSE(BuildCommit().empty());
}

}  // namespace
}  // namespace gracilis
