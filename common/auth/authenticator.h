#pragma once

// Turns `authorization: Bearer <token>` into the caller of an RPC. Every
// user-scoped RPC goes through ServeCaller (the session is checked in its
// own Redis calls); the one call that touches no user state, through Serve.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "common/auth/session_store.h"
#include "common/grpc/unary_call.h"

namespace gracilis {

// The bearer token of a call, or empty (none, or more than one).
std::string BearerToken(const grpc::CallbackServerContext& context);

// The calling client's IP address: the gateway's `x-client-address` header
// (which it sets from the connection, replacing any a client sent) when the
// peer's address starts with one of `trusted_proxies`, else the peer's own
// address.
std::string ClientAddress(const grpc::CallbackServerContext& context,
                          const std::vector<std::string>& trusted_proxies);

class Authenticator {
 public:
  explicit Authenticator(SessionStore& sessions) : sessions_(sessions) {}

  // Starts a user-scoped call: runs `handler(UnaryCall, Caller)` at once,
  // with no round trip; the handler's store calls for that Caller check
  // the session inside their own Redis Function (caller.h), so the check
  // costs no round trip of its own (failures found before any store call
  // take one, below). A missing or malformed token finishes
  // the call with UNAUTHENTICATED and the handler does not run.
  template <typename Handler>
  grpc::ServerUnaryReactor* ServeCaller(UnaryCall call, Handler handler) {
    const std::string token = BearerToken(*call.context());
    std::optional<Caller> caller = sessions_.CallerFor(token);
    if (!caller.has_value()) {
      call.Finish(token.empty() ? MissingToken() : InvalidSession());
      return call.reactor();
    }
    // A failure the handler finds before any of its calls confirmed the
    // session (a malformed request, another user's resource) is answered
    // only once the session is known live: authentication comes first.
    call.SetFailureGate(std::make_shared<const UnaryCall::FailureGate>(
        [this, token, confirmed = *caller](absl::Status status,
                                           UnaryCall ungated) {
          if (confirmed.confirmed()) {
            return ungated.Finish(status);
          }
          sessions_.Resolve(
              token, ungated.deadline(),
              [status, ungated](absl::StatusOr<std::string> user) {
                ungated.Finish(user.ok() ? status : user.status());
              });
        }));
    handler(call, *std::move(caller));
    return call.reactor();
  }

  // Starts a call that touches no user state: resolves the caller (one
  // round trip), then runs `handler(UnaryCall, std::string user_id)`, which
  // must Finish the call. A missing or invalid token finishes it with
  // UNAUTHENTICATED, Redis trouble with UNAVAILABLE; the handler does not
  // run.
  template <typename Handler>
  grpc::ServerUnaryReactor* Serve(UnaryCall call, Handler handler) {
    std::string token = BearerToken(*call.context());
    if (token.empty()) {
      call.Finish(MissingToken());
      return call.reactor();
    }
    sessions_.Resolve(token, call.deadline(),
                      [call, handler = std::move(handler)](
                          absl::StatusOr<std::string> user_id) mutable {
                        if (!user_id.ok()) {
                          call.Finish(user_id.status());
                          return;
                        }
                        handler(call, *std::move(user_id));
                      });
    return call.reactor();
  }

 private:
  static absl::Status MissingToken();
  SessionStore& sessions_;
};

}  // namespace gracilis
