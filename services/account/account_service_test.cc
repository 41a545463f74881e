// AccountService through real gRPC against a real redis-server.

#include "services/account/account_service.h"

#include <future>
#include <map>

#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "common/auth/session_token.h"
#include "common/grpc/service_host.h"
#include "common/status/errors.h"
#include "common/status/grpc_status.h"
#include "common/status/status_matchers.h"
#include "common/testing/redis_server.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/health_check_service_interface.h"
#include "gtest/gtest.h"
#include "services/account/domain/password.h"

namespace gracilis::account {
namespace {

using ::gracilis::testing::IsOk;
using ::gracilis::testing::StatusIs;
using ::gracilis::testing::TestRedisServer;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPassword[] = "correct horse battery";

class AccountServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(redis_server_.Start(), IsOk());
    RedisConfig redis_config;
    redis_config.address = {"127.0.0.1", redis_server_.port()};
    redis_config.command_timeout = absl::Milliseconds(300);
    redis_config.reconnect_max = absl::Milliseconds(200);
    redis_ = std::make_unique<RedisClient>(
        redis_config,
        std::vector<LibraryUse>{Owns(RedisSessionStore::Functions()),
                                Owns(RedisAccountStore::Functions()),
                                Owns(RedisMailStore::Functions())},
        nullptr);
    sessions_ =
        std::make_unique<RedisSessionStore>(*redis_, clock_, SessionConfig());
    throttle_.max_failures = 3;
    throttle_.first_delay = absl::Seconds(1);
    throttle_.max_account_failures = 8;
    store_ = std::make_unique<RedisAccountStore>(*redis_, throttle_);
    mail_ = std::make_unique<RedisMailStore>(*redis_, MailLimits());
    service_ = std::make_unique<AccountService>(
        *store_, *sessions_, *mail_, workers_, clock_, throttle_, nullptr);
    ServerConfig server_config;
    server_config.listen = {"127.0.0.1", 0};
    server_config.shutdown_grace = absl::Seconds(1);
    host_ = std::make_unique<ServiceHost>(server_config);
    host_->AddService(service_.get(), "gracilis.account.v1.AccountService");
    ASSERT_THAT(host_->Start(), IsOk());
    redis_->SetReadinessListener(
        [this](bool ready) { host_->SetServing(ready); });
    redis_->Start();
    auto channel =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", host_->port()),
                            grpc::InsecureChannelCredentials());
    stub_ = v1::AccountService::NewStub(channel);
    health_ = grpc::health::v1::Health::NewStub(channel);
    ASSERT_TRUE(WaitForHealth(grpc::health::v1::HealthCheckResponse::SERVING));
  }

  void TearDown() override {
    host_->Drain();
    redis_->Stop();
  }

  bool WaitForHealth(
      grpc::health::v1::HealthCheckResponse::ServingStatus want) {
    return testing::WaitUntil([&] {
      grpc::ClientContext context;
      grpc::health::v1::HealthCheckRequest request;
      grpc::health::v1::HealthCheckResponse response;
      return health_->Check(&context, request, &response).ok() &&
             response.status() == want;
    });
  }

  template <typename Request, typename Response, typename Method>
  absl::Status Call(Method method, const Request& request, Response* response,
                    const std::string& token = "") {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(5));
    if (!token.empty()) {
      context.AddMetadata("authorization", "Bearer " + token);
    }
    if (!client_address_.empty()) {
      // As the gateway sets it (this test's peer, loopback, is trusted).
      context.AddMetadata("x-client-address", client_address_);
    }
    return FromGrpcStatus(((*stub_).*method)(&context, request, response));
  }

  absl::StatusOr<v1::RegisterResponse> Register(
      const std::string& email, const std::string& request_id,
      const std::string& password = kPassword) {
    v1::RegisterRequest request;
    request.set_email(email);
    request.set_password(password);
    request.set_request_id(request_id);
    v1::RegisterResponse response;
    absl::Status status =
        Call(&v1::AccountService::Stub::Register, request, &response);
    if (!status.ok()) {
      return status;
    }
    return response;
  }

  absl::StatusOr<v1::LoginResponse> Login(const std::string& email,
                                          const std::string& password,
                                          const std::string& device = "") {
    v1::LoginRequest request;
    request.set_email(email);
    request.set_password(password);
    request.set_device_name(device);
    v1::LoginResponse response;
    absl::Status status =
        Call(&v1::AccountService::Stub::Login, request, &response);
    if (!status.ok()) {
      return status;
    }
    return response;
  }

  absl::StatusOr<v1::Profile> GetProfile(const std::string& token,
                                         const std::string& name = "users/me") {
    v1::GetProfileRequest request;
    request.set_name(name);
    v1::Profile response;
    absl::Status status =
        Call(&v1::AccountService::Stub::GetProfile, request, &response, token);
    if (!status.ok()) {
      return status;
    }
    return response;
  }

  absl::Status UpdateWeight(const std::string& token, double kg) {
    v1::UpdateProfileRequest request;
    request.mutable_profile()->mutable_body_weight()->set_value(kg);
    request.mutable_profile()->mutable_body_weight()->set_unit(
        type::v1::MASS_UNIT_KILOGRAM);
    request.mutable_update_mask()->add_paths("body_weight");
    v1::Profile response;
    return Call(&v1::AccountService::Stub::UpdateProfile, request, &response,
                token);
  }

  absl::Status ChangePassword(const std::string& token,
                              const std::string& current,
                              const std::string& next) {
    v1::ChangePasswordRequest request;
    request.set_current_password(current);
    request.set_new_password(next);
    google::protobuf::Empty empty;
    return Call(&v1::AccountService::Stub::ChangePassword, request, &empty,
                token);
  }

  absl::StatusOr<v1::ListSessionsResponse> ListSessions(
      const std::string& token) {
    v1::ListSessionsResponse response;
    absl::Status status = Call(&v1::AccountService::Stub::ListSessions,
                               v1::ListSessionsRequest(), &response, token);
    if (!status.ok()) {
      return status;
    }
    return response;
  }

  absl::Status RevokeSession(const std::string& token,
                             const std::string& name) {
    v1::RevokeSessionRequest request;
    request.set_name(name);
    google::protobuf::Empty empty;
    return Call(&v1::AccountService::Stub::RevokeSession, request, &empty,
                token);
  }

  TestRedisServer redis_server_;
  SystemClock clock_;
  LoginThrottle throttle_;
  std::string client_address_;
  PasswordWorkers workers_{2, 64};
  std::unique_ptr<RedisClient> redis_;
  std::unique_ptr<RedisSessionStore> sessions_;
  std::unique_ptr<RedisAccountStore> store_;
  std::unique_ptr<RedisMailStore> mail_;
  std::unique_ptr<AccountService> service_;
  std::unique_ptr<ServiceHost> host_;
  std::unique_ptr<v1::AccountService::Stub> stub_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

TEST_F(AccountServiceTest, RegisterLoginProfileLogoutJourney) {
  absl::StatusOr<v1::RegisterResponse> registered =
      Register("Ana@Example.com", "r1");
  ASSERT_THAT(registered, IsOk());
  EXPECT_EQ(registered->profile().email(), "ana@example.com");
  EXPECT_FALSE(registered->session().token().empty());

  absl::StatusOr<v1::LoginResponse> login = Login("ana@example.com", kPassword);
  ASSERT_THAT(login, IsOk());
  EXPECT_EQ(login->user(), registered->profile().name());
  const std::string token = login->session().token();
  EXPECT_NE(token, registered->session().token());  // a new token per login

  ASSERT_THAT(UpdateWeight(token, 64.5), IsOk());
  absl::StatusOr<v1::Profile> profile = GetProfile(token);
  ASSERT_THAT(profile, IsOk());
  EXPECT_EQ(profile->body_weight().value(), 64.5);

  google::protobuf::Empty empty;
  ASSERT_THAT(Call(&v1::AccountService::Stub::Logout, v1::LogoutRequest(),
                   &empty, token),
              IsOk());
  EXPECT_THAT(GetProfile(token), StatusIs(absl::StatusCode::kUnauthenticated));
  // The registration session is independent and still works.
  EXPECT_THAT(GetProfile(registered->session().token()), IsOk());
  // No password or token in Redis.
  const std::string dump =
      redis_server_.Cli("--scan") +
      redis_server_.Cli("HGETALL '{e:ana@example.com}:login'");
  EXPECT_THAT(dump, Not(HasSubstr(kPassword)));
  EXPECT_THAT(dump, Not(HasSubstr(token.substr(token.find('.') + 1))));
}

TEST_F(AccountServiceTest, RegisterIsIdempotentByRequestId) {
  absl::StatusOr<v1::RegisterResponse> first =
      Register("b@example.com", "same");
  absl::StatusOr<v1::RegisterResponse> retry =
      Register("b@example.com", "same");
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(retry, IsOk());
  EXPECT_EQ(first->profile().name(), retry->profile().name());
  EXPECT_THAT(Register("b@example.com", "other"),
              StatusIs(absl::StatusCode::kAlreadyExists));
  absl::Status reused =
      Register("b@example.com", "same", "another password!").status();
  EXPECT_THAT(reused, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(reused), "REQUEST_ID_REUSED");
}

TEST_F(AccountServiceTest, BadRegistrationNamesTheFields) {
  absl::Status status = Register("nope", "r", "short").status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_EQ(FieldViolationsOf(status).size(), 2u);
  EXPECT_EQ(FieldViolationsOf(status)[0].field, "email");
  EXPECT_EQ(FieldViolationsOf(status)[1].field, "password");
  EXPECT_EQ(redis_server_.Cli("DBSIZE"), "0");  // nothing stored
}

TEST_F(AccountServiceTest,
       WrongPasswordAndUnknownEmailLookAlikeAndAreThrottled) {
  ASSERT_THAT(Register("c@example.com", "r"), IsOk());
  absl::Status wrong = Login("c@example.com", "wrong password!").status();
  absl::Status unknown = Login("nobody@example.com", kPassword).status();
  EXPECT_THAT(wrong, StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_EQ(wrong.message(), unknown.message());
  EXPECT_EQ(ReasonOf(wrong), ReasonOf(unknown));

  Login("c@example.com", "wrong again!!").IgnoreError();
  Login("c@example.com", "and again!!!").IgnoreError();
  absl::Status throttled = Login("c@example.com", kPassword).status();
  EXPECT_THAT(throttled, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(ReasonOf(throttled), "LOGIN_THROTTLED");
  EXPECT_GT(RetryDelayOf(throttled), absl::ZeroDuration());
}

// Issue 21: a third party guessing from another address cannot lock the
// owner out; a guesser spread over many addresses closes the account for
// the window, but not to the addresses the owner logged in from before.
TEST_F(AccountServiceTest, GuessersAreThrottledPerAddressNotTheOwner) {
  ASSERT_THAT(Register("owner@example.com", "r"), IsOk());
  client_address_ = "203.0.113.7";
  for (int i = 0; i < 5; ++i) {
    Login("owner@example.com", absl::StrCat("guess number ", i)).IgnoreError();
  }
  const absl::Status guesser = Login("owner@example.com", kPassword).status();
  EXPECT_THAT(guesser, StatusIs(absl::StatusCode::kResourceExhausted,
                                HasSubstr("from this address")));
  client_address_ = "198.51.100.2";  // the owner, at home
  EXPECT_THAT(Login("owner@example.com", kPassword), IsOk());

  // Eight failures from many addresses close the account for the window to
  // addresses it was never used from (the owner's new phone, say)...
  for (int i = 0; i < 8; ++i) {
    client_address_ = absl::StrCat("192.0.2.", i);
    Login("owner@example.com", "not the password").IgnoreError();
  }
  client_address_ = "198.51.100.99";
  EXPECT_THAT(Login("owner@example.com", kPassword).status(),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("from many addresses")));
  // ... but not at home, where the owner logged in before.
  client_address_ = "198.51.100.2";
  EXPECT_THAT(Login("owner@example.com", kPassword), IsOk());
  // (DeleteAccountRemovesEveryKeyAndSession: they go with the account.)
}

// Issue 21: the delays grow. From the third failure in a row (this
// fixture's max_failures) each failure blocks the address for twice as long
// as the one before; a right password starts over. (The block's end is
// moved to now in Redis instead of waiting it out.)
TEST_F(AccountServiceTest, EachFailureInARowDoublesTheWait) {
  ASSERT_THAT(Register("slow@example.com", "r"), IsOk());
  client_address_ = "203.0.113.9";
  const std::string key = "'{e:slow@example.com}:throttle:203.0.113.9'";
  auto wait_after_failure = [&](const std::string& guess) {
    redis_server_.Cli(absl::StrCat("HSET ", key, " until_ms 0"));
    Login("slow@example.com", guess).IgnoreError();
    return RetryDelayOf(Login("slow@example.com", kPassword).status());
  };
  Login("slow@example.com", "first wrong one").IgnoreError();
  Login("slow@example.com", "second wrong one").IgnoreError();
  std::vector<absl::Duration> waits;
  for (int i = 0; i < 4; ++i) {
    waits.push_back(wait_after_failure(absl::StrCat("wrong again ", i)));
  }
  // 1 s, 2 s, 4 s, 8 s (less the milliseconds the calls took).
  for (int i = 0; i < 4; ++i) {
    const absl::Duration full = throttle_.first_delay * (1 << i);
    EXPECT_GT(waits[i], full - absl::Milliseconds(900)) << i;
    EXPECT_LE(waits[i], full) << i;
  }
  // The right password, once the wait is over, starts over.
  redis_server_.Cli(absl::StrCat("HSET ", key, " until_ms 0"));
  ASSERT_THAT(Login("slow@example.com", kPassword), IsOk());
  Login("slow@example.com", "wrong after all").IgnoreError();
  EXPECT_THAT(Login("slow@example.com", kPassword), IsOk());
}

TEST_F(AccountServiceTest, TokensThatAreNotSessionsAreRejected) {
  absl::StatusOr<v1::RegisterResponse> user = Register("d@example.com", "r");
  ASSERT_THAT(user, IsOk());
  const std::string token = user->session().token();
  EXPECT_THAT(GetProfile(""), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(GetProfile("random-garbage"),
              StatusIs(absl::StatusCode::kUnauthenticated));
  std::string tampered = token;
  tampered[tampered.size() - 5] =
      tampered[tampered.size() - 5] == 'x' ? 'y' : 'x';
  EXPECT_THAT(GetProfile(tampered),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(AccountServiceTest, ExpiredSessionIsRejected) {
  absl::StatusOr<v1::RegisterResponse> user = Register("exp@example.com", "r");
  ASSERT_THAT(user, IsOk());
  const std::string token = user->session().token();
  const std::string user_id = user->profile().name().substr(6);
  // Expire it in Redis as the idle timeout would.
  const std::string keys =
      redis_server_.Cli("--scan --pattern '{u:" + user_id + "}:session:*'");
  ASSERT_FALSE(keys.empty());
  for (absl::string_view key : absl::StrSplit(keys, '\n')) {
    redis_server_.Cli(absl::StrCat("PEXPIRE '", key, "' 1"));
  }
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_THAT(GetProfile(token), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(AccountServiceTest, AnotherUsersProfileIsDenied) {
  absl::StatusOr<v1::RegisterResponse> ana = Register("e1@example.com", "r");
  absl::StatusOr<v1::RegisterResponse> bea = Register("e2@example.com", "r");
  ASSERT_THAT(ana, IsOk());
  ASSERT_THAT(bea, IsOk());
  EXPECT_THAT(GetProfile(ana->session().token(), bea->profile().name()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(GetProfile(ana->session().token(), ana->profile().name()),
              IsOk());
}

TEST_F(AccountServiceTest, BadProfileValuesAreRejectedAndNothingChanges) {
  absl::StatusOr<v1::RegisterResponse> user = Register("f@example.com", "r");
  ASSERT_THAT(user, IsOk());
  const std::string token = user->session().token();
  ASSERT_THAT(UpdateWeight(token, 70), IsOk());
  for (double kg : {0.0, -5.0, 500.5}) {
    absl::Status status = UpdateWeight(token, kg);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument)) << kg;
    ASSERT_FALSE(FieldViolationsOf(status).empty());
    EXPECT_EQ(FieldViolationsOf(status)[0].field, "profile.body_weight.value");
  }
  v1::UpdateProfileRequest request;
  request.mutable_profile()->set_goal(static_cast<v1::Goal>(17));
  request.mutable_update_mask()->add_paths("goal");
  v1::Profile response;
  EXPECT_THAT(
      Call(&v1::AccountService::Stub::UpdateProfile, request, &response, token),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("goal")));
  EXPECT_EQ(GetProfile(token)->body_weight().value(), 70);
}

TEST_F(AccountServiceTest, DeleteAccountRemovesEveryKeyAndSession) {
  absl::StatusOr<v1::RegisterResponse> keep = Register("keep@example.com", "r");
  absl::StatusOr<v1::RegisterResponse> gone = Register("gone@example.com", "r");
  ASSERT_THAT(keep, IsOk());
  ASSERT_THAT(gone, IsOk());
  const std::string user_id = gone->profile().name().substr(6);
  ASSERT_THAT(Login("gone@example.com", kPassword), IsOk());

  v1::DeleteAccountRequest request;
  request.set_password("not the password");
  google::protobuf::Empty empty;
  EXPECT_THAT(Call(&v1::AccountService::Stub::DeleteAccount, request, &empty,
                   gone->session().token()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  request.set_password(kPassword);
  ASSERT_THAT(Call(&v1::AccountService::Stub::DeleteAccount, request, &empty,
                   gone->session().token()),
              IsOk());
  // Only the short-lived deleted marker is left, holding no personal data.
  EXPECT_EQ(redis_server_.Cli("--scan --pattern '{u:" + user_id + "}*'"),
            "{u:" + user_id + "}:deleted");
  const int marker_ttl =
      std::stoi(redis_server_.Cli("TTL '{u:" + user_id + "}:deleted'"));
  EXPECT_GT(marker_ttl, 0);
  EXPECT_LE(marker_ttl, 600);
  EXPECT_EQ(redis_server_.Cli("--scan --pattern '{e:gone@example.com}*'"), "");
  // A login that was already past its password check cannot bring the
  // profile back.
  std::promise<absl::StatusOr<StoredProfile>> recreated;
  store_->CreateProfile(user_id, v1::Profile(), absl::Now() + absl::Seconds(5),
                        [&](absl::StatusOr<StoredProfile> profile) {
                          recreated.set_value(std::move(profile));
                        });
  EXPECT_THAT(recreated.get_future().get().status(),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(redis_server_.Cli("EXISTS '{u:" + user_id + "}:profile'"), "0");
  EXPECT_THAT(GetProfile(gone->session().token()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Login("gone@example.com", kPassword),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(GetProfile(keep->session().token()), IsOk());
  // The email can be registered afresh.
  EXPECT_THAT(Register("gone@example.com", "r2"), IsOk());
}

// AIP-134: with no mask, an update changes what it sets and nothing else.
TEST_F(AccountServiceTest, AnUpdateWithNoMaskChangesWhatItSets) {
  absl::StatusOr<v1::RegisterResponse> ann = Register("ann@example.com", "r");
  ASSERT_THAT(ann, IsOk());
  const std::string& token = ann->session().token();
  ASSERT_THAT(UpdateWeight(token, 64), IsOk());
  absl::StatusOr<v1::Profile> read = GetProfile(token);
  ASSERT_THAT(read, IsOk());
  // The profile as read, with one change and no mask: the output-only
  // fields it carries back are ignored.
  v1::UpdateProfileRequest request;
  *request.mutable_profile() = *read;
  request.mutable_profile()->set_time_zone("Europe/Berlin");
  v1::Profile updated;
  ASSERT_THAT(
      Call(&v1::AccountService::Stub::UpdateProfile, request, &updated, token),
      IsOk());
  EXPECT_EQ(updated.time_zone(), "Europe/Berlin");
  EXPECT_EQ(updated.body_weight().value(), 64);
  // Only the time zone, still no mask.
  request.Clear();
  request.mutable_profile()->set_time_zone("America/New_York");
  ASSERT_THAT(
      Call(&v1::AccountService::Stub::UpdateProfile, request, &updated, token),
      IsOk());
  EXPECT_EQ(updated.time_zone(), "America/New_York");
  EXPECT_EQ(updated.body_weight().value(), 64);
  EXPECT_EQ(GetProfile(token)->body_weight().value(), 64);
  // An output-only field named in a mask is still refused.
  request.mutable_update_mask()->add_paths("email");
  EXPECT_THAT(
      Call(&v1::AccountService::Stub::UpdateProfile, request, &updated, token),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(AccountServiceTest, ChangePasswordEndsEveryOtherSession) {
  absl::StatusOr<v1::RegisterResponse> ann = Register("ann@example.com", "r");
  ASSERT_THAT(ann, IsOk());
  const std::string& here = ann->session().token();
  absl::StatusOr<v1::LoginResponse> elsewhere =
      Login("ann@example.com", kPassword, "old tablet");
  ASSERT_THAT(elsewhere, IsOk());
  const std::string next = "a brand new passphrase";

  absl::Status short_one = ChangePassword(here, kPassword, "short");
  EXPECT_THAT(short_one, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(short_one.message(), HasSubstr("new_password"));
  EXPECT_THAT(ChangePassword(here, "not the password", next),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(ChangePassword(here, "", next),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(GetProfile(elsewhere->session().token()), IsOk());

  ASSERT_THAT(ChangePassword(here, kPassword, next), IsOk());
  EXPECT_THAT(GetProfile(here), IsOk());
  EXPECT_THAT(GetProfile(elsewhere->session().token()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Login("ann@example.com", kPassword),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Login("ann@example.com", next), IsOk());
  // Only a live session may change it.
  EXPECT_THAT(ChangePassword(elsewhere->session().token(), next, kPassword),
              StatusIs(absl::StatusCode::kUnauthenticated));
  // The hash changed; the password itself is nowhere.
  EXPECT_THAT(redis_server_.Cli("HGET '{e:ann@example.com}:login' "
                                "password_hash"),
              Not(HasSubstr(next)));
}

TEST_F(AccountServiceTest, ChangePasswordIsThrottledLikeLogin) {
  absl::StatusOr<v1::RegisterResponse> ann = Register("ann@example.com", "r");
  ASSERT_THAT(ann, IsOk());
  client_address_ = "198.51.100.7";
  for (int i = 0; i < throttle_.max_failures; ++i) {
    EXPECT_THAT(ChangePassword(ann->session().token(), "a wrong guess",
                               "a brand new passphrase"),
                StatusIs(absl::StatusCode::kUnauthenticated));
  }
  absl::Status throttled = ChangePassword(ann->session().token(), kPassword,
                                          "a brand new passphrase");
  EXPECT_THAT(throttled, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(ReasonOf(throttled), "LOGIN_THROTTLED");
  client_address_ = "198.51.100.8";
  EXPECT_THAT(Login("ann@example.com", kPassword), IsOk());  // unchanged
}

TEST_F(AccountServiceTest, TheOwnerSeesAndEndsTheirSessions) {
  v1::RegisterRequest request;
  request.set_email("ann@example.com");
  request.set_password(kPassword);
  request.set_request_id("r");
  request.set_device_name("Ann's phone");
  client_address_ = "203.0.113.77";
  v1::RegisterResponse phone;
  ASSERT_THAT(Call(&v1::AccountService::Stub::Register, request, &phone),
              IsOk());
  client_address_ = "2001:db8:1:2:3::9";
  absl::StatusOr<v1::LoginResponse> laptop =
      Login("ann@example.com", kPassword, "laptop");
  absl::StatusOr<v1::LoginResponse> tablet =
      Login("ann@example.com", kPassword, "");
  ASSERT_THAT(laptop, IsOk());
  ASSERT_THAT(tablet, IsOk());
  const std::string user = laptop->user();

  absl::StatusOr<v1::ListSessionsResponse> listed =
      ListSessions(phone.session().token());
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->sessions_size(), 3);
  std::map<std::string, v1::SessionInfo> by_device;
  for (const v1::SessionInfo& session : listed->sessions()) {
    EXPECT_THAT(session.name(), HasSubstr(user + "/sessions/"));
    EXPECT_EQ(session.name().size(), user.size() + 10 + 16);
    by_device[session.device_name()] = session;
  }
  EXPECT_TRUE(by_device["Ann's phone"].current());
  EXPECT_EQ(by_device["Ann's phone"].client_address(), "203.0.113.0/24");
  EXPECT_FALSE(by_device["laptop"].current());
  EXPECT_EQ(by_device["laptop"].client_address(), "2001:db8:1::/48");
  EXPECT_GT(by_device["laptop"].expire_time().seconds(),
            by_device["laptop"].create_time().seconds());
  EXPECT_EQ(by_device.count(""), 1u);
  // Newest first.
  EXPECT_EQ(listed->sessions(0).device_name(), "");
  // No token or token hash is shown.
  for (const std::string& token :
       {phone.session().token(), laptop->session().token()}) {
    EXPECT_THAT(listed->DebugString(), Not(HasSubstr(token.substr(25))));
  }

  const std::string laptop_name = by_device["laptop"].name();
  const std::string laptop_id = laptop_name.substr(laptop_name.rfind('/') + 1);
  EXPECT_THAT(
      RevokeSession(phone.session().token(), "users/me/sessions/" + laptop_id),
      IsOk());
  EXPECT_THAT(GetProfile(laptop->session().token()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(RevokeSession(phone.session().token(), laptop_name),
              StatusIs(absl::StatusCode::kNotFound));
  for (const std::string& bad :
       {std::string("sessions/") + laptop_id, std::string("users/me"),
        std::string("users/me/sessions/XYZ"),
        "users/me/sessions/" + laptop_id + "0"}) {
    absl::Status status = RevokeSession(phone.session().token(), bad);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
    EXPECT_THAT(status.message(), HasSubstr("name")) << bad;
  }
  // Another user's session is not reachable, even by its right id.
  absl::StatusOr<v1::RegisterResponse> bob = Register("bob@example.com", "r");
  ASSERT_THAT(bob, IsOk());
  EXPECT_THAT(RevokeSession(bob->session().token(), by_device[""].name()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  const std::string tablet_id =
      by_device[""].name().substr(by_device[""].name().rfind('/') + 1);
  EXPECT_THAT(
      RevokeSession(bob->session().token(), "users/me/sessions/" + tablet_id),
      StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(GetProfile(tablet->session().token()), IsOk());

  v1::RevokeOtherSessionsResponse ended;
  ASSERT_THAT(
      Call(&v1::AccountService::Stub::RevokeOtherSessions,
           v1::RevokeOtherSessionsRequest(), &ended, phone.session().token()),
      IsOk());
  EXPECT_EQ(ended.revoked_count(), 1);
  EXPECT_THAT(GetProfile(tablet->session().token()),
              StatusIs(absl::StatusCode::kUnauthenticated));
  listed = ListSessions(phone.session().token());
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->sessions_size(), 1);
  EXPECT_TRUE(listed->sessions(0).current());
  // Revoking the calling session is a logout.
  EXPECT_THAT(
      RevokeSession(phone.session().token(), listed->sessions(0).name()),
      IsOk());
  EXPECT_THAT(ListSessions(phone.session().token()),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(AccountServiceTest, ABadDeviceNameIsRefusedAndNothingIsStored) {
  for (const std::string& name :
       {std::string(65, 'x'), std::string("tab\there"), std::string("a\nb")}) {
    v1::RegisterRequest request;
    request.set_email("ann@example.com");
    request.set_password(kPassword);
    request.set_request_id("r");
    request.set_device_name(name);
    v1::RegisterResponse response;
    absl::Status status =
        Call(&v1::AccountService::Stub::Register, request, &response);
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(status.message(), HasSubstr("device_name"));
  }
  EXPECT_EQ(redis_server_.Cli("DBSIZE"), "0");
  ASSERT_THAT(Register("ann@example.com", "r"), IsOk());
  EXPECT_THAT(Login("ann@example.com", kPassword, std::string(65, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(AccountServiceTest, LoginCompletesARegistrationThatStoppedHalfway) {
  absl::StatusOr<v1::RegisterResponse> user = Register("half@example.com", "r");
  ASSERT_THAT(user, IsOk());
  const std::string user_id = user->profile().name().substr(6);
  // As if Register stopped after claiming the email, before the profile.
  redis_server_.Cli("DEL '{u:" + user_id + "}:profile' '{u:" + user_id +
                    "}:keys'");
  ASSERT_THAT(GetProfile(user->session().token()),
              StatusIs(absl::StatusCode::kNotFound));

  absl::StatusOr<v1::LoginResponse> login =
      Login("half@example.com", kPassword);
  ASSERT_THAT(login, IsOk());
  absl::StatusOr<v1::Profile> profile = GetProfile(login->session().token());
  ASSERT_THAT(profile, IsOk());
  EXPECT_EQ(profile->email(), "half@example.com");
  EXPECT_EQ(profile->name(), user->profile().name());
}

// Issue 19: Register writes the email's claim and the profile in two cluster
// slots. What a service killed between the two leaves (the claim alone,
// written by the store as Register writes it) never locks the email.
TEST_F(AccountServiceTest, ARegistrationKilledBetweenItsWritesLocksNoEmail) {
  const std::string killed_user = NewUserId();
  const auto claim_only = [&](const std::string& email,
                              const std::string& password_hash) {
    absl::Notification done;
    store_->Register(email, {killed_user, password_hash, "killed-request"},
                     absl::Now() + absl::Seconds(5),
                     [&](absl::StatusOr<RegisterResult> result) {
                       EXPECT_THAT(result, IsOk());
                       done.Notify();
                     });
    done.WaitForNotification();
  };
  const absl::StatusOr<std::string> hash = HashPassword(kPassword);
  ASSERT_THAT(hash, IsOk());

  // The same person trying again (a new request id, the same password)
  // finishes it at once.
  claim_only("again@example.com", *hash);
  absl::StatusOr<v1::RegisterResponse> again =
      Register("again@example.com", "new-request");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->profile().name(), "users/" + killed_user);
  EXPECT_THAT(GetProfile(again->session().token()), IsOk());

  // Someone else (another password) is refused while it could still be in
  // flight, and takes the email over once it cannot be.
  claim_only("stale@example.com", *hash);
  EXPECT_THAT(Register("stale@example.com", "other", "another password 1"),
              StatusIs(absl::StatusCode::kAlreadyExists));
  const std::string login_key = "'{e:stale@example.com}:login'";
  const std::string since =
      redis_server_.Cli("HGET " + login_key + " unfinished_since");
  ASSERT_FALSE(since.empty());
  redis_server_.Cli(absl::StrCat(
      "HSET ", login_key, " unfinished_since ",
      std::stoll(since) - absl::ToInt64Milliseconds(kUnfinishedClaimLifetime) -
          1));
  absl::StatusOr<v1::RegisterResponse> taken =
      Register("stale@example.com", "other", "another password 1");
  ASSERT_THAT(taken, IsOk());
  EXPECT_NE(taken->profile().name(), "users/" + killed_user);
  EXPECT_THAT(Login("stale@example.com", kPassword),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Login("stale@example.com", "another password 1"), IsOk());
  // Finished claims are never taken over.
  EXPECT_EQ(redis_server_.Cli("HEXISTS " + login_key + " unfinished_since"),
            "0");

  // Login finishes one too (the person who registered, signing in).
  claim_only("login@example.com", *hash);
  absl::StatusOr<v1::LoginResponse> login =
      Login("login@example.com", kPassword);
  ASSERT_THAT(login, IsOk());
  EXPECT_THAT(GetProfile(login->session().token()), IsOk());
  EXPECT_EQ(redis_server_.Cli(
                "HEXISTS '{e:login@example.com}:login' unfinished_since"),
            "0");
}

TEST_F(AccountServiceTest, RedisDownGivesFastUnavailableAndHealthRecovers) {
  absl::StatusOr<v1::RegisterResponse> user = Register("g@example.com", "r");
  ASSERT_THAT(user, IsOk());
  redis_server_.Kill();
  ASSERT_TRUE(
      WaitForHealth(grpc::health::v1::HealthCheckResponse::NOT_SERVING));
  const absl::Time start = absl::Now();
  EXPECT_THAT(GetProfile(user->session().token()),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));

  ASSERT_THAT(redis_server_.Start(), IsOk());  // AOF brings the data back
  ASSERT_TRUE(WaitForHealth(grpc::health::v1::HealthCheckResponse::SERVING));
  EXPECT_THAT(GetProfile(user->session().token()), IsOk());
}

TEST_F(AccountServiceTest, StalledRedisAnswersWithinTheDeadline) {
  absl::StatusOr<v1::RegisterResponse> user = Register("h@example.com", "r");
  ASSERT_THAT(user, IsOk());
  redis_server_.Pause();
  const absl::Time start = absl::Now();
  EXPECT_THAT(GetProfile(user->session().token()),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  redis_server_.Resume();
  ASSERT_TRUE(WaitForHealth(grpc::health::v1::HealthCheckResponse::SERVING));
  EXPECT_THAT(GetProfile(user->session().token()), IsOk());
}

// An email change cut short after every step but the last (the grant used
// up) is finished by the same code: each step is repeatable. The code is
// minted here as the mailer mints it (mail_take with its hash).
TEST_F(AccountServiceTest, AnEmailChangeCutShortIsFinishedByTheSameCode) {
  absl::StatusOr<v1::RegisterResponse> ann =
      Register("ann@example.com", "change-1");
  ASSERT_THAT(ann.status(), IsOk());
  const std::string user_id = ann->profile().name().substr(6);
  auto wait = [](auto start) {
    std::promise<absl::Status> done;
    start([&](absl::Status s) { done.set_value(s); });
    return done.get_future().get();
  };
  ASSERT_THAT(wait([&](auto done) {
                mail_->Queue(user_id, MailPurpose::kVerifyEmail,
                             "ann@example.org", "ann@example.com",
                             absl::InfiniteFuture(), done);
              }),
              IsOk());
  const std::string token = NewSessionToken(user_id);
  const std::string hash = ParseSessionToken(token)->secret_hash;
  std::promise<absl::StatusOr<TakenMail>> taken;
  mail_->Take(MailShard(user_id), {hash}, absl::Seconds(60),
              absl::InfiniteFuture(),
              [&](absl::StatusOr<TakenMail> t) { taken.set_value(t); });
  absl::StatusOr<TakenMail> took = taken.get_future().get();
  ASSERT_THAT(took.status(), IsOk());
  // The change replaced Register's verification grant (one grant per
  // purpose): the one due mail is the change's, and carries the hash.
  ASSERT_EQ(took->mail.size(), 1u);
  EXPECT_EQ(took->mail[0].email, "ann@example.org");

  // Every step of VerifyEmail but the grant's end, done by hand.
  ASSERT_THAT(wait([&](auto done) {
                store_->ClaimNewEmail("ann@example.com", "ann@example.org",
                                      user_id, absl::InfiniteFuture(), done);
              }),
              IsOk());
  std::promise<absl::StatusOr<StoredProfile>> read;
  store_->GetProfileById(
      user_id, absl::InfiniteFuture(),
      [&](absl::StatusOr<StoredProfile> p) { read.set_value(p); });
  absl::StatusOr<StoredProfile> current = read.get_future().get();
  ASSERT_THAT(current.status(), IsOk());
  v1::Profile moved = current->profile;
  moved.set_email("ann@example.org");
  std::promise<absl::StatusOr<int64_t>> put;
  store_->ReplaceProfileById(
      user_id, moved, current->version, absl::InfiniteFuture(),
      [&](absl::StatusOr<int64_t> v) { put.set_value(v); });
  ASSERT_THAT(put.get_future().get().status(), IsOk());
  ASSERT_THAT(wait([&](auto done) {
                store_->ReleaseEmail("ann@example.com", user_id,
                                     absl::InfiniteFuture(), done);
              }),
              IsOk());

  // The same code finishes it: verified, the new email signs in, the old
  // does not; then the code is used up.
  v1::VerifyEmailRequest verify;
  verify.set_code(token);
  google::protobuf::Empty empty;
  EXPECT_THAT(Call(&v1::AccountService::Stub::VerifyEmail, verify, &empty),
              IsOk());
  absl::StatusOr<v1::Profile> profile = GetProfile(ann->session().token());
  ASSERT_THAT(profile.status(), IsOk());
  EXPECT_EQ(profile->email(), "ann@example.org");
  EXPECT_TRUE(profile->email_verified());
  EXPECT_THAT(Login("ann@example.org", kPassword).status(), IsOk());
  EXPECT_TRUE(
      absl::IsUnauthenticated(Login("ann@example.com", kPassword).status()));
  const absl::Status again =
      Call(&v1::AccountService::Stub::VerifyEmail, verify, &empty);
  EXPECT_TRUE(absl::IsInvalidArgument(again)) << again;
  EXPECT_EQ(ReasonOf(again), "MAIL_CODE_INVALID");
}

}  // namespace
}  // namespace gracilis::account
