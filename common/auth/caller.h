#pragma once

// Whom a user-scoped call acts for, and the one place its session is
// checked in the same Redis round trip as the operation (issue 20).
//
// A signed-in user's Caller carries the session key named by the token and
// the check's arguments. Each Redis Function call made for it goes through
// its library's `<library>_as_user` entry point, which runs the session
// rule (expiry, idle timeout with its touch granularity, revocation) and
// then the function, atomically, in the user's slot: a revoked or expired
// token is refused by the very call that would have read or written.
//
// Libraries with such functions are made with MakeUserFunctionLibrary,
// which includes the shared Lua (the session rule, register_user_function
// and the entry point) so that no library copies it.

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/redis/redis_client.h"

namespace gracilis {

// How to check a session inside a Function: its key (in the user's slot)
// and the rule's arguments (now, idle timeout, touch granularity, in ms).
struct SessionCheck {
  std::string key;
  std::vector<std::string> args;
};

class Caller {
 public:
  // A signed-in user; every call made for it checks `session` first.
  Caller(std::string user_id, SessionCheck session)
      : user_id_(std::move(user_id)),
        session_(std::move(session)),
        confirmed_(std::make_shared<std::atomic<bool>>(false)) {}
  // A service acting for the user, authorized by its own credential (the
  // weekly job's service token): no session to check.
  static Caller Service(std::string user_id) {
    return Caller(std::move(user_id));
  }

  const std::string& user_id() const { return user_id_; }
  // Whether a call made for this caller (or a copy) found the session
  // live. Always true for a service.
  bool confirmed() const { return confirmed_->load(); }

  // FCALL `function` of `library` (made with MakeUserFunctionLibrary and
  // registered there with register_user_function) for this caller, with
  // the function's own keys and args. A session that is not live finishes
  // `done` with UNAUTHENTICATED (SESSION_INVALID) and runs nothing else.
  void Call(RedisClient& redis, const FunctionLibrary& library,
            absl::string_view function, std::vector<std::string> keys,
            std::vector<std::string> args, RedisClient::Callback done,
            absl::Time deadline) const;

 private:
  explicit Caller(std::string user_id)
      : user_id_(std::move(user_id)),
        confirmed_(std::make_shared<std::atomic<bool>>(true)) {}

  std::string user_id_;
  std::optional<SessionCheck> session_;
  std::shared_ptr<std::atomic<bool>> confirmed_;
};

// UNAUTHENTICATED with reason SESSION_INVALID: the one answer to a token
// whose session is missing, expired, idle too long or revoked.
absl::Status InvalidSession();

// A library whose Lua may call, besides Redis' own API:
//   session_live(key, now_ms, idle_ms, granularity_ms): the session rule;
//   register_user_function(name, callback[, flags]): registers a function
//     that a Caller can also reach through the library's `<name>_as_user`
//     (flags as redis.register_function's, e.g. {'no-writes'}).
FunctionLibrary MakeUserFunctionLibrary(absl::string_view name, int version,
                                        absl::string_view functions);

}  // namespace gracilis
