#include "common/auth/session_store.h"

#include "absl/synchronization/notification.h"
#include "common/auth/session_token.h"
#include "common/redis/keys.h"
#include "common/status/status_matchers.h"
#include "common/testing/redis_server.h"
#include "gtest/gtest.h"

namespace gracilis {
namespace {

using ::gracilis::testing::IsOk;
using ::gracilis::testing::StatusIs;
using ::gracilis::testing::TestRedisServer;
using ::testing::HasSubstr;
using ::testing::Not;

// Runs an asynchronous store call and waits for its result.
template <typename T, typename Start>
absl::StatusOr<T> Wait(Start start) {
  absl::Notification done;
  absl::StatusOr<T> result = absl::UnknownError("not called");
  start([&](absl::StatusOr<T> r) {
    result = std::move(r);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

class RedisSessionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(server_.Start(), IsOk());
    RedisConfig config;
    config.address = {"127.0.0.1", server_.port()};
    redis_ = std::make_unique<RedisClient>(
        config, std::vector<LibraryUse>{Owns(RedisSessionStore::Functions())},
        nullptr);
    redis_->Start();
    ASSERT_TRUE(testing::WaitUntil([&] { return redis_->ready(); }));
    SessionConfig sessions;
    sessions.idle_timeout = absl::Milliseconds(400);
    sessions.lifetime = absl::Hours(1);
    store_ = std::make_unique<RedisSessionStore>(*redis_, clock_, sessions);
    user_ = NewUserId();
    ASSERT_THAT(
        ExecuteAndWait(*redis_, {"SET", UserKey(user_, "profile"), "x"}),
        IsOk());
  }

  absl::StatusOr<IssuedSession> Create(const std::string& user) {
    return Wait<IssuedSession>(
        [&](auto done) { store_->Create(user, absl::InfiniteFuture(), done); });
  }
  absl::StatusOr<std::string> Resolve(const std::string& token) {
    return Wait<std::string>([&](auto done) {
      store_->Resolve(token, absl::InfiniteFuture(), done);
    });
  }

  TestRedisServer server_;
  FakeClock clock_{absl::Now()};
  std::unique_ptr<RedisClient> redis_;
  std::unique_ptr<RedisSessionStore> store_;
  std::string user_;
};

TEST_F(RedisSessionStoreTest, CreatedSessionResolvesToItsUser) {
  absl::StatusOr<IssuedSession> session = Create(user_);
  ASSERT_THAT(session, IsOk());
  EXPECT_EQ(session->expire_time, clock_.Now() + absl::Hours(1));
  EXPECT_EQ(*Resolve(session->token), user_);
  // Only the hash is stored.
  EXPECT_THAT(server_.Cli("--scan"), Not(HasSubstr(session->token)));
  const std::string secret =
      session->token.substr(session->token.find('.') + 1);
  EXPECT_THAT(server_.Cli("--scan"), Not(HasSubstr(secret)));
}

TEST_F(RedisSessionStoreTest, UnknownUserGetsNoSession) {
  EXPECT_THAT(Create(NewUserId()), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(RedisSessionStoreTest, RandomAndMalformedTokensAreUnauthenticated) {
  EXPECT_THAT(Resolve(NewSessionToken(user_)),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Resolve("garbage"), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(RedisSessionStoreTest, IdleSessionEnds) {
  absl::StatusOr<IssuedSession> session = Create(user_);
  ASSERT_THAT(session, IsOk());
  absl::SleepFor(absl::Milliseconds(600));
  EXPECT_THAT(Resolve(session->token),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(RedisSessionStoreTest, UseKeepsSessionAliveUntilItsLifetimeEnds) {
  absl::StatusOr<IssuedSession> session = Create(user_);
  ASSERT_THAT(session, IsOk());
  EXPECT_THAT(Resolve(session->token), IsOk());
  clock_.Advance(absl::Hours(1));
  EXPECT_THAT(Resolve(session->token),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(RedisSessionStoreTest, RevokeEndsOnlyThatSession) {
  absl::StatusOr<IssuedSession> first = Create(user_);
  absl::StatusOr<IssuedSession> second = Create(user_);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  absl::Notification revoked;
  store_->Revoke(first->token, absl::InfiniteFuture(), [&](absl::Status s) {
    EXPECT_THAT(s, IsOk());
    revoked.Notify();
  });
  revoked.WaitForNotification();
  EXPECT_THAT(Resolve(first->token),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Resolve(second->token), IsOk());
}

TEST_F(RedisSessionStoreTest, RedisDownIsUnavailable) {
  absl::StatusOr<IssuedSession> session = Create(user_);
  server_.Kill();
  ASSERT_TRUE(testing::WaitUntil([&] { return !redis_->ready(); }));
  EXPECT_THAT(Resolve(session->token),
              StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace gracilis
