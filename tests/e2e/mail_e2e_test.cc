// Mail end to end: the account service queues it, gracilis-mailer delivers
// it over SMTP to a real sink (aiosmtpd), and the mailed codes verify an
// email and reset a password, through the real gateway.

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status/errors.h"
#include "common/status/status_matchers.h"
#include "common/testing/signed_in_call.h"
#include "gmock/gmock.h"
#include "gracilis/account/v1/account.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/e2e/test_stack.h"

namespace gracilis::testing {
namespace {

namespace v1 = gracilis::account::v1;
using Stub = v1::AccountService::Stub;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPassword[] = "correct horse battery staple";
constexpr char kNewPassword[] = "a brand new passphrase";

class MailE2eTest : public ::testing::Test {
 protected:
  // One stack for the suite (it takes seconds to start); a failure to
  // start fails every test (gtest would only skip them).
  static void SetUpTestSuite() {
    stack_ = new TestStack();
    started_ = new absl::Status(stack_->Start());
    if (started_->ok()) {
      *started_ = stack_->StartMail();
    }
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
    delete started_;
    started_ = nullptr;
  }

  void SetUp() override {
    ASSERT_THAT(*started_, IsOk());
    accounts_ = v1::AccountService::NewStub(stack_->GatewayChannel());
  }

  // A unique email for this test.
  static std::string Email(absl::string_view name) {
    return absl::StrCat(name, "-", absl::ToUnixNanos(absl::Now()),
                        "@example.com");
  }

  v1::RegisterResponse Register(const std::string& email) {
    v1::RegisterRequest request;
    request.set_request_id(absl::StrCat("r", absl::ToUnixNanos(absl::Now())));
    request.set_email(email);
    request.set_password(kPassword);
    absl::StatusOr<v1::RegisterResponse> registered =
        SignedInCall(*accounts_, &Stub::Register, request, "");
    EXPECT_THAT(registered.status(), IsOk());
    return registered.value_or(v1::RegisterResponse());
  }

  absl::StatusOr<v1::LoginResponse> Login(const std::string& email,
                                          const std::string& password) {
    v1::LoginRequest request;
    request.set_email(email);
    request.set_password(password);
    return SignedInCall(*accounts_, &Stub::Login, request, "");
  }

  absl::Status RequestReset(const std::string& email) {
    v1::RequestPasswordResetRequest request;
    request.set_email(email);
    return SignedInCall(*accounts_, &Stub::RequestPasswordReset, request, "")
        .status();
  }

  absl::Status Reset(const std::string& code, const std::string& password) {
    v1::ResetPasswordRequest request;
    request.set_code(code);
    request.set_new_password(password);
    return SignedInCall(*accounts_, &Stub::ResetPassword, request, "").status();
  }

  absl::Status Verify(const std::string& code) {
    v1::VerifyEmailRequest request;
    request.set_code(code);
    return SignedInCall(*accounts_, &Stub::VerifyEmail, request, "").status();
  }

  // The mails the sink has for `to`, oldest first.
  static std::vector<std::string> MailsTo(const std::string& to) {
    std::vector<std::string> found;
    for (const std::string& mail : stack_->smtp_sink().Mails()) {
      if (absl::StrContains(mail, absl::StrCat("To: <", to, ">"))) {
        found.push_back(mail);
      }
    }
    return found;
  }

  // Waits for the `n`th mail to `to` (1-based) and returns it.
  static std::string WaitForMail(const std::string& to, size_t n = 1,
                                 absl::Duration limit = absl::Seconds(10)) {
    std::string mail;
    WaitUntil(
        [&] {
          std::vector<std::string> mails = MailsTo(to);
          if (mails.size() < n) return false;
          mail = mails[n - 1];
          return true;
        },
        limit);
    return mail;
  }

  static TestStack* stack_;
  static absl::Status* started_;
  std::unique_ptr<Stub> accounts_;
};

TestStack* MailE2eTest::stack_ = nullptr;
absl::Status* MailE2eTest::started_ = nullptr;

bool IsMailCodeInvalid(const absl::Status& status) {
  return absl::IsInvalidArgument(status) &&
         ReasonOf(status) == "MAIL_CODE_INVALID" &&
         absl::StrContains(status.message(), "code");
}

TEST_F(MailE2eTest, RegisteringMailsACodeThatVerifiesTheEmail) {
  const std::string email = Email("vera");
  const v1::RegisterResponse registered = Register(email);
  EXPECT_FALSE(registered.profile().email_verified());

  const std::string mail = WaitForMail(email);
  ASSERT_FALSE(mail.empty()) << "no verification mail arrived";
  EXPECT_THAT(mail, HasSubstr("Subject: Confirm your email for Gracilis"));
  EXPECT_THAT(mail, HasSubstr("Content-Type: text/plain"));
  EXPECT_THAT(mail, HasSubstr("gracilis email verify"));
  const std::string code = MailedCode(mail);
  ASSERT_FALSE(code.empty()) << mail;
  EXPECT_THAT(mail, HasSubstr("The code works once, for 72 hours."));

  // A code for verification resets no password.
  EXPECT_TRUE(IsMailCodeInvalid(Reset(code, kNewPassword)));
  ASSERT_THAT(Verify(code), IsOk());
  absl::StatusOr<v1::Profile> profile =
      SignedInCall(*accounts_, &Stub::GetProfile, v1::GetProfileRequest(),
                   registered.session().token());
  ASSERT_THAT(profile.status(), IsOk());
  EXPECT_TRUE(profile->email_verified());
  // Once only.
  EXPECT_TRUE(IsMailCodeInvalid(Verify(code)));
  // Verified: asking again sends nothing.
  ASSERT_THAT(SignedInCall(*accounts_, &Stub::RequestEmailVerification,
                           v1::RequestEmailVerificationRequest(),
                           registered.session().token())
                  .status(),
              IsOk());
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(MailsTo(email).size(), 1u);
}

TEST_F(MailE2eTest, AResetMailSetsANewPasswordAndEndsEverySession) {
  const std::string email = Email("rhea");
  const v1::RegisterResponse registered = Register(email);
  absl::StatusOr<v1::LoginResponse> phone = Login(email, kPassword);
  ASSERT_THAT(phone.status(), IsOk());
  WaitForMail(email);  // the verification mail

  // The same answer with or without an account.
  const std::string stranger = Email("nobody");
  EXPECT_THAT(RequestReset(stranger), IsOk());
  ASSERT_THAT(RequestReset(email), IsOk());
  const std::string mail = WaitForMail(email, 2);
  ASSERT_FALSE(mail.empty()) << "no reset mail arrived";
  EXPECT_THAT(mail, HasSubstr("Subject: Reset your Gracilis password"));
  EXPECT_THAT(mail, HasSubstr("The code works once, for 1 hour."));
  EXPECT_TRUE(MailsTo(stranger).empty());
  const std::string code = MailedCode(mail);
  ASSERT_FALSE(code.empty()) << mail;

  // A forged code (one character changed), a malformed one, and a session
  // token open nothing; a bad new password names its field and leaves the
  // code usable.
  std::string forged = code;
  forged[forged.size() - 2] = forged[forged.size() - 2] == 'A' ? 'B' : 'A';
  EXPECT_TRUE(IsMailCodeInvalid(Reset(forged, kNewPassword)));
  EXPECT_TRUE(IsMailCodeInvalid(Reset("not a code", kNewPassword)));
  EXPECT_TRUE(
      IsMailCodeInvalid(Reset(registered.session().token(), kNewPassword)));
  const absl::Status short_password = Reset(code, "short");
  EXPECT_TRUE(absl::IsInvalidArgument(short_password));
  EXPECT_THAT(std::string(short_password.message()), HasSubstr("new_password"));

  ASSERT_THAT(Reset(code, kNewPassword), IsOk());
  // Every session has ended; the old password is gone, the new one works.
  for (const std::string& token :
       {registered.session().token(), phone->session().token()}) {
    EXPECT_TRUE(
        absl::IsUnauthenticated(SignedInCall(*accounts_, &Stub::GetProfile,
                                             v1::GetProfileRequest(), token)
                                    .status()));
  }
  EXPECT_TRUE(absl::IsUnauthenticated(Login(email, kPassword).status()));
  EXPECT_THAT(Login(email, kNewPassword).status(), IsOk());
  // Once only.
  EXPECT_TRUE(IsMailCodeInvalid(Reset(code, "yet another passphrase")));
  EXPECT_THAT(Login(email, kNewPassword).status(), IsOk());
}

TEST_F(MailE2eTest, AnEmailChangeTakesEffectOnceTheNewAddressIsConfirmed) {
  const std::string before = Email("cleo");
  const std::string after = Email("cleo-new");
  const v1::RegisterResponse registered = Register(before);
  const std::string token = registered.session().token();
  ASSERT_THAT(Verify(MailedCode(WaitForMail(before))), IsOk());
  auto change = [&](const std::string& to, const std::string& password) {
    v1::RequestEmailChangeRequest request;
    request.set_new_email(to);
    request.set_password(password);
    return SignedInCall(*accounts_, &Stub::RequestEmailChange, request, token)
        .status();
  };
  auto profile = [&] {
    return SignedInCall(*accounts_, &Stub::GetProfile, v1::GetProfileRequest(),
                        token)
        .value_or(v1::Profile());
  };
  EXPECT_TRUE(absl::IsUnauthenticated(change(after, "not the password")));
  const absl::Status same = change(before, kPassword);
  EXPECT_TRUE(absl::IsInvalidArgument(same));
  EXPECT_THAT(std::string(same.message()), HasSubstr("new_email"));
  ASSERT_THAT(change(after, kPassword), IsOk());

  // Until the new address is confirmed nothing changes.
  const std::string mail = WaitForMail(after);
  ASSERT_FALSE(mail.empty()) << "no mail to the new address";
  EXPECT_EQ(profile().email(), before);
  EXPECT_TRUE(profile().email_verified());
  EXPECT_TRUE(absl::IsUnauthenticated(Login(after, kPassword).status()));
  EXPECT_THAT(Login(before, kPassword).status(), IsOk());

  const std::string code = MailedCode(mail);
  ASSERT_THAT(Verify(code), IsOk());
  EXPECT_EQ(profile().email(), after);
  EXPECT_TRUE(profile().email_verified());
  EXPECT_THAT(Login(after, kPassword).status(), IsOk());
  EXPECT_TRUE(absl::IsUnauthenticated(Login(before, kPassword).status()));
  EXPECT_TRUE(IsMailCodeInvalid(Verify(code)));
  // The old address is free again.
  Register(before);
  WaitForMail(before, 2);  // that account's verification

  // Another account's email: refused when confirmed, nothing changes.
  ASSERT_THAT(change(before, kPassword), IsOk());
  const absl::Status taken = Verify(MailedCode(WaitForMail(before, 3)));
  EXPECT_TRUE(absl::IsAlreadyExists(taken)) << taken;
  EXPECT_EQ(ReasonOf(taken), "EMAIL_TAKEN");
  EXPECT_EQ(profile().email(), after);
  EXPECT_THAT(Login(after, kPassword).status(), IsOk());
}

TEST_F(MailE2eTest, MailRequestsAreThrottledAlikeForEveryEmail) {
  // Straight to the account service, naming a client address of its own
  // as the gateway would (loopback is a trusted proxy).
  auto direct = v1::AccountService::NewStub(
      grpc::CreateChannel(stack_->service_address("gracilis-account"),
                          grpc::InsecureChannelCredentials()));
  auto request_from = [&](const std::string& address,
                          const std::string& email) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    context.AddMetadata("x-client-address", address);
    v1::RequestPasswordResetRequest request;
    request.set_email(email);
    google::protobuf::Empty empty;
    return FromGrpcStatus(
        direct->RequestPasswordReset(&context, request, &empty));
  };
  const std::string email = Email("tess");
  Register(email);
  WaitForMail(email);
  const std::string stranger = Email("nobody");
  // Four requests each for an account's email and for a stranger's, each
  // after the last mail arrived (requests while one waits share its mail):
  // all answered OK, and the account's email gets 3 reset mails, not 4.
  for (int i = 0; i < 4; ++i) {
    EXPECT_THAT(request_from("198.51.100.7", email), IsOk());
    EXPECT_THAT(request_from("198.51.100.7", stranger), IsOk());
    if (i < 3) {
      EXPECT_FALSE(WaitForMail(email, i + 2).empty()) << "reset mail " << i;
    }
  }
  absl::SleepFor(absl::Seconds(1));
  EXPECT_EQ(MailsTo(email).size(), 4u);  // verification + 3 resets
  EXPECT_TRUE(MailsTo(stranger).empty());
  // From one address, the 11th request an hour is refused whatever the
  // email, with the time to wait; another address goes on.
  EXPECT_THAT(request_from("198.51.100.7", Email("x")), IsOk());
  EXPECT_THAT(request_from("198.51.100.7", Email("y")), IsOk());
  const absl::Status throttled = request_from("198.51.100.7", Email("z"));
  EXPECT_TRUE(absl::IsResourceExhausted(throttled)) << throttled;
  EXPECT_EQ(ReasonOf(throttled), "MAIL_THROTTLED");
  EXPECT_GT(RetryDelayOf(throttled), absl::Minutes(50));
  EXPECT_THAT(request_from("198.51.100.8", Email("z")), IsOk());
  // An email that is not one is named.
  const absl::Status malformed = request_from("198.51.100.9", "no-at-sign");
  EXPECT_TRUE(absl::IsInvalidArgument(malformed));
  EXPECT_THAT(std::string(malformed.message()), HasSubstr("email"));
}

TEST_F(MailE2eTest, AnSmtpOutageDelaysMailAndLosesNone) {
  const std::string email = Email("otto");
  Register(email);
  WaitForMail(email);
  stack_->smtp_sink().Stop();
  ASSERT_THAT(RequestReset(email), IsOk());
  // The mailer fails to deliver, keeps the mail, and says so.
  EXPECT_TRUE(WaitUntil([] {
    const std::string metrics = stack_->MailerMetrics();
    return absl::StrContains(
               metrics,
               "gracilis_mail_send_failures_total{purpose=\"reset\"} 1") &&
           absl::StrContains(metrics, "gracilis_mail_outbox_pending 1");
  })) << stack_->MailerMetrics();
  ASSERT_THAT(stack_->smtp_sink().Start(), IsOk());
  // Tried again after its backoff (5 s): it arrives, and its code works.
  const std::string mail = WaitForMail(email, 2, absl::Seconds(20));
  ASSERT_FALSE(mail.empty()) << "the held-up mail never arrived";
  EXPECT_THAT(Reset(MailedCode(mail), kNewPassword), IsOk());
  EXPECT_TRUE(WaitUntil([] {
    return absl::StrContains(stack_->MailerMetrics(),
                             "gracilis_mail_outbox_pending 0");
  }));
}

}  // namespace
}  // namespace gracilis::testing
