#include "services/plan/profile_source.h"

#include "absl/strings/str_cat.h"
#include "common/status/grpc_status.h"

namespace gracilis::plan {

AccountServiceProfiles::AccountServiceProfiles(
    std::shared_ptr<grpc::Channel> channel)
    : stub_(account::v1::AccountService::NewStub(channel)) {}

void AccountServiceProfiles::GetProfile(const std::string& bearer_token,
                                        absl::Time deadline,
                                        Done<account::v1::Profile> done) {
  struct Call {
    grpc::ClientContext context;
    account::v1::GetProfileRequest request;
    account::v1::Profile response;
    Done<account::v1::Profile> done;
  };
  auto* call = new Call;
  call->done = std::move(done);
  // The account call gets at most 5 s, and never more than the caller has.
  call->context.set_deadline(
      absl::ToChronoTime(std::min(deadline, absl::Now() + absl::Seconds(5))));
  call->context.AddMetadata("authorization",
                            absl::StrCat("Bearer ", bearer_token));
  call->request.set_name("users/me");
  stub_->async()->GetProfile(
      &call->context, &call->request, &call->response,
      [call](grpc::Status status) {
        std::unique_ptr<Call> owned(call);
        if (!status.ok()) {
          absl::Status failed = FromGrpcStatus(status);
          // UNAUTHENTICATED is the caller's session (the account service
          // checks it), UNAVAILABLE keeps its reason (STORE_UNAVAILABLE:
          // the Redis both services use); anything else from the account
          // service is its unavailability, not the caller's.
          if (failed.code() != absl::StatusCode::kDeadlineExceeded &&
              failed.code() != absl::StatusCode::kUnauthenticated &&
              failed.code() != absl::StatusCode::kUnavailable) {
            failed = absl::UnavailableError(
                absl::StrCat("account service: ", failed.message()));
          }
          return std::move(owned->done)(failed);
        }
        std::move(owned->done)(std::move(owned->response));
      });
}

}  // namespace gracilis::plan
