#pragma once

// AccountService RPC adapter: validates requests, runs the account rules,
// the store and the session store, and maps status once at the edge.

#include <functional>
#include <string>

#include "common/auth/authenticator.h"
#include "common/clock/clock.h"
#include "common/metrics/metrics.h"
#include "gracilis/account/v1/account.grpc.pb.h"
#include "services/account/account_store.h"
#include "services/account/mail_store.h"
#include "services/account/password_workers.h"

namespace gracilis::account {

class AccountService final : public v1::AccountService::CallbackService {
 public:
  // `rpc_metrics` may be null.
  AccountService(AccountStore& store, SessionStore& sessions, MailStore& mail,
                 PasswordWorkers& workers, const Clock& clock,
                 LoginThrottle throttle, RpcMetrics* rpc_metrics);

  grpc::ServerUnaryReactor* Register(grpc::CallbackServerContext* context,
                                     const v1::RegisterRequest* request,
                                     v1::RegisterResponse* response) override;
  grpc::ServerUnaryReactor* Login(grpc::CallbackServerContext* context,
                                  const v1::LoginRequest* request,
                                  v1::LoginResponse* response) override;
  grpc::ServerUnaryReactor* Logout(grpc::CallbackServerContext* context,
                                   const v1::LogoutRequest* request,
                                   google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* GetProfile(grpc::CallbackServerContext* context,
                                       const v1::GetProfileRequest* request,
                                       v1::Profile* response) override;
  grpc::ServerUnaryReactor* UpdateProfile(
      grpc::CallbackServerContext* context,
      const v1::UpdateProfileRequest* request, v1::Profile* response) override;
  grpc::ServerUnaryReactor* DeleteAccount(
      grpc::CallbackServerContext* context,
      const v1::DeleteAccountRequest* request,
      google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* ChangePassword(
      grpc::CallbackServerContext* context,
      const v1::ChangePasswordRequest* request,
      google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* ListSessions(
      grpc::CallbackServerContext* context,
      const v1::ListSessionsRequest* request,
      v1::ListSessionsResponse* response) override;
  grpc::ServerUnaryReactor* RevokeSession(
      grpc::CallbackServerContext* context,
      const v1::RevokeSessionRequest* request,
      google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* RevokeOtherSessions(
      grpc::CallbackServerContext* context,
      const v1::RevokeOtherSessionsRequest* request,
      v1::RevokeOtherSessionsResponse* response) override;
  grpc::ServerUnaryReactor* RequestPasswordReset(
      grpc::CallbackServerContext* context,
      const v1::RequestPasswordResetRequest* request,
      google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* ResetPassword(
      grpc::CallbackServerContext* context,
      const v1::ResetPasswordRequest* request,
      google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* RequestEmailVerification(
      grpc::CallbackServerContext* context,
      const v1::RequestEmailVerificationRequest* request,
      google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* VerifyEmail(
      grpc::CallbackServerContext* context,
      const v1::VerifyEmailRequest* request,
      google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* RequestEmailChange(
      grpc::CallbackServerContext* context,
      const v1::RequestEmailChangeRequest* request,
      google::protobuf::Empty* response) override;

 private:
  // What a signed-in caller who typed the password again may do next
  // (ChangePassword, DeleteAccount): runs on a password worker thread with
  // the account's email and stored password hash (empty when the email
  // claim is gone: an earlier deletion got half way).
  using Confirmed =
      std::function<void(const std::string& email, const std::string& hash)>;
  RpcMetrics::Method* MethodMetrics(RpcMetrics* rpc, const char* name);
  // Runs `job` on the password workers, or finishes `call` with
  // RESOURCE_EXHAUSTED when their queue is full.
  void OffThread(const UnaryCall& call, absl::AnyInvocable<void() &&> job);
  // The profile an account starts with: its name, email and UTC.
  v1::Profile NewProfile(const std::string& user_id,
                         const std::string& email) const;
  // Issues a session for `user_id` into `session`, then finishes `call`.
  void IssueSession(UnaryCall call, const std::string& user_id,
                    const std::string& device_name, v1::Session* session);
  // Checks `password` (which outlives the call) for `caller`'s account,
  // throttled like Login, then runs `next`; a wrong one finishes `call`
  // with CREDENTIALS_INVALID.
  void ConfirmPassword(UnaryCall call, const Caller& caller,
                       const std::string* password, Confirmed next);
  // Counts a mail request from the call's client (MailLimits::per_address)
  // and runs `next`, or finishes `call` with MAIL_THROTTLED.
  void CountMailRequest(const UnaryCall& call, std::function<void()> next);
  // Counts a mail request for `email` from the call's client (MailLimits)
  // and queues `purpose`'s mail if the email has an account, then finishes
  // `call` with OK either way (the answer tells nothing of the account).
  // With `user_id`, only that user's account is mailed.
  void QueueMailFor(UnaryCall call, MailPurpose purpose,
                    const std::string& email, const std::string& user_id);
  // What a mailed code (ResetPassword, VerifyEmail) may do once it has
  // claimed its grant: runs with the user and the grant (the address mailed
  // to, and for an email change the address it replaces), and
  // `consume` ends the grant (every code of it) and finishes the call.
  using Opened =
      std::function<void(const std::string& user_id, const MailClaim& claim,
                         std::function<void()> consume)>;
  void OpenCode(UnaryCall call, MailPurpose purpose, const std::string& code,
                Opened next);
  // A confirmed email change of `user_id` from `old_email` to `new_email`:
  // the new email's claim, then the profile; then `then` (which verifies
  // the new email and releases the old one).
  void ChangeEmail(UnaryCall call, const std::string& user_id,
                   const std::string& old_email, const std::string& new_email,
                   std::function<void()> then);

  AccountStore& store_;
  SessionStore& sessions_;
  MailStore& mail_;
  Authenticator authenticator_;
  PasswordWorkers& workers_;
  const Clock& clock_;
  const LoginThrottle throttle_;
  RpcMetrics::Method* register_metrics_;
  RpcMetrics::Method* login_metrics_;
  RpcMetrics::Method* logout_metrics_;
  RpcMetrics::Method* get_profile_metrics_;
  RpcMetrics::Method* update_profile_metrics_;
  RpcMetrics::Method* delete_account_metrics_;
  RpcMetrics::Method* change_password_metrics_;
  RpcMetrics::Method* list_sessions_metrics_;
  RpcMetrics::Method* revoke_session_metrics_;
  RpcMetrics::Method* revoke_other_sessions_metrics_;
  RpcMetrics::Method* request_password_reset_metrics_;
  RpcMetrics::Method* reset_password_metrics_;
  RpcMetrics::Method* request_email_verification_metrics_;
  RpcMetrics::Method* verify_email_metrics_;
  RpcMetrics::Method* request_email_change_metrics_;
};

}  // namespace gracilis::account
