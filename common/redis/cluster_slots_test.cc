#include "common/redis/cluster_slots.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gracilis {
namespace {

TEST(KeySlotTest, MatchesRedisClusterKeyslot) {
  // Values from CLUSTER KEYSLOT on redis-server 7.0.
  EXPECT_EQ(KeySlot("123456789"), 12739);  // the CRC16/XMODEM check value
  EXPECT_EQ(KeySlot("foo"), 12182);
  EXPECT_EQ(KeySlot("bar"), 5061);
  EXPECT_EQ(KeySlot(""), 0);
}

TEST(KeySlotTest, HashTagsShareASlot) {
  EXPECT_EQ(KeySlot("{u:42}:profile"), KeySlot("u:42"));
  EXPECT_EQ(KeySlot("{u:42}:profile"), KeySlot("{u:42}:session:abc"));
  // An empty tag is no tag; only the first '{' counts.
  EXPECT_EQ(KeySlot("{}:x"), KeySlot("{}:x"));
  EXPECT_NE(KeySlot("{}a"), KeySlot("a"));
  EXPECT_EQ(KeySlot("x{a}{b}"), KeySlot("a"));
  EXPECT_EQ(KeySlot("{a"), KeySlot("{a"));
}

TEST(CommandSlotTest, FindsTheFirstKey) {
  EXPECT_EQ(CommandSlot({"GET", "{u:1}:active"}), KeySlot("u:1"));
  EXPECT_EQ(CommandSlot({"FCALL", "f", "2", "{u:1}:a", "{u:1}:b", "arg"}),
            KeySlot("u:1"));
  EXPECT_EQ(CommandSlot({"fcall_ro", "f", "1", "{e:a@b.c}:login"}),
            KeySlot("e:a@b.c"));
  EXPECT_EQ(CommandSlot({"FCALL", "f", "0", "arg"}), std::nullopt);
  EXPECT_EQ(CommandSlot({"PING"}), std::nullopt);
  EXPECT_EQ(CommandSlot({"SCAN", "0", "MATCH", "x"}), std::nullopt);
  EXPECT_EQ(CommandSlot({"FUNCTION", "LOAD", "src"}), std::nullopt);
}

TEST(ParseRedirectTest, ReadsMovedAndAsk) {
  const auto moved = ParseRedirect("MOVED 7124 127.0.0.1:7001");
  ASSERT_TRUE(moved.has_value());
  EXPECT_FALSE(moved->ask);
  EXPECT_EQ(moved->slot, 7124);
  EXPECT_EQ(moved->address, "127.0.0.1:7001");
  const auto ask = ParseRedirect("ASK 1 10.0.0.2:6379");
  ASSERT_TRUE(ask.has_value());
  EXPECT_TRUE(ask->ask);
  EXPECT_EQ(ParseRedirect("ERR unknown"), std::nullopt);
  EXPECT_EQ(ParseRedirect("MOVED 99999 a:1"), std::nullopt);
}

}  // namespace
}  // namespace gracilis
