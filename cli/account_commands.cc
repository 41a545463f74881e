// gracilis register | login | logout | profile | delete-account

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
      {"delete-account", "delete-account",
       "delete the account and every piece of its data", DeleteAccount},
  };
}

}  // namespace gracilis::cli
