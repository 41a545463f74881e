#pragma once

// What RPC tests of authenticated services share: a session for a test user,
// and a unary call with a deadline (5 s unless given) and `authorization:
// Bearer <token>` whose grpc::Status comes back as absl::Status.

#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/auth/session_store.h"
#include "common/status/grpc_status.h"
#include "grpcpp/grpcpp.h"

namespace gracilis::testing {

// A token for `user_id` (whose account must exist); empty on failure.
inline std::string IssueSession(SessionStore& sessions,
                                const std::string& user_id) {
  absl::Notification done;
  std::string token;
  sessions.Create(user_id, {"test", "local"}, absl::InfiniteFuture(),
                  [&](absl::StatusOr<IssuedSession> session) {
                    if (session.ok()) {
                      token = session->token;
                    }
                    done.Notify();
                  });
  done.WaitForNotification();
  return token;
}

// `token` may be empty (no authorization metadata).
template <typename Stub, typename Request, typename Response>
absl::StatusOr<Response> SignedInCall(
    Stub& stub,
    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                 Response*),
    const Request& request, const std::string& token,
    absl::Duration deadline = absl::Seconds(5)) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  if (!token.empty()) {
    context.AddMetadata("authorization", "Bearer " + token);
  }
  Response response;
  absl::Status status =
      FromGrpcStatus((stub.*method)(&context, request, &response));
  if (!status.ok()) {
    return status;
  }
  return response;
}

}  // namespace gracilis::testing
