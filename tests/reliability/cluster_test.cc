// Redis Cluster under load (issue 19): phones log sets at full speed while
// their slots move between primaries, and while a replica takes over a
// primary. Every acknowledged set is stored exactly once and no call gets
// an answer retrying cannot fix (INTERNAL, say); the figures say how long
// phones waited.

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/auth/session_token.h"
#include "common/redis/cluster_slots.h"
#include "common/redis/keys.h"
#include "common/status/status_matchers.h"
#include "tests/reliability/reliability.h"
#include "tests/reliability/set_logger.h"

namespace gracilis::reliability {
namespace {

using testing::IsOk;
using testing::RedisTopology;
using testing::TestStack;
using testing::WaitUntil;

constexpr int kPhones = 6;

struct Phones {
  std::vector<std::string> tokens;
  std::vector<int> slots;  // of each phone's user
  std::vector<std::unique_ptr<SetLogger>> loggers;
};

// Registers the phones' users and starts them logging.
void StartPhones(TestStack& stack, std::atomic<bool>& stop, Threads& threads,
                 Phones& phones) {
  absl::StatusOr<std::vector<std::string>> tokens =
      RegisterUsers(stack.service_address("gracilis-account"), kPhones);
  ASSERT_THAT(tokens.status(), IsOk());
  phones.tokens = *tokens;
  std::shared_ptr<grpc::Channel> channel =
      QuickReconnectChannel(stack.service_address("gracilis-workout"));
  for (int i = 0; i < kPhones; ++i) {
    std::optional<ParsedToken> parsed = ParseSessionToken(phones.tokens[i]);
    ASSERT_TRUE(parsed.has_value());
    phones.slots.push_back(KeySlot(UserKeyRegistry(parsed->user_id)));
    phones.loggers.push_back(
        std::make_unique<SetLogger>(channel, phones.tokens[i], i));
    SetLogger* logger = phones.loggers.back().get();
    threads.Start([&stop, logger] { logger->Run(stop, [] {}); });
  }
}

// The longest time any phone went without an acknowledged call.
absl::Duration LongestWait(const Phones& phones) {
  absl::Duration longest;
  for (const auto& logger : phones.loggers) {
    absl::Time last_ok = absl::InfinitePast();
    for (const SetLogger::Call& call : logger->calls()) {
      if (call.code != absl::StatusCode::kOk) {
        continue;
      }
      if (last_ok != absl::InfinitePast()) {
        longest = std::max(longest, call.end - last_ok);
      }
      last_ok = call.end;
    }
  }
  return longest;
}

void ExpectNothingLost(const std::string& label, const Phones& phones) {
  absl::StatusOr<Audit> audited = AuditLoggers(phones.loggers);
  ASSERT_THAT(audited.status(), IsOk());
  Figure(label + ".acknowledged_sets", absl::StrCat(audited->acknowledged));
  Figure(label + ".missing",
         absl::StrCat(audited->missing, " of ", audited->acknowledged));
  Figure(label + ".duplicates",
         absl::StrCat(audited->duplicates, " of ", audited->stored));
  Figure(label + ".retried_calls", absl::StrCat(audited->retries));
  Figure(label + ".longest_wait_for_an_ack",
         absl::StrCat(absl::ToInt64Milliseconds(LongestWait(phones)), " ms"));
  Figure(label + ".unexpected_replies", Unexpected(phones.loggers));
  EXPECT_GT(audited->acknowledged, 0);
  EXPECT_EQ(audited->missing, 0);
  EXPECT_EQ(audited->duplicates, 0);
  EXPECT_EQ(Unexpected(phones.loggers), "none");
}

// Each phone's slot moves to another primary and back, key by key with a
// pause, so writes meet ASK while keys move and MOVED after.
TEST(ClusterTest, ReshardingUnderWriteLoadLosesNothing) {
  TestStack stack({}, RedisTopology{3, 0});
  ASSERT_THAT(stack.Start(), IsOk());
  std::atomic<bool> stop{false};
  Threads threads(stop);
  Phones phones;
  StartPhones(stack, stop, threads, phones);
  const std::vector<int> ports = stack.redis().ports();
  absl::SleepFor(absl::Milliseconds(300));

  int moves = 0;
  const absl::Time began = absl::Now();
  for (int round = 0; round < 2 * Scale(); ++round) {
    for (int slot : std::set<int>(phones.slots.begin(), phones.slots.end())) {
      const int from = stack.redis().PrimaryOf(slot);
      const int to = ports[(std::find(ports.begin(), ports.end(), from) -
                            ports.begin() + 1) %
                           ports.size()];
      ASSERT_THAT(stack.redis().MoveSlot(slot, to, absl::Milliseconds(2)),
                  IsOk());
      ++moves;
    }
  }
  const absl::Duration moving = absl::Now() - began;
  absl::SleepFor(absl::Milliseconds(300));
  threads.Join();
  Figure("cluster_reshard.slot_moves", absl::StrCat(moves));
  Figure("cluster_reshard.duration",
         absl::StrCat(absl::ToInt64Milliseconds(moving), " ms"));
  ExpectNothingLost("cluster_reshard", phones);
}

// A replica of the primary serving the first phone takes over
// (CLUSTER FAILOVER, as an operator would before maintenance); with
// appendfsync always nothing acknowledged is lost.
TEST(ClusterTest, FailoverUnderWriteLoadLosesNothing) {
  TestStack stack({}, RedisTopology{3, 1});
  ASSERT_THAT(stack.Start(), IsOk());
  std::atomic<bool> stop{false};
  Threads threads(stop);
  Phones phones;
  StartPhones(stack, stop, threads, phones);
  absl::SleepFor(absl::Milliseconds(500));

  const int old_primary = stack.redis().PrimaryOf(phones.slots[0]);
  const std::vector<int> replicas = stack.redis().ReplicasOf(old_primary);
  ASSERT_EQ(replicas.size(), 1u);
  const absl::Time began = absl::Now();
  ASSERT_EQ(stack.redis().CliAt(replicas[0], "CLUSTER FAILOVER"), "OK");
  ASSERT_TRUE(WaitUntil(
      [&] { return stack.redis().PrimaryOf(phones.slots[0]) == replicas[0]; }));
  Figure("cluster_failover.promotion",
         absl::StrCat(absl::ToInt64Milliseconds(absl::Now() - began), " ms"));
  absl::SleepFor(absl::Milliseconds(700));
  threads.Join();
  ExpectNothingLost("cluster_failover", phones);
}

}  // namespace
}  // namespace gracilis::reliability
