#include "bench/load.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/workloads.h"
#include "common/testing/child_process.h"
#include "common/testing/redis_server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gracilis::bench {
namespace {

using ::testing::HasSubstr;

TEST(HistogramTest, PercentilesOfAKnownSpreadWithinOnePercent) {
  Histogram histogram;
  // 1 ms .. 1000 ms, one each: the q-quantile is about q * 1000 ms.
  for (int ms = 1; ms <= 1000; ++ms) {
    histogram.Record(int64_t{ms} * 1'000'000);
  }
  EXPECT_EQ(histogram.count(), 1000);
  EXPECT_NEAR(histogram.PercentileMs(0.5), 500, 5);
  EXPECT_NEAR(histogram.PercentileMs(0.99), 990, 10);
  EXPECT_NEAR(histogram.PercentileMs(0.999), 999, 10);
  EXPECT_DOUBLE_EQ(histogram.MaxMs(), 1000);
  EXPECT_NEAR(histogram.MeanMs(), 500.5, 0.01);
}

TEST(HistogramTest, SmallAndEmpty) {
  Histogram histogram;
  EXPECT_EQ(histogram.PercentileMs(0.99), 0);
  histogram.Record(0);
  histogram.Record(7);
  EXPECT_EQ(histogram.count(), 2);
  EXPECT_DOUBLE_EQ(histogram.PercentileMs(1), 7e-6);
}

// Completes each call on its own thread after `latency`, with UNAVAILABLE
// for every tenth call, counting the most in flight at once.
class FakeWorkload : public Workload {
 public:
  explicit FakeWorkload(absl::Duration latency) : latency_(latency) {}
  void Start(int64_t n, Done done) override {
    {
      absl::MutexLock lock(&mu_);
      max_in_flight_ = std::max(max_in_flight_, ++in_flight_);
    }
    std::thread([this, n, done = std::move(done)] {
      absl::SleepFor(latency_);
      {
        absl::MutexLock lock(&mu_);
        --in_flight_;
      }
      done(n % 10 == 9 ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "down")
                       : grpc::Status::OK);
    }).detach();
  }
  int max_in_flight() {
    absl::MutexLock lock(&mu_);
    return max_in_flight_;
  }

 private:
  absl::Duration latency_;
  absl::Mutex mu_;
  int in_flight_ = 0;
  int max_in_flight_ = 0;
};

TEST(RunLoadTest, ClosedLoopKeepsConcurrencyInFlightAndCountsCodes) {
  FakeWorkload workload(absl::Milliseconds(20));
  LoadSpec spec;
  spec.concurrency = 8;
  spec.warmup = absl::Milliseconds(100);
  spec.window = absl::Seconds(1);
  const std::unique_ptr<LoadResult> result = RunLoad("fake", workload, spec);
  EXPECT_EQ(workload.max_in_flight(), 8);
  // 8 in flight of 20 ms each: at most 400 calls/s.
  EXPECT_GT(result->per_second, 100);
  EXPECT_LE(result->per_second, 400);
  EXPECT_EQ(result->calls, result->latency.count());
  EXPECT_EQ(result->codes[grpc::StatusCode::OK] + result->errors(),
            result->calls);
  EXPECT_GT(result->codes[grpc::StatusCode::UNAVAILABLE], 0);
  EXPECT_GE(result->latency.PercentileMs(0.5), 20);
}

TEST(RunLoadTest, OpenLoopStartsCallsAtTheRateAndCountsThoseOverTheCap) {
  FakeWorkload fast(absl::Milliseconds(1));
  LoadSpec spec;
  spec.mode = LoadSpec::Mode::kOpen;
  spec.rate = 500;
  spec.concurrency = 1000;
  spec.warmup = absl::Milliseconds(100);
  spec.window = absl::Seconds(1);
  const std::unique_ptr<LoadResult> result = RunLoad("fake", fast, spec);
  EXPECT_NEAR(result->calls, 500, 10);
  EXPECT_EQ(result->not_sent, 0);

  // A server that takes 100 ms with at most 5 in flight can take 50
  // calls/s of the 500 offered; the rest are not sent, and counted.
  FakeWorkload slow(absl::Milliseconds(100));
  spec.concurrency = 5;
  const std::unique_ptr<LoadResult> capped = RunLoad("fake", slow, spec);
  EXPECT_LE(slow.max_in_flight(), 5);
  EXPECT_GT(capped->not_sent, 350);
  EXPECT_NEAR(capped->calls + capped->not_sent, 500, 10);
}

TEST(RunLoadTest, LoadsARealEchoServerAndWritesJson) {
  const int port = testing::PickFreePort();
  testing::ChildProcess echo;
  ASSERT_TRUE(echo.Start({ECHO_SERVER_BINARY, absl::StrCat(port)}).ok());
  std::unique_ptr<RpcWorkload> workload =
      EchoWorkload(Channels(absl::StrCat("127.0.0.1:", port), 2),
                   {.request_bytes = 50, .response_bytes = 300});
  // Waits for the server to answer.
  ASSERT_TRUE(testing::WaitUntil(
      [&] { return RunSequentially(*workload, 0, 1) == 1; }));
  EXPECT_EQ(workload->sizes().response_bytes, 303);  // field tag and length
  EXPECT_EQ(workload->sample_request().size(), workload->sizes().request_bytes);

  LoadSpec spec;
  spec.concurrency = 4;
  spec.warmup = absl::Milliseconds(100);
  spec.window = absl::Milliseconds(500);
  const std::unique_ptr<LoadResult> result = RunLoad("echo", *workload, spec);
  EXPECT_GT(result->calls, 0);
  EXPECT_EQ(result->errors(), 0);
  EXPECT_EQ(result->codes[grpc::StatusCode::OK], result->calls);
  const std::string json = result->Json();
  EXPECT_THAT(json, HasSubstr("\"name\": \"echo\""));
  EXPECT_THAT(json, HasSubstr("\"mode\": \"closed\""));
  EXPECT_THAT(json, HasSubstr(absl::StrCat("\"calls\": ", result->calls)));
  EXPECT_THAT(json, HasSubstr("\"p999_ms\": "));
  EXPECT_THAT(json, HasSubstr(absl::StrCat(
                        "\"codes\": {\"OK\": ", result->calls, "}")));

  // With the server gone, every call fails and is counted by its code.
  echo.Kill();
  const std::unique_ptr<LoadResult> failed = RunLoad("echo", *workload, spec);
  EXPECT_GT(failed->calls, 0);
  EXPECT_EQ(failed->codes[grpc::StatusCode::UNAVAILABLE], failed->calls);
}

TEST(WorkloadsTest, UnknownRpcIsRefusedByName) {
  absl::StatusOr<std::unique_ptr<RpcWorkload>> workload =
      NewWorkload("Nope", {}, {});
  EXPECT_EQ(workload.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(workload.status().message(), HasSubstr("Nope"));
}

}  // namespace
}  // namespace gracilis::bench
