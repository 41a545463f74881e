#include "common/auth/session_token.h"

#include <set>

#include "gtest/gtest.h"

namespace gracilis {
namespace {

TEST(SessionTokenTest, ParsesWhatItIssues) {
  const std::string user_id = NewUserId();
  ASSERT_TRUE(IsValidUserId(user_id));
  const std::string token = NewSessionToken(user_id);
  auto parsed = ParseSessionToken(token);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->user_id, user_id);
  EXPECT_EQ(parsed->secret_hash.size(), 64u);
  // The stored hash reveals nothing of the token.
  EXPECT_EQ(token.find(parsed->secret_hash), std::string::npos);
}

TEST(SessionTokenTest, EveryTokenIsNew) {
  const std::string user_id = NewUserId();
  std::set<std::string> hashes;
  for (int i = 0; i < 100; ++i) {
    hashes.insert(ParseSessionToken(NewSessionToken(user_id))->secret_hash);
  }
  EXPECT_EQ(hashes.size(), 100u);
}

TEST(SessionTokenTest, RejectsMalformedAndTamperedTokens) {
  const std::string token = NewSessionToken(NewUserId());
  EXPECT_FALSE(ParseSessionToken("").has_value());
  EXPECT_FALSE(ParseSessionToken("no-dot").has_value());
  EXPECT_FALSE(
      ParseSessionToken(token.substr(0, token.size() - 2)).has_value());
  EXPECT_FALSE(ParseSessionToken("XYZ" + token.substr(3)).has_value());
  EXPECT_FALSE(ParseSessionToken(token + std::string(200, 'a')).has_value());
  // Any changed secret character makes the token unparseable.
  for (size_t i = token.find('.') + 1; i < token.size(); ++i) {
    std::string tampered = token;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(ParseSessionToken(tampered).has_value() &&
                 ParseSessionToken(tampered)->secret_hash ==
                     ParseSessionToken(token)->secret_hash)
        << i;
  }
}

}  // namespace
}  // namespace gracilis
