// The mailer against a real Redis (the outbox) and a recording SMTP sender:
// what is due goes out once with a working code; what fails stays, with its
// code ended, and is due again after its backoff. mail_e2e_test covers the
// real SMTP sink, the account service and the gateway.

#include "services/mailer/mailer.h"

#include <future>

#include "absl/strings/match.h"
#include "common/auth/session_token.h"
#include "common/status/status_matchers.h"
#include "common/testing/redis_server.h"
#include "common/testing/smtp_sink.h"
#include "gtest/gtest.h"

namespace gracilis::mailer {
namespace {

using account::MailClaim;
using account::MailPurpose;
using ::gracilis::testing::IsOk;
using ::gracilis::testing::TestRedisServer;

class RecordingSender final : public SmtpSender {
 public:
  absl::Status Send(const std::string& to,
                    const account::MailText& mail) override {
    if (!up) {
      return absl::UnavailableError("SMTP down (test)");
    }
    sent.push_back({to, mail});
    return absl::OkStatus();
  }
  bool up = true;
  std::vector<std::pair<std::string, account::MailText>> sent;
};

class MailerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(redis_server_.Start(), IsOk());
    RedisConfig config;
    config.address = {"127.0.0.1", redis_server_.port()};
    redis_ = std::make_unique<RedisClient>(
        config,
        std::vector<LibraryUse>{Owns(account::RedisMailStore::Functions())},
        nullptr);
    ASSERT_THAT(StartAndAwaitReady(*redis_, config, absl::Seconds(10)), IsOk());
    store_ = std::make_unique<account::RedisMailStore>(*redis_,
                                                       account::MailLimits());
  }
  void TearDown() override { redis_->Stop(); }

  void Queue(const std::string& user_id, MailPurpose purpose,
             const std::string& email) {
    std::promise<absl::Status> queued;
    store_->Queue(user_id, purpose, email, "", absl::InfiniteFuture(),
                  [&](absl::Status s) { queued.set_value(s); });
    ASSERT_THAT(queued.get_future().get(), IsOk());
  }

  MailClaim::Outcome Claim(const std::string& code, MailPurpose purpose) {
    std::optional<ParsedToken> parsed = ParseSessionToken(code);
    if (!parsed.has_value()) return MailClaim::Outcome::kInvalid;
    std::promise<MailClaim::Outcome> claimed;
    store_->Claim(parsed->user_id, purpose, parsed->secret_hash, NewUserId(),
                  absl::InfiniteFuture(), [&](absl::StatusOr<MailClaim> claim) {
                    claimed.set_value(claim.ok() ? claim->outcome
                                                 : MailClaim::Outcome::kBusy);
                  });
    return claimed.get_future().get();
  }

  static std::string CodeIn(const account::MailText& mail) {
    return testing::MailedCode(mail.body);
  }

  TestRedisServer redis_server_;
  std::unique_ptr<RedisClient> redis_;
  std::unique_ptr<account::RedisMailStore> store_;
};

TEST_F(MailerTest, DueMailGoesOutOnceWithACodeThatOpensItsGrant) {
  const std::string ann = NewUserId();
  const std::string bob = NewUserId();
  Queue(ann, MailPurpose::kPasswordReset, "ann@example.com");
  Queue(bob, MailPurpose::kVerifyEmail, "bob@example.com");
  // Asked twice before it went: one mail.
  Queue(ann, MailPurpose::kPasswordReset, "ann@example.com");
  RecordingSender smtp;
  Mailer mailer(*store_, smtp, MailerConfig(), nullptr);
  absl::StatusOr<PassResult> pass = mailer.RunOnce();
  ASSERT_THAT(pass.status(), IsOk());
  EXPECT_EQ(pass->sent, 2);
  EXPECT_EQ(pass->pending, 0);
  ASSERT_EQ(smtp.sent.size(), 2u);
  for (const auto& [to, mail] : smtp.sent) {
    const bool to_ann = to == "ann@example.com";
    const MailPurpose purpose =
        to_ann ? MailPurpose::kPasswordReset : MailPurpose::kVerifyEmail;
    const std::string code = CodeIn(mail);
    EXPECT_TRUE(absl::StartsWith(code, to_ann ? ann : bob)) << code;
    // Its own grant only.
    const MailPurpose other =
        to_ann ? MailPurpose::kVerifyEmail : MailPurpose::kPasswordReset;
    EXPECT_EQ(Claim(code, other), MailClaim::Outcome::kInvalid);
    EXPECT_EQ(Claim(code, purpose), MailClaim::Outcome::kClaimed);
  }
  // Nothing is due any more.
  ASSERT_THAT(mailer.RunOnce().status(), IsOk());
  EXPECT_EQ(smtp.sent.size(), 2u);
  // The outbox holds no code in clear: only hashes.
  for (const auto& [to, mail] : smtp.sent) {
    const std::string code = CodeIn(mail);
    EXPECT_FALSE(absl::StrContains(redis_server_.Cli("--scan"),
                                   code.substr(code.find('.') + 1)));
  }
}

TEST_F(MailerTest, FailedMailKeepsWaitingWithItsCodeEndedUntilItGoesOut) {
  const std::string ann = NewUserId();
  Queue(ann, MailPurpose::kPasswordReset, "ann@example.com");
  RecordingSender smtp;
  smtp.up = false;
  // Captures the code of the failed attempt by sending it nowhere.
  Mailer mailer(*store_, smtp, MailerConfig(), nullptr);
  absl::StatusOr<PassResult> pass = mailer.RunOnce();
  ASSERT_THAT(pass.status(), IsOk());
  EXPECT_EQ(pass->failed, 1);
  EXPECT_EQ(pass->pending, 1);
  // Not due again before its backoff (5 s).
  smtp.up = true;
  ASSERT_THAT(mailer.RunOnce().status(), IsOk());
  EXPECT_TRUE(smtp.sent.empty());
  absl::StatusOr<PassResult> later;
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        later = mailer.RunOnce();
        return later.ok() && later->sent == 1;
      },
      absl::Seconds(10)));
  EXPECT_EQ(later->pending, 0);
  ASSERT_EQ(smtp.sent.size(), 1u);
  EXPECT_EQ(Claim(CodeIn(smtp.sent[0].second), MailPurpose::kPasswordReset),
            MailClaim::Outcome::kClaimed);
}

TEST_F(MailerTest, TakenMailIsLeasedSoTwoMailersSendItOnce) {
  for (int i = 0; i < 20; ++i) {
    Queue(NewUserId(), MailPurpose::kVerifyEmail,
          absl::StrCat("user", i, "@example.com"));
  }
  RecordingSender first_smtp;
  RecordingSender second_smtp;
  Mailer first(*store_, first_smtp, MailerConfig(), nullptr);
  Mailer second(*store_, second_smtp, MailerConfig(), nullptr);
  auto a = std::async(std::launch::async, [&] { return first.RunOnce(); });
  auto b = std::async(std::launch::async, [&] { return second.RunOnce(); });
  ASSERT_THAT(a.get().status(), IsOk());
  ASSERT_THAT(b.get().status(), IsOk());
  std::set<std::string> to;
  for (const auto* smtp : {&first_smtp, &second_smtp}) {
    for (const auto& sent : smtp->sent) {
      EXPECT_TRUE(to.insert(sent.first).second) << sent.first << " twice";
    }
  }
  EXPECT_EQ(to.size(), 20u);
}

TEST(MailRulesTest, RetriesBackOffFrom5SecondsTo10Minutes) {
  EXPECT_EQ(account::RetryDelay(1), absl::Seconds(5));
  EXPECT_EQ(account::RetryDelay(2), absl::Seconds(10));
  EXPECT_EQ(account::RetryDelay(4), absl::Seconds(40));
  EXPECT_EQ(account::RetryDelay(8), absl::Minutes(10));
  EXPECT_EQ(account::RetryDelay(100), absl::Minutes(10));
}

TEST(MailRulesTest, TheMessageIsPlainTextWithHeadersAndCrlfLines) {
  const account::MailText text = account::ComposeMail(
      MailPurpose::kPasswordReset, "CODE123", "https://gracilis.app/");
  const std::string message =
      FormatMessage(SmtpConfig(), "ann@example.com", text,
                    absl::FromUnixSeconds(1796000000), "m1");
  EXPECT_TRUE(absl::StrContains(message, "To: <ann@example.com>\r\n"));
  EXPECT_TRUE(
      absl::StrContains(message, "From: Gracilis <no-reply@gracilis.app>\r\n"));
  EXPECT_TRUE(
      absl::StrContains(message, "Subject: Reset your Gracilis password\r\n"));
  EXPECT_TRUE(absl::StrContains(message, "Message-ID: <m1@gracilis.app>\r\n"));
  EXPECT_TRUE(absl::StrContains(message,
                                "https://gracilis.app/reset?code=CODE123\r\n"));
  EXPECT_TRUE(absl::StrContains(message, "\r\n\r\nSomeone asked"));
  EXPECT_EQ(message.find("\n"), message.find("\r\n") + 1);
}

}  // namespace
}  // namespace gracilis::mailer
