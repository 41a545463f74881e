#pragma once

// Resolves `authorization: Bearer <token>` to a user id before a handler
// runs. Every authenticated RPC goes through ServeAuthenticated.

#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "common/auth/session_store.h"
#include "common/grpc/unary_call.h"

namespace gracilis {

// The bearer token of a call, or empty.
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

  // Starts `call`: resolves the caller, then runs
  // `handler(UnaryCall, std::string user_id)`, which must Finish the call.
  // A missing or invalid token finishes it with UNAUTHENTICATED, Redis
  // trouble with UNAVAILABLE; the handler does not run.
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
