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

// A user has at most this many live sessions: issuing one more ends the
// oldest (so a script that logs in forever cannot grow the user's keys).
inline constexpr int kMaxSessionsPerUser = 50;

// Where a session was issued to, shown to its owner (ListSessions).
struct SessionOrigin {
  std::string device_name;     // as the client named itself; may be empty
  std::string client_address;  // already coarsened by the caller
};

// A live session as its owner sees it.
struct SessionRecord {
  std::string id;  // SessionId of its token: not the token, nor its hash
  SessionOrigin origin;
  absl::Time create_time;
  absl::Time last_use_time;  // to the touch granularity (a minute)
  absl::Time expire_time;
  bool current = false;  // the session of the token that asked
};

// The public id of a session: the first 16 hex digits of its token's hash
// (64 bits, enough to tell one user's sessions apart; the hash cannot be
// turned back into the token anyway).
std::string SessionId(absl::string_view token_hash);
bool IsValidSessionId(absl::string_view id);

class SessionStore {
 public:
  virtual ~SessionStore() = default;
  // NOT_FOUND if the user no longer exists.
  virtual void Create(const std::string& user_id, const SessionOrigin& origin,
                      absl::Time deadline, Done<IssuedSession> done) = 0;
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
  // The live sessions of the token's user, newest first; each call below
  // checks the token's session in the same step (UNAUTHENTICATED if it is
  // not live).
  virtual void List(const std::string& token, absl::Time deadline,
                    Done<std::vector<SessionRecord>> done) = 0;
  // Ends the session `id` of the token's user: false if it had ended.
  virtual void RevokeById(const std::string& token, const std::string& id,
                          absl::Time deadline, Done<bool> done) = 0;
  // Ends every session of the token's user but its own; how many ended.
  virtual void RevokeOthers(const std::string& token, absl::Time deadline,
                            Done<int> done) = 0;
};

// Sessions in Redis under the user's hash tag:
//   {u:<id>}:session:<hash>  -> absolute expiry (unix ms), TTL = idle left
//   {u:<id>}:sessions        -> ZSET of hashes by absolute expiry
//   {u:<id>}:devices         -> HASH hash -> JSON {created_ms, device,
//                               address}; expires with the newest session
// The last use is not stored: the session rule pushes the key's TTL back
// to the idle timeout on use (to the touch granularity), so the TTL left
// tells when it was last used, with no write on the hot path.
class RedisSessionStore final : public SessionStore {
 public:
  // The Functions library the RedisClient must load for this store.
  static const FunctionLibrary& Functions();

  RedisSessionStore(RedisClient& redis, const Clock& clock,
                    SessionConfig config);
  void Create(const std::string& user_id, const SessionOrigin& origin,
              absl::Time deadline, Done<IssuedSession> done) override;
  std::optional<Caller> CallerFor(const std::string& token) const override;
  void Resolve(const std::string& token, absl::Time deadline,
               Done<std::string> done) override;
  void Revoke(const std::string& token, absl::Time deadline,
              DoneStatus done) override;
  void List(const std::string& token, absl::Time deadline,
            Done<std::vector<SessionRecord>> done) override;
  void RevokeById(const std::string& token, const std::string& id,
                  absl::Time deadline, Done<bool> done) override;
  void RevokeOthers(const std::string& token, absl::Time deadline,
                    Done<int> done) override;

 private:
  SessionCheck CheckFor(const ParsedToken& token) const;
  // Calls the session library's user function `function` (keys: the
  // sessions index and devices, then `args`) for the token's session;
  // UNAUTHENTICATED for a malformed token.
  void CallForToken(const std::string& token, absl::string_view function,
                    std::vector<std::string> args, absl::Time deadline,
                    RedisClient::Callback done);

  RedisClient& redis_;
  const Clock& clock_;
  const SessionConfig config_;
};

// Key helpers shared with account deletion.
std::string SessionKey(absl::string_view user_id, absl::string_view hash);
std::string SessionIndexKey(absl::string_view user_id);
std::string SessionDevicesKey(absl::string_view user_id);

}  // namespace gracilis
