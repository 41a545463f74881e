#include "common/metrics/metrics.h"

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

}  // namespace
}  // namespace gracilis
