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
using ::gracilis::testing::IsOkAndHolds;
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
    UseIdleTimeout(absl::Milliseconds(400));
    user_ = NewUserId();
    ASSERT_THAT(
        ExecuteAndWait(*redis_, {"SET", UserKey(user_, "profile"), "x"}),
        IsOk());
  }

  void UseIdleTimeout(absl::Duration idle) {
    SessionConfig sessions;
    sessions.idle_timeout = idle;
    sessions.lifetime = absl::Hours(1);
    store_ = std::make_unique<RedisSessionStore>(*redis_, clock_, sessions);
  }
  absl::StatusOr<IssuedSession> Create(const std::string& user,
                                       SessionOrigin origin = {}) {
    return Wait<IssuedSession>([&](auto done) {
      store_->Create(user, origin, absl::InfiniteFuture(), done);
    });
  }
  absl::StatusOr<std::vector<SessionRecord>> List(const std::string& token) {
    return Wait<std::vector<SessionRecord>>(
        [&](auto done) { store_->List(token, absl::InfiniteFuture(), done); });
  }
  static std::string IdOf(const IssuedSession& session) {
    return SessionId(ParseSessionToken(session.token)->secret_hash);
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

TEST_F(RedisSessionStoreTest, ListShowsEachLiveSessionNewestFirst) {
  UseIdleTimeout(absl::Hours(2));
  const absl::Time first_time = clock_.Now();
  absl::StatusOr<IssuedSession> phone =
      Create(user_, {"Ann's phone", "203.0.113.0/24"});
  clock_.Advance(absl::Seconds(5));
  absl::StatusOr<IssuedSession> laptop = Create(user_, {"laptop", "::/48"});
  ASSERT_THAT(phone, IsOk());
  ASSERT_THAT(laptop, IsOk());

  absl::StatusOr<std::vector<SessionRecord>> listed = List(phone->token);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 2u);
  const SessionRecord& newest = (*listed)[0];
  const SessionRecord& oldest = (*listed)[1];
  EXPECT_EQ(newest.id, IdOf(*laptop));
  EXPECT_EQ(newest.origin.device_name, "laptop");
  EXPECT_FALSE(newest.current);
  EXPECT_EQ(oldest.id, IdOf(*phone));
  EXPECT_EQ(oldest.origin.device_name, "Ann's phone");
  EXPECT_EQ(oldest.origin.client_address, "203.0.113.0/24");
  EXPECT_TRUE(oldest.current);
  EXPECT_EQ(oldest.create_time,
            absl::FromUnixMillis(absl::ToUnixMillis(first_time)));
  EXPECT_EQ(oldest.expire_time,
            absl::FromUnixMillis(absl::ToUnixMillis(phone->expire_time)));
  // The id is neither the token nor its hash.
  EXPECT_EQ(oldest.id.size(), 16u);
  EXPECT_TRUE(IsValidSessionId(oldest.id));
  EXPECT_EQ(phone->token.find(oldest.id), std::string::npos);
  // Another user's token lists that user's sessions, never these.
  const std::string other = NewUserId();
  ASSERT_THAT(ExecuteAndWait(*redis_, {"SET", UserKey(other, "profile"), "x"}),
              IsOk());
  absl::StatusOr<IssuedSession> theirs = Create(other);
  ASSERT_THAT(theirs, IsOk());
  listed = List(theirs->token);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, IdOf(*theirs));
  EXPECT_THAT(List("garbage"), StatusIs(absl::StatusCode::kUnauthenticated));
}

// The last use is read from the idle TTL that the session rule pushes back
// on use; here Redis' TTL is set as if the other session had been unused
// for 10 minutes.
TEST_F(RedisSessionStoreTest, LastUseFollowsTheSessionsUse) {
  UseIdleTimeout(absl::Minutes(30));
  absl::StatusOr<IssuedSession> mine = Create(user_);
  absl::StatusOr<IssuedSession> other = Create(user_);
  ASSERT_THAT(mine, IsOk());
  ASSERT_THAT(other, IsOk());
  const std::string key =
      SessionKey(user_, ParseSessionToken(other->token)->secret_hash);
  ASSERT_THAT(
      ExecuteAndWait(*redis_, {"PEXPIRE", key,
                               absl::StrCat(absl::ToInt64Milliseconds(
                                   absl::Minutes(30) - absl::Minutes(10)))}),
      IsOk());
  auto unused_for = [&] {
    absl::StatusOr<std::vector<SessionRecord>> listed = List(mine->token);
    EXPECT_THAT(listed, IsOk());
    for (const SessionRecord& record : *listed) {
      if (record.id == IdOf(*other)) {
        return clock_.Now() - record.last_use_time;
      }
    }
    return absl::InfiniteDuration();
  };
  clock_.Advance(absl::Minutes(15));  // so that it can be 10 minutes unused
  const absl::Duration before = unused_for();
  EXPECT_GE(before, absl::Minutes(10) - absl::Seconds(5)) << before;
  EXPECT_LE(before, absl::Minutes(10) + absl::Seconds(1)) << before;
  EXPECT_THAT(Resolve(other->token), IsOk());  // a use
  EXPECT_LE(unused_for(), absl::Seconds(5));

  // The same in the session's last idle timeout before its expiry (10
  // minutes of the hour's lifetime left).
  clock_.Advance(absl::Minutes(35));
  ASSERT_THAT(
      ExecuteAndWait(*redis_, {"PEXPIRE", key,
                               absl::StrCat(absl::ToInt64Milliseconds(
                                   absl::Minutes(30) - absl::Minutes(10)))}),
      IsOk());
  EXPECT_GE(unused_for(), absl::Minutes(10) - absl::Seconds(5));
  EXPECT_THAT(Resolve(other->token), IsOk());
  EXPECT_LE(unused_for(), absl::Seconds(5));
}

TEST_F(RedisSessionStoreTest, RevokeByIdAndRevokeOthersEndOnlyThoseSessions) {
  UseIdleTimeout(absl::Hours(2));
  absl::StatusOr<IssuedSession> mine = Create(user_, {"mine", "a"});
  absl::StatusOr<IssuedSession> lost = Create(user_, {"lost", "b"});
  absl::StatusOr<IssuedSession> old = Create(user_, {"old", "c"});
  ASSERT_THAT(mine, IsOk());
  ASSERT_THAT(lost, IsOk());
  ASSERT_THAT(old, IsOk());
  auto revoke_id = [&](const std::string& id) {
    return Wait<bool>([&](auto done) {
      store_->RevokeById(mine->token, id, absl::InfiniteFuture(), done);
    });
  };
  EXPECT_THAT(revoke_id(IdOf(*lost)), IsOkAndHolds(true));
  EXPECT_THAT(revoke_id(IdOf(*lost)), IsOkAndHolds(false));
  EXPECT_THAT(revoke_id("0123456789abcdef"), IsOkAndHolds(false));
  EXPECT_THAT(Resolve(lost->token),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Resolve(old->token), IsOk());

  absl::StatusOr<int> ended = Wait<int>([&](auto done) {
    store_->RevokeOthers(mine->token, absl::InfiniteFuture(), done);
  });
  EXPECT_THAT(ended, IsOkAndHolds(1));
  EXPECT_THAT(Resolve(old->token),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Resolve(mine->token), IsOk());
  // Nothing of the ended sessions is left.
  EXPECT_EQ(server_.Cli(absl::StrCat("HLEN '", SessionDevicesKey(user_), "'")),
            "3");
  EXPECT_EQ(server_.Cli(absl::StrCat("ZCARD '", SessionIndexKey(user_), "'")),
            "1");
  // An ended token revokes nothing.
  EXPECT_THAT(Wait<int>([&](auto done) {
                store_->RevokeOthers(old->token, absl::InfiniteFuture(), done);
              }),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(RedisSessionStoreTest, SigningInOnceTooOftenEndsTheOldestSession) {
  UseIdleTimeout(absl::Hours(2));
  std::vector<IssuedSession> sessions;
  for (int i = 0; i <= kMaxSessionsPerUser; ++i) {
    absl::StatusOr<IssuedSession> session = Create(user_);
    ASSERT_THAT(session, IsOk());
    sessions.push_back(*session);
    clock_.Advance(absl::Milliseconds(10));
  }
  EXPECT_THAT(Resolve(sessions[0].token),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Resolve(sessions[1].token), IsOk());
  absl::StatusOr<std::vector<SessionRecord>> listed =
      List(sessions.back().token);
  ASSERT_THAT(listed, IsOk());
  EXPECT_EQ(listed->size(), static_cast<size_t>(kMaxSessionsPerUser));
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
