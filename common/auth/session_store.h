#pragma once

// Sessions: issued at login, resolved on every authenticated RPC, revoked at
// logout. A session ends after `idle_timeout` without use or at
// `lifetime` after login, whichever comes first.

#include <memory>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "common/auth/caller.h"
#include "common/auth/session_token.h"
#include "common/clock/clock.h"
#include "common/config/config.h"
#include "common/redis/redis_client.h"
#include "common/status/done.h"

namespace gracilis {

struct SessionConfig {
  absl::Duration idle_timeout = absl::Hours(24 * 14);
  absl::Duration lifetime = absl::Hours(24 * 60);
  static SessionConfig Read(ConfigSource& source);
};

struct IssuedSession {
  std::string token;
  absl::Time expire_time;
  absl::Duration idle_timeout;
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;
  // NOT_FOUND if the user no longer exists.
  virtual void Create(const std::string& user_id, absl::Time deadline,
                      Done<IssuedSession> done) = 0;
  // The caller a token names, for a call whose Redis Functions check its
  // session themselves (Caller::Call); nullopt for a malformed token.
  // Reads nothing.
  virtual std::optional<Caller> CallerFor(const std::string& token) const = 0;
  // The user id, or UNAUTHENTICATED (SESSION_INVALID): one round trip, for
  // calls that touch no user state.
  virtual void Resolve(const std::string& token, absl::Time deadline,
                       Done<std::string> done) = 0;
  // Through the session check: only a live session revokes itself.
  virtual void Revoke(const std::string& token, absl::Time deadline,
                      DoneStatus done) = 0;
};

// Sessions in Redis under the user's hash tag:
//   {u:<id>}:session:<hash>  -> absolute expiry (unix ms), TTL = idle left
//   {u:<id>}:sessions        -> ZSET of hashes by absolute expiry
class RedisSessionStore final : public SessionStore {
 public:
  // The Functions library the RedisClient must load for this store.
  static const FunctionLibrary& Functions();

  RedisSessionStore(RedisClient& redis, const Clock& clock,
                    SessionConfig config);
  void Create(const std::string& user_id, absl::Time deadline,
              Done<IssuedSession> done) override;
  std::optional<Caller> CallerFor(const std::string& token) const override;
  void Resolve(const std::string& token, absl::Time deadline,
               Done<std::string> done) override;
  void Revoke(const std::string& token, absl::Time deadline,
              DoneStatus done) override;

 private:
  SessionCheck CheckFor(const ParsedToken& token) const;

  RedisClient& redis_;
  const Clock& clock_;
  const SessionConfig config_;
};

// Key helpers shared with account deletion.
std::string SessionKey(absl::string_view user_id, absl::string_view hash);
std::string SessionIndexKey(absl::string_view user_id);

}  // namespace gracilis
