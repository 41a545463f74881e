// The Redis client against a real 3-primary Redis Cluster on loopback
// (issue 19): routing by slot, Functions on every primary, MOVED and ASK,
// a lost primary.

#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/redis/cluster_slots.h"
#include "common/redis/keys.h"
#include "common/redis/redis_client.h"
#include "common/redis/testing_library.h"
#include "common/status/status_matchers.h"
#include "common/testing/redis_server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace gracilis {
namespace {

using ::gracilis::testing::IsOk;
using ::gracilis::testing::StatusIs;
using ::gracilis::testing::SwapCounterLibrary;
using ::gracilis::testing::TestRedisServer;
using ::gracilis::testing::WaitUntil;
using ::testing::HasSubstr;
using ::testing::Not;

std::string MetricsText(prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

class RedisClusterTest : public ::testing::Test {
 protected:
  RedisClusterTest() : cluster_(3) {}

  void SetUp() override {
    ASSERT_THAT(cluster_.Start(), IsOk());
    RedisConfig config;
    config.address = {"127.0.0.1", cluster_.port()};
    config.command_timeout = absl::Milliseconds(500);
    config.reconnect_max = absl::Milliseconds(200);
    client_ = std::make_unique<RedisClient>(
        config, std::vector<LibraryUse>{Owns(SwapCounterLibrary())}, &metrics_);
    client_->Start();
    ASSERT_TRUE(WaitUntil([&] { return client_->ready(); }));
    ASSERT_TRUE(client_->cluster());
  }

  // The node id of the primary listening on `port`.
  std::string NodeId(int port) { return cluster_.CliAt(port, "CLUSTER MYID"); }
  // The port of the primary serving `key`.
  int OwnerPort(const std::string& key) {
    const int slot = KeySlot(key);
    for (int port : cluster_.ports()) {
      const std::string nodes = cluster_.CliAt(port, "CLUSTER NODES");
      for (absl::string_view line : absl::StrSplit(nodes, '\n')) {
        if (!absl::StrContains(line, "myself")) {
          continue;
        }
        for (absl::string_view range :
             std::vector<absl::string_view>(absl::StrSplit(line, ' '))) {
          const std::vector<std::string> ends = absl::StrSplit(range, '-');
          int first = 0;
          int last = 0;
          if (!absl::SimpleAtoi(ends[0], &first) ||
              !absl::SimpleAtoi(ends.back(), &last)) {
            continue;
          }
          if (ends.size() <= 2 && first <= slot && slot <= last) {
            return port;
          }
        }
      }
    }
    return 0;
  }

  TestRedisServer cluster_;
  prometheus::Registry registry_;
  RedisMetrics metrics_{registry_};
  std::unique_ptr<RedisClient> client_;
};

TEST_F(RedisClusterTest, SendsEachUserToItsPrimaryWithFunctionsOnEvery) {
  for (int i = 0; i < 60; ++i) {
    ASSERT_THAT(ExecuteAndWait(
                    *client_, {"FCALL", "swap_counter", "1",
                               UserKey(absl::StrCat(i), "c"), absl::StrCat(i)}),
                IsOk());
  }
  for (int port : cluster_.ports()) {
    // Every primary holds some users, and the library (owned here).
    EXPECT_NE(cluster_.CliAt(port, "DBSIZE"), "0") << port;
    EXPECT_THAT(cluster_.CliAt(port, "FUNCTION LIST"),
                HasSubstr("gracilis_test"));
  }
  for (int i = 0; i < 60; ++i) {
    auto reply =
        ExecuteAndWait(*client_, {"GET", UserKey(absl::StrCat(i), "c")});
    ASSERT_THAT(reply, IsOk());
    EXPECT_EQ(reply->str, absl::StrCat(i));
  }
}

TEST_F(RedisClusterTest, FollowsMovedWhenSlotsMoveAndAskWhileTheyMove) {
  const std::string key = UserKey("mover", "c");
  ASSERT_THAT(ExecuteAndWait(*client_, {"SET", key, "1"}), IsOk());
  const int from = OwnerPort(key);
  ASSERT_NE(from, 0);
  int to = 0;
  for (int port : cluster_.ports()) {
    if (port != from) {
      to = port;
      break;
    }
  }
  const int slot = KeySlot(key);
  const std::string from_id = NodeId(from);
  const std::string to_id = NodeId(to);

  // Mid-migration: the slot is importing on `to` and migrating on `from`.
  // A key not yet on `from` is answered with ASK, the key that is with
  // its value.
  ASSERT_EQ(cluster_.CliAt(to, absl::StrCat("CLUSTER SETSLOT ", slot,
                                            " IMPORTING ", from_id)),
            "OK");
  ASSERT_EQ(cluster_.CliAt(from, absl::StrCat("CLUSTER SETSLOT ", slot,
                                              " MIGRATING ", to_id)),
            "OK");
  const std::string fresh = UserKey("mover", "fresh");
  EXPECT_THAT(ExecuteAndWait(*client_, {"SET", fresh, "2"}), IsOk());
  EXPECT_THAT(MetricsText(registry_),
              HasSubstr("gracilis_redis_redirects_total{kind=\"ask\"} 1"));

  // Finish the move: the old owner answers MOVED from now on.
  ASSERT_EQ(cluster_.CliAt(from, absl::StrCat("MIGRATE 127.0.0.1 ", to,
                                              " \"\" 0 5000 KEYS ", key)),
            "OK");
  for (int port : cluster_.ports()) {
    cluster_.CliAt(port,
                   absl::StrCat("CLUSTER SETSLOT ", slot, " NODE ", to_id));
  }
  auto moved = ExecuteAndWait(*client_, {"GET", key});
  ASSERT_THAT(moved, IsOk());
  EXPECT_EQ(moved->str, "1");
  auto asked = ExecuteAndWait(*client_, {"GET", fresh});
  ASSERT_THAT(asked, IsOk());
  EXPECT_EQ(asked->str, "2");
  EXPECT_EQ(OwnerPort(key), to);
  EXPECT_THAT(MetricsText(registry_),
              HasSubstr("gracilis_redis_redirects_total{kind=\"moved\"} 1"));
  EXPECT_THAT(MetricsText(registry_),
              Not(HasSubstr("gracilis_redis_slot_map_refreshes_total 0")));
}

TEST_F(RedisClusterTest, ALostPrimaryFailsOnlyItsUsersFastWithNoAddress) {
  // One user per primary.
  std::map<int, std::string> user_of;
  for (int i = 0; user_of.size() < 3 && i < 1000; ++i) {
    const std::string key = UserKey(absl::StrCat("u", i), "c");
    user_of.emplace(OwnerPort(key), key);
  }
  ASSERT_EQ(user_of.size(), 3u);
  const int lost = user_of.begin()->first;
  cluster_.KillNode(lost);
  ASSERT_TRUE(WaitUntil([&] { return !client_->ready(); }));
  for (const auto& [port, key] : user_of) {
    const absl::Time start = absl::Now();
    auto reply = ExecuteAndWait(*client_, {"SET", key, "v"});
    if (port == lost) {
      EXPECT_THAT(reply, StatusIs(absl::StatusCode::kUnavailable));
      EXPECT_THAT(std::string(reply.status().message()),
                  Not(HasSubstr("127.0.0.1")));
      EXPECT_LT(absl::Now() - start, absl::Milliseconds(100));
    } else {
      EXPECT_THAT(reply, IsOk()) << port;
    }
  }
  ASSERT_THAT(cluster_.StartNode(lost), IsOk());
  ASSERT_TRUE(WaitUntil([&] { return client_->ready(); }));
  EXPECT_THAT(ExecuteAndWait(*client_, {"SET", user_of[lost], "v"}), IsOk());
}

// A primary that joins later gets the Functions from the client before
// any command of its slots runs there.
TEST_F(RedisClusterTest, APrimaryThatJoinsLaterGetsTheFunctionsFirst) {
  const std::string key = UserKey("newcomer", "c");
  ASSERT_THAT(ExecuteAndWait(*client_, {"SET", key, "1"}), IsOk());
  absl::StatusOr<int> added = cluster_.AddPrimary();
  ASSERT_THAT(added, IsOk());
  EXPECT_THAT(cluster_.CliAt(*added, "FUNCTION LIST"),
              Not(HasSubstr("gracilis_test")));
  ASSERT_THAT(cluster_.MoveSlot(KeySlot(key), *added), IsOk());
  auto swapped =
      ExecuteAndWait(*client_, {"FCALL", "swap_counter", "1", key, "2"});
  ASSERT_THAT(swapped, IsOk());
  EXPECT_EQ(swapped->str, "1");
  EXPECT_THAT(cluster_.CliAt(*added, "FUNCTION LIST"),
              HasSubstr("gracilis_test"));
  EXPECT_EQ(cluster_.CliAt(*added, "GET '" + key + "'"), "2");
}

TEST_F(RedisClusterTest, KeylessCommandsGoToTheSlotsPrimary) {
  ASSERT_THAT(ExecuteAndWait(*client_, {"SET", UserKey("k", "keys"), "1"}),
              IsOk());
  const int slot = KeySlot(UserKey("k", "keys"));
  auto keys = ExecuteInSlotAndWait(
      *client_, slot, {"CLUSTER", "GETKEYSINSLOT", absl::StrCat(slot), "10"});
  ASSERT_THAT(keys, IsOk());
  ASSERT_EQ(keys->elements.size(), 1u);
  EXPECT_EQ(keys->elements[0].str, UserKey("k", "keys"));
}

}  // namespace
}  // namespace gracilis
