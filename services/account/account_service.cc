#include "services/account/account_service.h"

#include "absl/strings/str_cat.h"
#include "common/auth/session_token.h"
#include "common/clock/timestamp.h"
#include "common/status/errors.h"
#include "services/account/domain/account_rules.h"
#include "services/account/domain/password.h"

namespace gracilis::account {
namespace {

absl::Status InvalidCredentials() {
  return WithReason(absl::UnauthenticatedError("wrong email or password"),
                    "CREDENTIALS_INVALID");
}

absl::Status MailCodeInvalid() {
  return WithReason(
      InvalidField("code",
                   "is not a code that works: it has expired, was used "
                   "already, or was never mailed; ask for a new mail"),
      "MAIL_CODE_INVALID");
}

absl::Status EmailTaken() {
  return WithReason(
      absl::AlreadyExistsError("that email is already registered"),
      "EMAIL_TAKEN");
}

// Whether `record` closes the throttle, and then the answer: from this
// address, or (rarely) from every address the owner never logged in from.
std::optional<absl::Status> LoginThrottled(const LoginRecord& record,
                                           const LoginThrottle& throttle) {
  if (record.address_blocked_for > absl::ZeroDuration()) {
    return WithRetryDelay(
        WithReason(absl::ResourceExhaustedError(
                       "too many failed logins for this email from this "
                       "address; wait before trying again"),
                   "LOGIN_THROTTLED"),
        record.address_blocked_for);
  }
  if (!record.known_address &&
      record.account_failures >= throttle.max_account_failures) {
    return WithRetryDelay(
        WithReason(absl::ResourceExhaustedError(
                       "too many failed logins for this email from many "
                       "addresses; wait before trying again"),
                   "LOGIN_THROTTLED"),
        record.account_window_left);
  }
  return std::nullopt;
}

std::string UserName(const std::string& user_id) {
  return absl::StrCat("users/", user_id);
}

// A request may name the caller only: "", "users/me" or its own name.
absl::Status CheckOwnName(const std::string& name, const std::string& user_id,
                          absl::string_view field) {
  if (name.empty() || name == "users/me" || name == UserName(user_id)) {
    return absl::OkStatus();
  }
  if (name.rfind("users/", 0) != 0) {
    return InvalidField(std::string(field),
                        "must be users/me or users/{user_id}");
  }
  return absl::PermissionDeniedError("a user can only reach their own account");
}

}  // namespace

AccountService::AccountService(AccountStore& store, SessionStore& sessions,
                               MailStore& mail, PasswordWorkers& workers,
                               const Clock& clock, LoginThrottle throttle,
                               RpcMetrics* rpc)
    : store_(store),
      sessions_(sessions),
      mail_(mail),
      authenticator_(sessions),
      workers_(workers),
      clock_(clock),
      throttle_(throttle),
      register_metrics_(MethodMetrics(rpc, "Register")),
      login_metrics_(MethodMetrics(rpc, "Login")),
      logout_metrics_(MethodMetrics(rpc, "Logout")),
      get_profile_metrics_(MethodMetrics(rpc, "GetProfile")),
      update_profile_metrics_(MethodMetrics(rpc, "UpdateProfile")),
      delete_account_metrics_(MethodMetrics(rpc, "DeleteAccount")),
      change_password_metrics_(MethodMetrics(rpc, "ChangePassword")),
      list_sessions_metrics_(MethodMetrics(rpc, "ListSessions")),
      revoke_session_metrics_(MethodMetrics(rpc, "RevokeSession")),
      revoke_other_sessions_metrics_(MethodMetrics(rpc, "RevokeOtherSessions")),
      request_password_reset_metrics_(
          MethodMetrics(rpc, "RequestPasswordReset")),
      reset_password_metrics_(MethodMetrics(rpc, "ResetPassword")),
      request_email_verification_metrics_(
          MethodMetrics(rpc, "RequestEmailVerification")),
      verify_email_metrics_(MethodMetrics(rpc, "VerifyEmail")),
      request_email_change_metrics_(MethodMetrics(rpc, "RequestEmailChange")) {}

RpcMetrics::Method* AccountService::MethodMetrics(RpcMetrics* rpc,
                                                  const char* name) {
  return rpc == nullptr ? nullptr
                        : &rpc->ForMethod(absl::StrCat(
                              "gracilis.account.v1.AccountService/", name));
}

void AccountService::OffThread(const UnaryCall& call,
                               absl::AnyInvocable<void() &&> job) {
  if (absl::Status queued = workers_.Submit(std::move(job)); !queued.ok()) {
    call.Finish(queued);
  }
}

void AccountService::IssueSession(UnaryCall call, const std::string& user_id,
                                  const std::string& device_name,
                                  v1::Session* out) {
  const SessionOrigin origin{
      device_name,
      CoarseAddress(ClientAddress(*call.context(), throttle_.trusted_proxies))};
  sessions_.Create(user_id, origin, call.deadline(),
                   [call, out](absl::StatusOr<IssuedSession> session) {
                     if (absl::IsNotFound(session.status())) {
                       // Deleted between the password check and now.
                       return call.Finish(InvalidCredentials());
                     }
                     if (!session.ok()) {
                       return call.Finish(session.status());
                     }
                     out->set_token(session->token);
                     *out->mutable_expire_time() =
                         ToTimestamp(session->expire_time);
                     out->set_idle_timeout_seconds(
                         absl::ToInt64Seconds(session->idle_timeout));
                     call.Finish(absl::OkStatus());
                   });
}

v1::Profile AccountService::NewProfile(const std::string& user_id,
                                       const std::string& email) const {
  v1::Profile profile;
  profile.set_name(UserName(user_id));
  profile.set_email(email);
  profile.set_time_zone("UTC");
  *profile.mutable_create_time() = ToTimestamp(clock_.Now());
  *profile.mutable_update_time() = profile.create_time();
  return profile;
}

grpc::ServerUnaryReactor* AccountService::Register(
    grpc::CallbackServerContext* context, const v1::RegisterRequest* request,
    v1::RegisterResponse* response) {
  UnaryCall call(context, register_metrics_);
  if (absl::Status valid =
          ValidateRegistration(request->request_id(), request->email(),
                               request->password(), request->device_name());
      !valid.ok()) {
    call.Finish(valid);
    return call.reactor();
  }
  const std::string email = NormalizeEmail(request->email());
  OffThread(call, [this, call, request, response, email] {
    absl::StatusOr<std::string> hash = HashPassword(request->password());
    if (!hash.ok()) {
      return call.Finish(hash.status());
    }
    Credentials fresh{NewUserId(), *hash, request->request_id()};
    store_.Register(
        email, fresh, call.deadline(),
        [this, call, request, response,
         email](absl::StatusOr<RegisterResult> result) {
          if (!result.ok()) {
            return call.Finish(result.status());
          }
          if (result->outcome == RegisterResult::Outcome::kEmailTaken) {
            return call.Finish(EmailTaken());
          }
          const Credentials stored = result->stored;
          // The profile in the user's slot, then the claim in the email's
          // marked finished, then a session (account_store.h).
          auto create_profile_and_session = [this, call, request, response,
                                             email, stored] {
            store_.CreateProfile(
                stored.user_id, NewProfile(stored.user_id, email),
                call.deadline(),
                [this, call, request, response, email,
                 stored](absl::StatusOr<StoredProfile> created) {
                  if (!created.ok()) {
                    return call.Finish(created.status());
                  }
                  store_.FinishRegistration(
                      email, stored.user_id, call.deadline(),
                      [this, call, request, response, stored,
                       created = *std::move(created)](
                          absl::StatusOr<bool> finished) mutable {
                        if (!finished.ok()) {
                          return call.Finish(finished.status());
                        }
                        if (!*finished) {
                          return call.Finish(EmailTaken());
                        }
                        *response->mutable_profile() =
                            std::move(created.profile);
                        // The verification mail is queued before the
                        // session is issued: a retry of a Register cut
                        // short here queues it again.
                        mail_.Queue(stored.user_id, MailPurpose::kVerifyEmail,
                                    response->profile().email(), "",
                                    call.deadline(),
                                    [this, call, request, response,
                                     stored](absl::Status queued) {
                                      if (!queued.ok()) {
                                        return call.Finish(queued);
                                      }
                                      IssueSession(call, stored.user_id,
                                                   request->device_name(),
                                                   response->mutable_session());
                                    });
                      });
                });
          };
          if (result->outcome == RegisterResult::Outcome::kCreated) {
            return create_profile_and_session();
          }
          // A retry of the same request, or an unfinished registration of
          // this email: it must carry the same password to be finished
          // here.
          const bool same_request =
              result->outcome == RegisterResult::Outcome::kSameRequest;
          OffThread(call, [call, request, stored, same_request,
                           next = create_profile_and_session] {
            if (!VerifyPassword(stored.password_hash, request->password())) {
              return call.Finish(
                  same_request
                      ? WithReason(
                            InvalidField(
                                "request_id",
                                "was already used with a different request"),
                            "REQUEST_ID_REUSED")
                      : EmailTaken());
            }
            next();
          });
        });
  });
  return call.reactor();
}

grpc::ServerUnaryReactor* AccountService::Login(
    grpc::CallbackServerContext* context, const v1::LoginRequest* request,
    v1::LoginResponse* response) {
  UnaryCall call(context, login_metrics_);
  const std::string email = NormalizeEmail(request->email());
  if (absl::Status valid =
          ValidateDeviceName("device_name", request->device_name());
      !valid.ok()) {
    call.Finish(valid);
    return call.reactor();
  }
  if (email.empty() || request->password().empty() ||
      request->password().size() > kMaxPasswordBytes) {
    call.Finish(InvalidCredentials());
    return call.reactor();
  }
  const std::string client =
      ClientAddress(*call.context(), throttle_.trusted_proxies);
  store_.BeginPasswordCheck(
      email, client, call.deadline(),
      [this, call, request, response, email,
       client](absl::StatusOr<LoginRecord> record) {
        if (!record.ok()) {
          return call.Finish(record.status());
        }
        if (auto throttled = LoginThrottled(*record, throttle_)) {
          return call.Finish(*throttled);
        }
        OffThread(call, [this, call, request, response, email, client,
                         record = *std::move(record)] {
          // Unknown emails are checked against a decoy hash so they take as
          // long as a wrong password and get the same answer. A failure
          // was counted when the check began.
          const bool known = record.credentials.has_value();
          const bool match = VerifyPassword(
              known ? record.credentials->password_hash : DecoyPasswordHash(),
              request->password());
          if (!known || !match) {
            return call.Finish(InvalidCredentials());
          }
          const std::string user_id = record.credentials->user_id;
          store_.RecordLoginSuccess(email, client, call.deadline(),
                                    [](absl::Status) {});
          response->set_user(UserName(user_id));
          // Register writes the login and the profile in two steps (they
          // live in different cluster slots); if it stopped between them,
          // the profile is created and the claim finished here. A user
          // deleted while this login was checking the password stays
          // deleted.
          const bool unfinished = record.unfinished;
          store_.CreateProfile(
              user_id, NewProfile(user_id, email), call.deadline(),
              [this, call, request, response, user_id, email,
               unfinished](absl::StatusOr<StoredProfile> profile) {
                if (absl::IsNotFound(profile.status())) {
                  return call.Finish(InvalidCredentials());
                }
                if (!profile.ok()) {
                  return call.Finish(profile.status());
                }
                if (!unfinished) {
                  return IssueSession(call, user_id, request->device_name(),
                                      response->mutable_session());
                }
                store_.FinishRegistration(
                    email, user_id, call.deadline(),
                    [this, call, request, response,
                     user_id](absl::StatusOr<bool> finished) {
                      if (!finished.ok()) {
                        return call.Finish(finished.status());
                      }
                      if (!*finished) {  // taken over meanwhile
                        return call.Finish(InvalidCredentials());
                      }
                      IssueSession(call, user_id, request->device_name(),
                                   response->mutable_session());
                    });
              });
        });
      });
  return call.reactor();
}

grpc::ServerUnaryReactor* AccountService::Logout(
    grpc::CallbackServerContext* context, const v1::LogoutRequest*,
    google::protobuf::Empty*) {
  return authenticator_.ServeCaller(
      UnaryCall(context, logout_metrics_), [this](UnaryCall call, Caller) {
        sessions_.Revoke(
            BearerToken(*call.context()), call.deadline(),
            [call](absl::Status revoked) { call.Finish(revoked); });
      });
}

grpc::ServerUnaryReactor* AccountService::GetProfile(
    grpc::CallbackServerContext* context, const v1::GetProfileRequest* request,
    v1::Profile* response) {
  return authenticator_.ServeCaller(
      UnaryCall(context, get_profile_metrics_),
      [this, request, response](UnaryCall call, Caller caller) {
        if (absl::Status own =
                CheckOwnName(request->name(), caller.user_id(), "name");
            !own.ok()) {
          return call.Finish(own);
        }
        store_.GetProfile(caller, call.deadline(),
                          [call, response](absl::StatusOr<StoredProfile> got) {
                            if (got.ok()) {
                              *response = std::move(got->profile);
                            }
                            call.Finish(got.status());
                          });
      });
}

grpc::ServerUnaryReactor* AccountService::UpdateProfile(
    grpc::CallbackServerContext* context,
    const v1::UpdateProfileRequest* request, v1::Profile* response) {
  return authenticator_.ServeCaller(
      UnaryCall(context, update_profile_metrics_),
      [this, request, response](UnaryCall call, Caller caller) {
        if (absl::Status own = CheckOwnName(request->profile().name(),
                                            caller.user_id(), "profile.name");
            !own.ok()) {
          return call.Finish(own);
        }
        store_.GetProfile(
            caller, call.deadline(),
            [this, call, request, response,
             caller](absl::StatusOr<StoredProfile> current) {
              if (!current.ok()) {
                return call.Finish(current.status());
              }
              const absl::Time now = clock_.Now();
              const int year =
                  absl::ToCivilYear(now, absl::UTCTimeZone()).year();
              std::vector<std::string> mask(
                  request->update_mask().paths().begin(),
                  request->update_mask().paths().end());
              absl::StatusOr<v1::Profile> next = ApplyProfileUpdate(
                  current->profile, request->profile(), mask, year);
              if (!next.ok()) {
                return call.Finish(next.status());
              }
              *next->mutable_update_time() = ToTimestamp(now);
              *response = *next;
              store_.ReplaceProfile(caller, *next, current->version,
                                    call.deadline(),
                                    [call](absl::StatusOr<int64_t> version) {
                                      call.Finish(version.status());
                                    });
            });
      });
}

void AccountService::ConfirmPassword(UnaryCall call, const Caller& caller,
                                     const std::string* password,
                                     Confirmed next) {
  // Like Login: a password no account can have is simply wrong.
  if (password->empty() || password->size() > kMaxPasswordBytes) {
    return call.Finish(InvalidCredentials());
  }
  store_.GetProfile(
      caller, call.deadline(),
      [this, call, password,
       next = std::move(next)](absl::StatusOr<StoredProfile> profile) {
        if (!profile.ok()) {
          return call.Finish(profile.status());
        }
        const std::string email = profile->profile.email();
        // Throttled like Login: a stolen session must not become a way to
        // guess the password.
        const std::string client =
            ClientAddress(*call.context(), throttle_.trusted_proxies);
        store_.BeginPasswordCheck(
            email, client, call.deadline(),
            [this, call, password, email, client,
             next](absl::StatusOr<LoginRecord> record) {
              if (!record.ok()) {
                return call.Finish(record.status());
              }
              if (auto throttled = LoginThrottled(*record, throttle_)) {
                return call.Finish(*throttled);
              }
              std::string hash = record->credentials.has_value()
                                     ? record->credentials->password_hash
                                     : "";
              OffThread(
                  call, [this, call, password, email, client, hash, next] {
                    if (!hash.empty() && !VerifyPassword(hash, *password)) {
                      return call.Finish(InvalidCredentials());
                    }
                    store_.RecordLoginSuccess(email, client, call.deadline(),
                                              [](absl::Status) {});
                    next(email, hash);
                  });
            });
      });
}

grpc::ServerUnaryReactor* AccountService::DeleteAccount(
    grpc::CallbackServerContext* context,
    const v1::DeleteAccountRequest* request, google::protobuf::Empty*) {
  return authenticator_.ServeCaller(
      UnaryCall(context, delete_account_metrics_),
      [this, request](UnaryCall call, Caller caller) {
        ConfirmPassword(
            call, caller, &request->password(),
            // A missing hash means an earlier deletion got half way; the
            // session proves who this is, so finish it.
            [this, call, caller](const std::string& email, const std::string&) {
              // The mail first: a deletion cut short after it is retried
              // with the session, which still works until the purge.
              mail_.Forget(
                  caller.user_id(), call.deadline(),
                  [this, call, caller, email](absl::Status forgotten) {
                    if (!forgotten.ok()) {
                      return call.Finish(forgotten);
                    }
                    store_.DeleteAccount(
                        caller, email, call.deadline(),
                        [call](absl::Status deleted) { call.Finish(deleted); });
                  });
            });
      });
}

grpc::ServerUnaryReactor* AccountService::ChangePassword(
    grpc::CallbackServerContext* context,
    const v1::ChangePasswordRequest* request, google::protobuf::Empty*) {
  return authenticator_.ServeCaller(
      UnaryCall(context, change_password_metrics_),
      [this, request](UnaryCall call, Caller caller) {
        if (absl::Status valid =
                ValidateNewPassword("new_password", request->new_password());
            !valid.ok()) {
          return call.Finish(valid);
        }
        ConfirmPassword(
            call, caller, &request->current_password(),
            [this, call, request, caller](const std::string& email,
                                          const std::string& old_hash) {
              if (old_hash.empty()) {  // the account is being deleted
                return call.Finish(InvalidCredentials());
              }
              absl::StatusOr<std::string> new_hash =
                  HashPassword(request->new_password());
              if (!new_hash.ok()) {
                return call.Finish(new_hash.status());
              }
              // The other sessions end before the password changes and
              // again after: a call cut short between the steps leaves them
              // ended (and the old password, so a retry works), and one
              // issued in between by someone with the old password ends
              // too.
              const std::string token = BearerToken(*call.context());
              auto revoke_others = [this, call, token](auto then) {
                sessions_.RevokeOthers(token, call.deadline(),
                                       [call, then = std::move(then)](
                                           absl::StatusOr<int> ended) mutable {
                                         if (!ended.ok()) {
                                           return call.Finish(ended.status());
                                         }
                                         then();
                                       });
              };
              revoke_others([this, call, caller, email, old_hash,
                             new_hash = *new_hash, revoke_others] {
                store_.SetPasswordHash(
                    email, caller.user_id(), old_hash, new_hash,
                    call.deadline(),
                    [call, revoke_others](absl::StatusOr<bool> changed) {
                      if (!changed.ok()) {
                        return call.Finish(changed.status());
                      }
                      if (!*changed) {
                        return call.Finish(absl::AbortedError(
                            "the password was changed by another call "
                            "meanwhile; sign in with the new one"));
                      }
                      revoke_others([call] { call.Finish(absl::OkStatus()); });
                    });
              });
            });
      });
}

grpc::ServerUnaryReactor* AccountService::ListSessions(
    grpc::CallbackServerContext* context, const v1::ListSessionsRequest*,
    v1::ListSessionsResponse* response) {
  return authenticator_.ServeCaller(
      UnaryCall(context, list_sessions_metrics_),
      [this, response](UnaryCall call, Caller caller) {
        sessions_.List(
            BearerToken(*call.context()), call.deadline(),
            [call, response, user_id = caller.user_id()](
                absl::StatusOr<std::vector<SessionRecord>> sessions) {
              if (!sessions.ok()) {
                return call.Finish(sessions.status());
              }
              for (const SessionRecord& record : *sessions) {
                v1::SessionInfo* info = response->add_sessions();
                info->set_name(
                    absl::StrCat(UserName(user_id), "/sessions/", record.id));
                info->set_device_name(record.origin.device_name);
                *info->mutable_create_time() = ToTimestamp(record.create_time);
                *info->mutable_last_use_time() =
                    ToTimestamp(record.last_use_time);
                *info->mutable_expire_time() = ToTimestamp(record.expire_time);
                info->set_client_address(record.origin.client_address);
                info->set_current(record.current);
              }
              call.Finish(absl::OkStatus());
            });
      });
}

grpc::ServerUnaryReactor* AccountService::RevokeSession(
    grpc::CallbackServerContext* context,
    const v1::RevokeSessionRequest* request, google::protobuf::Empty*) {
  return authenticator_.ServeCaller(
      UnaryCall(context, revoke_session_metrics_),
      [this, request](UnaryCall call, Caller caller) {
        // "users/{me or own id}/sessions/{16 hex digits}".
        constexpr absl::string_view kRule =
            "must be users/me/sessions/{session_id} as ListSessions names it "
            "(at most 64 characters)";
        const std::string& name = request->name();
        const size_t slash = name.rfind("/sessions/");
        if (name.size() > 64 || slash == std::string::npos ||
            !IsValidSessionId(name.substr(slash + 10))) {
          return call.Finish(InvalidField("name", std::string(kRule)));
        }
        if (absl::Status own =
                CheckOwnName(name.substr(0, slash), caller.user_id(), "name");
            !own.ok() || slash == 0) {
          return call.Finish(own.ok() ? InvalidField("name", std::string(kRule))
                                      : own);
        }
        sessions_.RevokeById(
            BearerToken(*call.context()), name.substr(slash + 10),
            call.deadline(), [call](absl::StatusOr<bool> ended) {
              if (ended.ok() && !*ended) {
                return call.Finish(
                    absl::NotFoundError("no such session: it has ended"));
              }
              call.Finish(ended.status());
            });
      });
}

grpc::ServerUnaryReactor* AccountService::RevokeOtherSessions(
    grpc::CallbackServerContext* context, const v1::RevokeOtherSessionsRequest*,
    v1::RevokeOtherSessionsResponse* response) {
  return authenticator_.ServeCaller(
      UnaryCall(context, revoke_other_sessions_metrics_),
      [this, response](UnaryCall call, Caller) {
        sessions_.RevokeOthers(BearerToken(*call.context()), call.deadline(),
                               [call, response](absl::StatusOr<int> ended) {
                                 if (ended.ok()) {
                                   response->set_revoked_count(*ended);
                                 }
                                 call.Finish(ended.status());
                               });
      });
}

void AccountService::CountMailRequest(const UnaryCall& call,
                                      std::function<void()> next) {
  const std::string client =
      ClientAddress(*call.context(), throttle_.trusted_proxies);
  mail_.CountAddressRequest(
      client, call.deadline(),
      [call, next = std::move(next)](absl::StatusOr<absl::Duration> wait) {
        if (!wait.ok()) {
          return call.Finish(wait.status());
        }
        if (*wait > absl::ZeroDuration()) {
          return call.Finish(WithRetryDelay(
              WithReason(absl::ResourceExhaustedError(
                             "too many mail requests from this address; "
                             "wait before asking again"),
                         "MAIL_THROTTLED"),
              *wait));
        }
        next();
      });
}

void AccountService::QueueMailFor(UnaryCall call, MailPurpose purpose,
                                  const std::string& email,
                                  const std::string& user_id) {
  CountMailRequest(call, [this, call, purpose, email, user_id] {
    mail_.FindRecipient(
        email, call.deadline(),
        [this, call, purpose, email,
         user_id](absl::StatusOr<std::optional<std::string>> recipient) {
          if (!recipient.ok()) {
            return call.Finish(recipient.status());
          }
          if (!recipient->has_value() ||
              (!user_id.empty() && **recipient != user_id)) {
            return call.Finish(absl::OkStatus());
          }
          mail_.Queue(**recipient, purpose, email, "", call.deadline(),
                      [call](absl::Status queued) { call.Finish(queued); });
        });
  });
}

void AccountService::OpenCode(UnaryCall call, MailPurpose purpose,
                              const std::string& code, Opened next) {
  // A code has the form of a session token, "<user_id>.<secret>", and like
  // one is stored only as the hash of its secret (in its own keys: a
  // session token opens nothing here, nor a code a session).
  std::optional<ParsedToken> parsed =
      code.size() <= 128 ? ParseSessionToken(code) : std::nullopt;
  if (!parsed.has_value()) {
    return call.Finish(MailCodeInvalid());
  }
  const std::string user_id = parsed->user_id;
  // The claim is the code's: a retry of a call cut short after claiming
  // goes on at once, while another code of the same grant waits for the
  // claim to lapse.
  const std::string claim_id = parsed->secret_hash;
  mail_.Claim(
      user_id, purpose, parsed->secret_hash, claim_id, call.deadline(),
      [this, call, purpose, user_id, claim_id,
       next = std::move(next)](absl::StatusOr<MailClaim> claim) {
        if (!claim.ok()) {
          return call.Finish(claim.status());
        }
        if (claim->outcome == MailClaim::Outcome::kInvalid) {
          return call.Finish(MailCodeInvalid());
        }
        if (claim->outcome == MailClaim::Outcome::kBusy) {
          return call.Finish(absl::AbortedError(
              "another code from the same request is being used right now; "
              "try again in a minute"));
        }
        next(user_id, *claim, [this, call, purpose, user_id, claim_id] {
          mail_.Consume(
              user_id, purpose, claim_id, call.deadline(),
              [call](absl::Status consumed) { call.Finish(consumed); });
        });
      });
}

grpc::ServerUnaryReactor* AccountService::RequestPasswordReset(
    grpc::CallbackServerContext* context,
    const v1::RequestPasswordResetRequest* request, google::protobuf::Empty*) {
  UnaryCall call(context, request_password_reset_metrics_);
  if (absl::Status valid = ValidateEmail("email", request->email());
      !valid.ok()) {
    call.Finish(valid);
    return call.reactor();
  }
  QueueMailFor(call, MailPurpose::kPasswordReset,
               NormalizeEmail(request->email()), "");
  return call.reactor();
}

grpc::ServerUnaryReactor* AccountService::ResetPassword(
    grpc::CallbackServerContext* context,
    const v1::ResetPasswordRequest* request, google::protobuf::Empty*) {
  UnaryCall call(context, reset_password_metrics_);
  if (absl::Status valid =
          ValidateNewPassword("new_password", request->new_password());
      !valid.ok()) {
    call.Finish(valid);
    return call.reactor();
  }
  OpenCode(
      call, MailPurpose::kPasswordReset, request->code(),
      [this, call, request](const std::string& user_id, const MailClaim& claim,
                            std::function<void()> consume) {
        OffThread(
            call, [this, call, request, user_id, email = claim.email, consume] {
              absl::StatusOr<std::string> hash =
                  HashPassword(request->new_password());
              if (!hash.ok()) {
                return call.Finish(hash.status());
              }
              // Every session ends before the password changes and again
              // after, as at ChangePassword; the code is used up last, so a
              // call cut short leaves it usable again once its claim lapses.
              auto end_sessions = [this, call, user_id](auto then) {
                store_.EndAllSessions(
                    user_id, call.deadline(),
                    [call, then = std::move(then)](absl::Status ended) mutable {
                      if (!ended.ok()) {
                        return call.Finish(ended);
                      }
                      then();
                    });
              };
              end_sessions([this, call, user_id, email, hash = *hash,
                            end_sessions, consume] {
                store_.ResetPasswordHash(
                    email, user_id, hash, call.deadline(),
                    [call, end_sessions, consume](absl::StatusOr<bool> reset) {
                      if (!reset.ok()) {
                        return call.Finish(reset.status());
                      }
                      if (!*reset) {  // deleted since the mail was sent
                        return call.Finish(MailCodeInvalid());
                      }
                      end_sessions(consume);
                    });
              });
            });
      });
  return call.reactor();
}

grpc::ServerUnaryReactor* AccountService::RequestEmailVerification(
    grpc::CallbackServerContext* context,
    const v1::RequestEmailVerificationRequest*, google::protobuf::Empty*) {
  return authenticator_.ServeCaller(
      UnaryCall(context, request_email_verification_metrics_),
      [this](UnaryCall call, Caller caller) {
        store_.GetProfile(
            caller, call.deadline(),
            [this, call, caller](absl::StatusOr<StoredProfile> profile) {
              if (!profile.ok()) {
                return call.Finish(profile.status());
              }
              if (profile->profile.email_verified()) {
                return call.Finish(absl::OkStatus());  // nothing to send
              }
              QueueMailFor(call, MailPurpose::kVerifyEmail,
                           profile->profile.email(), caller.user_id());
            });
      });
}

grpc::ServerUnaryReactor* AccountService::VerifyEmail(
    grpc::CallbackServerContext* context, const v1::VerifyEmailRequest* request,
    google::protobuf::Empty*) {
  UnaryCall call(context, verify_email_metrics_);
  OpenCode(
      call, MailPurpose::kVerifyEmail, request->code(),
      [this, call](const std::string& user_id, const MailClaim& claim,
                   std::function<void()> consume) {
        auto mark_verified = [this, call, user_id,
                              email = claim.email](std::function<void()> then) {
          store_.MarkEmailVerified(
              user_id, email, call.deadline(),
              [call, then](absl::StatusOr<bool> marked) {
                if (!marked.ok()) {
                  return call.Finish(marked.status());
                }
                if (!*marked) {  // deleted since the mail was sent
                  return call.Finish(MailCodeInvalid());
                }
                then();
              });
        };
        if (claim.change_from.empty()) {
          return mark_verified(consume);
        }
        const std::string old_email = claim.change_from;
        ChangeEmail(call, user_id, old_email, claim.email,
                    [this, call, user_id, mark_verified, consume, old_email] {
                      mark_verified([this, call, user_id, consume, old_email] {
                        store_.ReleaseEmail(
                            old_email, user_id, call.deadline(),
                            [call, consume](absl::Status released) {
                              if (!released.ok()) {
                                return call.Finish(released);
                              }
                              consume();
                            });
                      });
                    });
      });
  return call.reactor();
}

void AccountService::ChangeEmail(UnaryCall call, const std::string& user_id,
                                 const std::string& old_email,
                                 const std::string& new_email,
                                 std::function<void()> then) {
  // Each step may be repeated: a call cut short is finished by using the
  // same code again (its grant is used up only at the end). The new email
  // signs in from the first step, the profile names it from the second,
  // and the old one stops signing in at the last (in VerifyEmail).
  store_.ClaimNewEmail(
      old_email, new_email, user_id, call.deadline(),
      [this, call, user_id, old_email, new_email,
       then = std::move(then)](absl::Status claimed) {
        if (absl::IsNotFound(claimed)) {  // deleted since the mail was sent
          return call.Finish(MailCodeInvalid());
        }
        if (!claimed.ok()) {
          return call.Finish(claimed);
        }
        store_.GetProfileById(
            user_id, call.deadline(),
            [this, call, user_id, old_email, new_email,
             then](absl::StatusOr<StoredProfile> current) {
              if (absl::IsNotFound(current.status())) {
                return call.Finish(MailCodeInvalid());
              }
              if (!current.ok()) {
                return call.Finish(current.status());
              }
              if (current->profile.email() != old_email) {
                return then();  // moved already (a retry)
              }
              v1::Profile next = current->profile;
              next.set_email(new_email);
              *next.mutable_update_time() = ToTimestamp(clock_.Now());
              store_.ReplaceProfileById(
                  user_id, next, current->version, call.deadline(),
                  [call, then](absl::StatusOr<int64_t> version) {
                    if (!version.ok()) {
                      return call.Finish(version.status());
                    }
                    then();
                  });
            });
      });
}

grpc::ServerUnaryReactor* AccountService::RequestEmailChange(
    grpc::CallbackServerContext* context,
    const v1::RequestEmailChangeRequest* request, google::protobuf::Empty*) {
  return authenticator_.ServeCaller(
      UnaryCall(context, request_email_change_metrics_),
      [this, request](UnaryCall call, Caller caller) {
        if (absl::Status valid =
                ValidateEmail("new_email", request->new_email());
            !valid.ok()) {
          return call.Finish(valid);
        }
        ConfirmPassword(
            call, caller, &request->password(),
            [this, call, request, caller](const std::string& email,
                                          const std::string& hash) {
              if (hash.empty()) {  // the account is being deleted
                return call.Finish(InvalidCredentials());
              }
              const std::string new_email =
                  NormalizeEmail(request->new_email());
              if (new_email == email) {
                return call.Finish(InvalidField(
                    "new_email", "is the account's email already"));
              }
              CountMailRequest(call, [this, call, caller, email, new_email] {
                mail_.Queue(
                    caller.user_id(), MailPurpose::kVerifyEmail, new_email,
                    email, call.deadline(),
                    [call](absl::Status queued) { call.Finish(queued); });
              });
            });
      });
}

}  // namespace gracilis::account
