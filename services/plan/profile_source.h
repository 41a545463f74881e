#pragma once

// The signed-in user's profile, which plans are built from. The account
// service owns profiles; this asks it over gRPC with the caller's own token,
// asynchronously, so no plan-service thread waits.

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "common/status/done.h"
#include "gracilis/account/v1/account.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace gracilis::plan {

class ProfileSource {
 public:
  virtual ~ProfileSource() = default;
  virtual void GetProfile(const std::string& bearer_token, absl::Time deadline,
                          Done<account::v1::Profile> done) = 0;
};

class AccountServiceProfiles final : public ProfileSource {
 public:
  explicit AccountServiceProfiles(std::shared_ptr<grpc::Channel> channel);
  void GetProfile(const std::string& bearer_token, absl::Time deadline,
                  Done<account::v1::Profile> done) override;

 private:
  std::unique_ptr<account::v1::AccountService::Stub> stub_;
};

}  // namespace gracilis::plan
