// The published service config: valid for gRPC, naming only methods that
// exist, covering every public service, and retrying what it says.

#include "common/grpc/service_config.h"

#include <atomic>
#include <set>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gracilis/account/v1/account.grpc.pb.h"
#include "gracilis/plan/v1/plan.grpc.pb.h"
#include "gracilis/progress/v1/progress.grpc.pb.h"
#include "gracilis/workout/v1/workout.grpc.pb.h"
#include "gtest/gtest.h"

namespace gracilis {
namespace {

namespace av1 = account::v1;
using google::protobuf::DescriptorPool;

// Every {service, method} the config names ("" for a whole service).
std::vector<std::pair<std::string, std::string>> NamedMethods(bool with_retry) {
  google::protobuf::Struct config;
  EXPECT_TRUE(
      google::protobuf::util::JsonStringToMessage(ServiceConfigJson(), &config)
          .ok());
  std::vector<std::pair<std::string, std::string>> named;
  for (const auto& entry :
       config.fields().at("methodConfig").list_value().values()) {
    const auto& fields = entry.struct_value().fields();
    if (fields.count("retryPolicy") != (with_retry ? 1u : 0u)) {
      continue;
    }
    for (const auto& name : fields.at("name").list_value().values()) {
      const auto& parts = name.struct_value().fields();
      named.emplace_back(
          parts.at("service").string_value(),
          parts.count("method") == 0 ? "" : parts.at("method").string_value());
    }
  }
  return named;
}

TEST(ServiceConfigTest, NamesOnlyRealMethodsAndCoversEveryPublicService) {
  // Link every public service's descriptors.
  const std::vector<const google::protobuf::ServiceDescriptor*> services = {
      av1::Profile::descriptor()->file()->service(0),
      plan::v1::Plan::descriptor()->file()->service(0),
      workout::v1::Workout::descriptor()->file()->service(0),
      progress::v1::WeeklyProgress::descriptor()->file()->service(0)};
  std::set<std::string> covered;
  for (const auto& [service, method] : NamedMethods(true)) {
    const auto* found =
        DescriptorPool::generated_pool()->FindServiceByName(service);
    ASSERT_NE(found, nullptr) << service;
    EXPECT_EQ(method, "") << "retries are set per service";
    covered.insert(service);
  }
  for (const auto* service : services) {
    EXPECT_EQ(covered.count(service->full_name()), 1u)
        << service->full_name() << " has no timeout or retry policy";
  }
  std::vector<std::string> not_retried;
  for (const auto& [service, method] : NamedMethods(false)) {
    const auto* found =
        DescriptorPool::generated_pool()->FindServiceByName(service);
    ASSERT_NE(found, nullptr) << service;
    EXPECT_NE(found->FindMethodByName(method), nullptr)
        << service << "/" << method;
    not_retried.push_back(method);
  }
  // A second attempt of these would answer differently (a new session, a
  // password already changed, a session already ended): the app decides.
  EXPECT_EQ(not_retried,
            (std::vector<std::string>{"Login", "Logout", "ChangePassword",
                                      "DeleteAccount", "RevokeSession",
                                      "ResetPassword", "VerifyEmail"}));
}

// Answers UNAVAILABLE to the first `failures` calls of each method.
class FlakyAccounts final : public av1::AccountService::CallbackService {
 public:
  explicit FlakyAccounts(int failures) : failures_(failures) {}
  grpc::ServerUnaryReactor* GetProfile(grpc::CallbackServerContext* context,
                                       const av1::GetProfileRequest*,
                                       av1::Profile*) override {
    return Answer(context, profile_calls_);
  }
  grpc::ServerUnaryReactor* Login(grpc::CallbackServerContext* context,
                                  const av1::LoginRequest*,
                                  av1::LoginResponse*) override {
    return Answer(context, login_calls_);
  }
  std::atomic<int> profile_calls_{0};
  std::atomic<int> login_calls_{0};

 private:
  grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context,
                                   std::atomic<int>& calls) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(++calls <= failures_
                        ? grpc::Status(grpc::UNAVAILABLE, "try again")
                        : grpc::Status::OK);
    return reactor;
  }
  const int failures_;
};

TEST(ServiceConfigTest, RetriesUnavailableWhereItIsSafe) {
  FlakyAccounts service(/*failures=*/2);
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  auto stub = av1::AccountService::NewStub(ChannelWithServiceConfig(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));

  grpc::ClientContext profile_context;
  av1::Profile profile;
  EXPECT_TRUE(
      stub->GetProfile(&profile_context, av1::GetProfileRequest(), &profile)
          .ok());
  EXPECT_EQ(service.profile_calls_.load(), 3);  // two retries

  grpc::ClientContext login_context;
  av1::LoginResponse login;
  EXPECT_EQ(
      stub->Login(&login_context, av1::LoginRequest(), &login).error_code(),
      grpc::UNAVAILABLE);
  EXPECT_EQ(service.login_calls_.load(), 1);  // not retried
  server->Shutdown();
}

}  // namespace
}  // namespace gracilis
