// gracilis register | login | logout | profile | password | email |
// sessions | delete-account

#include <unistd.h>

#include <iostream>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "cli/cli.h"
#include "cli/profile_fields.h"
#include "gracilis/account/v1/account.grpc.pb.h"

namespace gracilis::cli {
namespace {

namespace account = gracilis::account::v1;

// A fresh id per command run: a retried call inside one run is deduplicated
// by the server; a second run is a new request.
std::string NewRequestId() {
  absl::BitGen bits;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(bits),
                         absl::Uniform<uint64_t>(bits));
}

std::string Expiry(const account::Session& session) {
  return absl::FormatTime(
      "%Y-%m-%d %H:%M UTC",
      absl::FromUnixSeconds(session.expire_time().seconds()),
      absl::UTCTimeZone());
}

// How the CLI names itself in the account's session list.
std::string DeviceName() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  return std::string(absl::StrCat("gracilis CLI on ", host).substr(0, 64));
}

int Usage(const std::string& usage) {
  std::cerr << "usage: gracilis " << usage << "\n";
  return kExitUsage;
}

int SignedIn(const Cli& cli, const std::string& what, const std::string& user,
             const account::Session& session) {
  if (absl::Status saved = cli.SaveToken(session.token()); !saved.ok()) {
    return cli.Fail(saved);
  }
  std::cout << what << " " << user << "; session valid until "
            << Expiry(session) << " (idle limit "
            << absl::FormatDuration(
                   absl::Seconds(session.idle_timeout_seconds()))
            << "), token saved in " << cli.token_file() << "\n";
  return kExitOk;
}

int Register(const Cli& cli, const std::vector<std::string>& args) {
  if (args.size() != 1) {
    return Usage("register <email>");
  }
  account::RegisterRequest request;
  request.set_request_id(NewRequestId());
  request.set_email(args[0]);
  absl::StatusOr<std::string> password = cli.ReadPassword("new password");
  if (!password.ok()) {
    return cli.Fail(password.status());
  }
  request.set_password(*password);
  request.set_device_name(DeviceName());
  auto context = cli.NewContext();
  account::RegisterResponse response;
  grpc::Status status = account::AccountService::NewStub(cli.channel())
                            ->Register(context.get(), request, &response);
  if (!status.ok()) {
    return cli.Fail(status);
  }
  return SignedIn(cli, "registered and signed in as", response.profile().name(),
                  response.session());
}

int Login(const Cli& cli, const std::vector<std::string>& args) {
  if (args.size() != 1) {
    return Usage("login <email>");
  }
  account::LoginRequest request;
  request.set_email(args[0]);
  absl::StatusOr<std::string> password = cli.ReadPassword("password");
  if (!password.ok()) {
    return cli.Fail(password.status());
  }
  request.set_password(*password);
  request.set_device_name(DeviceName());
  auto context = cli.NewContext();
  account::LoginResponse response;
  grpc::Status status = account::AccountService::NewStub(cli.channel())
                            ->Login(context.get(), request, &response);
  if (!status.ok()) {
    return cli.Fail(status);
  }
  return SignedIn(cli, "signed in as", response.user(), response.session());
}

int Logout(const Cli& cli, const std::vector<std::string>& args) {
  if (!args.empty()) {
    return Usage("logout");
  }
  auto context = cli.NewSignedInContext();
  if (!context.ok()) {
    return cli.Fail(context.status());
  }
  google::protobuf::Empty empty;
  grpc::Status status =
      account::AccountService::NewStub(cli.channel())
          ->Logout(context->get(), account::LogoutRequest(), &empty);
  // An already-invalid session is as logged out as it gets.
  if (!status.ok() && status.error_code() != grpc::UNAUTHENTICATED) {
    return cli.Fail(status);
  }
  cli.ForgetToken();
  std::cout << "signed out; token removed from " << cli.token_file() << "\n";
  return kExitOk;
}

int Profile(const Cli& cli, const std::vector<std::string>& args) {
  const std::string usage =
      absl::StrCat("profile get | profile set key=value...\n  keys:\n",
                   ProfileAssignmentHelp());
  if (args.empty() || (args[0] != "get" && args[0] != "set") ||
      (args[0] == "get" && args.size() != 1)) {
    return Usage(usage);
  }
  auto context = cli.NewSignedInContext();
  if (!context.ok()) {
    return cli.Fail(context.status());
  }
  auto stub = account::AccountService::NewStub(cli.channel());
  account::Profile profile;
  grpc::Status status;
  if (args[0] == "get") {
    account::GetProfileRequest request;
    request.set_name("users/me");
    status = stub->GetProfile(context->get(), request, &profile);
  } else {
    absl::StatusOr<account::UpdateProfileRequest> request =
        ParseProfileAssignments({args.begin() + 1, args.end()});
    if (!request.ok()) {
      cli.Fail(request.status());
      return Usage(usage);
    }
    status = stub->UpdateProfile(context->get(), *request, &profile);
    if (status.ok()) {
      std::cout << "profile updated: "
                << absl::StrJoin(request->update_mask().paths(), ", ") << "\n";
      return kExitOk;
    }
  }
  if (!status.ok()) {
    return cli.Fail(status);
  }
  std::cout << FormatProfile(profile);
  return kExitOk;
}

int DeleteAccount(const Cli& cli, const std::vector<std::string>& args) {
  if (!args.empty()) {
    return Usage("delete-account");
  }
  auto context = cli.NewSignedInContext();
  if (!context.ok()) {
    return cli.Fail(context.status());
  }
  account::DeleteAccountRequest request;
  absl::StatusOr<std::string> password =
      cli.ReadPassword("password (to confirm deletion)");
  if (!password.ok()) {
    return cli.Fail(password.status());
  }
  request.set_password(*password);
  google::protobuf::Empty empty;
  grpc::Status status = account::AccountService::NewStub(cli.channel())
                            ->DeleteAccount(context->get(), request, &empty);
  if (!status.ok()) {
    return cli.Fail(status);
  }
  cli.ForgetToken();
  std::cout << "account and all its data deleted\n";
  return kExitOk;
}

constexpr char kPasswordUsage[] =
    "password | password forgot <email> | password reset <code>";

// gracilis password forgot <email>: asks for a reset mail.
int ForgotPassword(const Cli& cli, const std::string& email) {
  account::RequestPasswordResetRequest request;
  request.set_email(email);
  auto context = cli.NewContext();
  google::protobuf::Empty empty;
  grpc::Status status =
      account::AccountService::NewStub(cli.channel())
          ->RequestPasswordReset(context.get(), request, &empty);
  if (!status.ok()) {
    return cli.Fail(status);
  }
  std::cout << "if " << email
            << " has an account, a reset code is on its way to it; then: "
               "gracilis password reset <code>\n";
  return kExitOk;
}

// gracilis password reset <code>: the new password from
// GRACILIS_NEW_PASSWORD or stdin.
int ResetPassword(const Cli& cli, const std::string& code) {
  absl::StatusOr<std::string> next =
      cli.ReadPassword("new password", "GRACILIS_NEW_PASSWORD");
  if (!next.ok()) {
    return cli.Fail(next.status());
  }
  account::ResetPasswordRequest request;
  request.set_code(code);
  request.set_new_password(*next);
  auto context = cli.NewContext();
  google::protobuf::Empty empty;
  grpc::Status status = account::AccountService::NewStub(cli.channel())
                            ->ResetPassword(context.get(), request, &empty);
  if (!status.ok()) {
    return cli.Fail(status);
  }
  cli.ForgetToken();
  std::cout << "password reset; every session has ended: gracilis login "
               "<email> with the new one\n";
  return kExitOk;
}

int ChangePassword(const Cli& cli, const std::vector<std::string>& args) {
  if (args.size() == 2 && args[0] == "forgot") {
    return ForgotPassword(cli, args[1]);
  }
  if (args.size() == 2 && args[0] == "reset") {
    return ResetPassword(cli, args[1]);
  }
  if (!args.empty()) {
    return Usage(kPasswordUsage);
  }
  auto context = cli.NewSignedInContext();
  if (!context.ok()) {
    return cli.Fail(context.status());
  }
  account::ChangePasswordRequest request;
  absl::StatusOr<std::string> current = cli.ReadPassword("current password");
  if (!current.ok()) {
    return cli.Fail(current.status());
  }
  absl::StatusOr<std::string> next =
      cli.ReadPassword("new password", "GRACILIS_NEW_PASSWORD");
  if (!next.ok()) {
    return cli.Fail(next.status());
  }
  request.set_current_password(*current);
  request.set_new_password(*next);
  google::protobuf::Empty empty;
  grpc::Status status = account::AccountService::NewStub(cli.channel())
                            ->ChangePassword(context->get(), request, &empty);
  if (!status.ok()) {
    return cli.Fail(status);
  }
  std::cout << "password changed; every other session has ended\n";
  return kExitOk;
}

constexpr char kEmailUsage[] =
    "email verify <code> | email resend | email change <new email>";

// gracilis email change <new email>: the password from GRACILIS_PASSWORD
// or stdin.
int ChangeEmail(const Cli& cli, const std::string& new_email) {
  auto context = cli.NewSignedInContext();
  if (!context.ok()) {
    return cli.Fail(context.status());
  }
  absl::StatusOr<std::string> password = cli.ReadPassword("password");
  if (!password.ok()) {
    return cli.Fail(password.status());
  }
  account::RequestEmailChangeRequest request;
  request.set_new_email(new_email);
  request.set_password(*password);
  google::protobuf::Empty empty;
  grpc::Status status =
      account::AccountService::NewStub(cli.channel())
          ->RequestEmailChange(context->get(), request, &empty);
  if (!status.ok()) {
    return cli.Fail(status);
  }
  std::cout << "a code is on its way to " << new_email
            << "; the account keeps its email until: gracilis email verify "
               "<code>\n";
  return kExitOk;
}

// gracilis email verify <code> | email resend | email change <new email>.
int Email(const Cli& cli, const std::vector<std::string>& args) {
  if (args.size() == 2 && args[0] == "change") {
    return ChangeEmail(cli, args[1]);
  }
  const bool verify = args.size() == 2 && args[0] == "verify";
  const bool resend = args.size() == 1 && args[0] == "resend";
  if (!verify && !resend) {
    return Usage(kEmailUsage);
  }
  auto stub = account::AccountService::NewStub(cli.channel());
  google::protobuf::Empty empty;
  grpc::Status status;
  if (verify) {
    account::VerifyEmailRequest request;
    request.set_code(args[1]);
    auto context = cli.NewContext();
    status = stub->VerifyEmail(context.get(), request, &empty);
  } else {
    auto context = cli.NewSignedInContext();
    if (!context.ok()) {
      return cli.Fail(context.status());
    }
    status = stub->RequestEmailVerification(
        context->get(), account::RequestEmailVerificationRequest(), &empty);
  }
  if (!status.ok()) {
    return cli.Fail(status);
  }
  std::cout << (verify ? "email verified\n"
                       : "a verification code is on its way to your email "
                         "(unless it is verified already); then: gracilis "
                         "email verify <code>\n");
  return kExitOk;
}

std::string Minute(const google::protobuf::Timestamp& time) {
  return absl::FormatTime("%Y-%m-%d %H:%M",
                          absl::FromUnixSeconds(time.seconds()),
                          absl::UTCTimeZone());
}

int Sessions(const Cli& cli, const std::vector<std::string>& args) {
  const std::string usage =
      "sessions | sessions revoke <session id> | sessions revoke-others";
  const bool list = args.empty();
  const bool revoke = args.size() == 2 && args[0] == "revoke";
  const bool others = args.size() == 1 && args[0] == "revoke-others";
  if (!list && !revoke && !others) {
    return Usage(usage);
  }
  auto context = cli.NewSignedInContext();
  if (!context.ok()) {
    return cli.Fail(context.status());
  }
  auto stub = account::AccountService::NewStub(cli.channel());
  grpc::Status status;
  if (revoke) {
    account::RevokeSessionRequest request;
    request.set_name(absl::StrCat("users/me/sessions/", args[1]));
    google::protobuf::Empty empty;
    status = stub->RevokeSession(context->get(), request, &empty);
    if (status.ok()) {
      std::cout << "session " << args[1] << " ended\n";
    }
  } else if (others) {
    account::RevokeOtherSessionsResponse response;
    status = stub->RevokeOtherSessions(
        context->get(), account::RevokeOtherSessionsRequest(), &response);
    if (status.ok()) {
      std::cout << response.revoked_count()
                << " other session(s) ended; this one stays signed in\n";
    }
  } else {
    account::ListSessionsResponse response;
    status = stub->ListSessions(context->get(), account::ListSessionsRequest(),
                                &response);
    if (status.ok()) {
      std::cout << absl::StrFormat("%-16s  %-16s  %-16s  %-18s  %s\n", "id",
                                   "signed in (UTC)", "last used", "network",
                                   "device");
      for (const account::SessionInfo& session : response.sessions()) {
        const std::string& name = session.name();
        std::cout << absl::StrFormat(
            "%-16s  %-16s  %-16s  %-18s  %s%s\n",
            name.substr(name.rfind('/') + 1), Minute(session.create_time()),
            Minute(session.last_use_time()), session.client_address(),
            session.device_name().empty() ? "(unnamed)" : session.device_name(),
            session.current() ? "  <- this one" : "");
      }
    }
  }
  if (!status.ok()) {
    return cli.Fail(status);
  }
  return kExitOk;
}

}  // namespace

std::vector<Command> AccountCommands() {
  return {
      {"register", "register <email>",
       "create an account (password from stdin or GRACILIS_PASSWORD) and sign "
       "in",
       Register},
      {"login", "login <email>", "sign in and save the session token", Login},
      {"logout", "logout", "revoke the session and forget the token", Logout},
      {"profile", "profile get | profile set key=value...",
       "show or change body weight, height, equipment, goal, ...", Profile},
      {"password", kPasswordUsage,
       "change the password (current, then new: GRACILIS_PASSWORD and "
       "GRACILIS_NEW_PASSWORD, or two lines on stdin; other sessions end), "
       "or reset a forgotten one with a mailed code (new password from "
       "GRACILIS_NEW_PASSWORD or stdin; every session ends)",
       ChangePassword},
      {"email", kEmailUsage,
       "confirm your email with the mailed code, have it mailed again, or "
       "change it (password from stdin or GRACILIS_PASSWORD; it changes once "
       "the code mailed to the new address is used)",
       Email},
      {"sessions", "sessions | sessions revoke <id> | sessions revoke-others",
       "list where you are signed in, or end a session", Sessions},
      {"delete-account", "delete-account",
       "delete the account and every piece of its data", DeleteAccount},
  };
}

}  // namespace gracilis::cli
