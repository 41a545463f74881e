#pragma once

// Where accounts live. Asynchronous: each call completes once through its
// Done callback (on the Redis loop thread for the Redis implementation).

#include <optional>
#include <string>

#include "absl/time/time.h"
#include "common/auth/caller.h"
#include "common/redis/redis_client.h"
#include "common/status/done.h"
#include "gracilis/account/v1/account.pb.h"

namespace gracilis::account {

struct Credentials {
  std::string user_id;
  std::string password_hash;
  std::string request_id;  // of the Register call that created them
};

// Registration writes in two cluster slots: the email's claim, then the
// user's profile. A claim stays "unfinished" until FinishRegistration marks
// it, once the profile exists. An unfinished claim older than
// kUnfinishedClaimLifetime (far beyond any call's deadline: its
// registration has died) is taken over by the next registration of the
// email, so a registration killed between its writes never locks an email.
inline constexpr absl::Duration kUnfinishedClaimLifetime = absl::Minutes(2);

struct RegisterResult {
  // kUnfinished: another registration of this email has not finished yet;
  // with the same password it is this person's, and this call finishes it.
  enum class Outcome { kCreated, kSameRequest, kUnfinished, kEmailTaken };
  Outcome outcome;
  Credentials stored;  // what is stored now
};

struct LoginRecord {
  std::optional<Credentials> credentials;  // nullopt: unknown email
  bool unfinished = false;                 // its registration has not finished
  // How long this client address is still blocked (zero: not blocked).
  absl::Duration address_blocked_for;
  // Failures from every address but the owner's known ones in the window
  // before this attempt.
  int account_failures = 0;
  absl::Duration account_window_left;
  // The owner logged in from this address before (kKnownAddressesKept).
  bool known_address = false;
};

struct StoredProfile {
  v1::Profile profile;
  int64_t version = 0;
};

class AccountStore {
 public:
  virtual ~AccountStore() = default;
  // Claims `email` for `credentials` unless it is claimed already.
  virtual void Register(const std::string& email, Credentials credentials,
                        absl::Time deadline, Done<RegisterResult> done) = 0;
  // Marks the claim of `email` finished, once `user_id`'s profile exists:
  // false if the claim is no longer that user's (taken over).
  virtual void FinishRegistration(const std::string& email,
                                  const std::string& user_id,
                                  absl::Time deadline, Done<bool> done) = 0;
  // Creates the profile if the user has none (idempotent); returns the
  // stored one either way. NOT_FOUND if the user was deleted moments ago.
  virtual void CreateProfile(const std::string& user_id,
                             const v1::Profile& profile, absl::Time deadline,
                             Done<StoredProfile> done) = 0;
  // Starts a password check for `email` (Login, DeleteAccount) from the
  // client at `client_address`: its credentials and the throttle's state
  // before this attempt (LoginThrottle). Unless the throttle is closed
  // already, this attempt is counted as a failure up front, in the same
  // step, so that guesses sent in parallel cannot all be checked before the
  // first failure is counted; RecordLoginSuccess undoes it for the address
  // when the password was right, and remembers the address as the owner's.
  virtual void BeginPasswordCheck(const std::string& email,
                                  const std::string& client_address,
                                  absl::Time deadline,
                                  Done<LoginRecord> done) = 0;
  virtual void RecordLoginSuccess(const std::string& email,
                                  const std::string& client_address,
                                  absl::Time deadline, DoneStatus done) = 0;
  // NOT_FOUND if the user has no profile. The calls for a Caller check its
  // session in the same step (UNAUTHENTICATED if it is not live).
  virtual void GetProfile(const Caller& caller, absl::Time deadline,
                          Done<StoredProfile> done) = 0;
  // Writes `profile` if the stored version is still `expected_version`;
  // ABORTED otherwise (a concurrent update won). Returns the new version.
  virtual void ReplaceProfile(const Caller& caller, const v1::Profile& profile,
                              int64_t expected_version, absl::Time deadline,
                              Done<int64_t> done) = 0;
  // Replaces the password hash of `email`'s claim if it is still
  // `user_id`'s with `old_hash`: false if not (changed or deleted
  // meanwhile).
  virtual void SetPasswordHash(const std::string& email,
                               const std::string& user_id,
                               const std::string& old_hash,
                               const std::string& new_hash, absl::Time deadline,
                               Done<bool> done) = 0;
  // A password reset: replaces the password hash of `email`'s claim if it
  // is still `user_id`'s finished one; false if not.
  virtual void ResetPasswordHash(const std::string& email,
                                 const std::string& user_id,
                                 const std::string& new_hash,
                                 absl::Time deadline, Done<bool> done) = 0;
  // Ends every session of `user_id` (no session of theirs needed).
  virtual void EndAllSessions(const std::string& user_id, absl::Time deadline,
                              DoneStatus done) = 0;
  // Records that the owner of `email` confirmed it: the profile is
  // email_verified while its email is that one. False if the user has no
  // profile.
  virtual void MarkEmailVerified(const std::string& user_id,
                                 const std::string& email, absl::Time deadline,
                                 Done<bool> done) = 0;
  // For a mailed code, which carries no session: the profile by user id
  // (NOT_FOUND if none), and its compare-and-set replacement (ABORTED if
  // the stored version is no longer `expected_version`).
  virtual void GetProfileById(const std::string& user_id, absl::Time deadline,
                              Done<StoredProfile> done) = 0;
  virtual void ReplaceProfileById(const std::string& user_id,
                                  const v1::Profile& profile,
                                  int64_t expected_version, absl::Time deadline,
                                  Done<int64_t> done) = 0;
  // An email change whose new address was confirmed: claims `new_email`
  // for `user_id` with the password of its claim on `old_email`.
  // ALREADY_EXISTS (EMAIL_TAKEN) if another account has it, NOT_FOUND if
  // the old claim is no longer the user's.
  virtual void ClaimNewEmail(const std::string& old_email,
                             const std::string& new_email,
                             const std::string& user_id, absl::Time deadline,
                             DoneStatus done) = 0;
  // Removes `email`'s claim, its failure count and known addresses, if the
  // claim is `user_id`'s (DeleteAccount, an email change).
  virtual void ReleaseEmail(const std::string& email,
                            const std::string& user_id, absl::Time deadline,
                            DoneStatus done) = 0;
  // Removes the email claim, then every key of the user, sessions included.
  virtual void DeleteAccount(const Caller& caller, const std::string& email,
                             absl::Time deadline, DoneStatus done) = 0;
};

// Failed password checks are throttled per email and client address, so a
// third party guessing from elsewhere cannot lock the owner out: from the
// max_failures-th failure in a row, each failure blocks that address for a
// delay that doubles (first_delay, 2x, 4x, ... max_delay). A much higher
// count from all addresses together (max_account_failures in the window)
// stops a guesser who spreads over many addresses: then every address
// waits for the window, except those the owner logged in from before.
struct LoginThrottle {
  int max_failures = 5;  // per email and client address, before delays
  absl::Duration first_delay = absl::Seconds(30);
  absl::Duration max_delay = absl::Hours(1);
  int max_account_failures = 100;  // per email, unknown addresses
  // Failures are forgotten after a window without any.
  absl::Duration window = absl::Minutes(15);
  // Peers whose x-client-address header (the gateway's) names the client;
  // address prefixes.
  std::vector<std::string> trusted_proxies = {"127.0.0.1", "::1"};
};

// The addresses an owner logged in from that the account's limit does not
// close: the newest few, each for a while after its last login.
inline constexpr int kKnownAddressesKept = 10;
inline constexpr absl::Duration kKnownAddressLifetime = absl::Hours(24 * 90);

// Keys:
//   {e:<email>}:login    HASH user_id, password_hash, request_id
//   {e:<email>}:fails    failed logins in the window from addresses not
//                        known (TTL = window)
//   {e:<email>}:throttle:<address>  HASH n (failures in a row), until_ms
//                        (blocked until); TTL window + the last delay
//   {e:<email>}:known    ZSET addresses the owner logged in from -> last
//                        success ms (TTL kKnownAddressLifetime)
//   {u:<id>}:profile     HASH data (serialized Profile), version,
//                        verified_email (the email last confirmed)
//   {u:<id>}:keys        SET of the user's keys, for DeleteAccount
//   {u:<id>}:deleted     marker left by DeleteAccount for 10 minutes
class RedisAccountStore final : public AccountStore {
 public:
  static const FunctionLibrary& Functions();

  RedisAccountStore(RedisClient& redis, LoginThrottle throttle);
  void Register(const std::string& email, Credentials credentials,
                absl::Time deadline, Done<RegisterResult> done) override;
  void FinishRegistration(const std::string& email, const std::string& user_id,
                          absl::Time deadline, Done<bool> done) override;
  void CreateProfile(const std::string& user_id, const v1::Profile& profile,
                     absl::Time deadline, Done<StoredProfile> done) override;
  void BeginPasswordCheck(const std::string& email,
                          const std::string& client_address,
                          absl::Time deadline, Done<LoginRecord> done) override;
  void RecordLoginSuccess(const std::string& email,
                          const std::string& client_address,
                          absl::Time deadline, DoneStatus done) override;
  void GetProfile(const Caller& caller, absl::Time deadline,
                  Done<StoredProfile> done) override;
  void ReplaceProfile(const Caller& caller, const v1::Profile& profile,
                      int64_t expected_version, absl::Time deadline,
                      Done<int64_t> done) override;
  void SetPasswordHash(const std::string& email, const std::string& user_id,
                       const std::string& old_hash, const std::string& new_hash,
                       absl::Time deadline, Done<bool> done) override;
  void ResetPasswordHash(const std::string& email, const std::string& user_id,
                         const std::string& new_hash, absl::Time deadline,
                         Done<bool> done) override;
  void EndAllSessions(const std::string& user_id, absl::Time deadline,
                      DoneStatus done) override;
  void MarkEmailVerified(const std::string& user_id, const std::string& email,
                         absl::Time deadline, Done<bool> done) override;
  void GetProfileById(const std::string& user_id, absl::Time deadline,
                      Done<StoredProfile> done) override;
  void ReplaceProfileById(const std::string& user_id,
                          const v1::Profile& profile, int64_t expected_version,
                          absl::Time deadline, Done<int64_t> done) override;
  void ClaimNewEmail(const std::string& old_email, const std::string& new_email,
                     const std::string& user_id, absl::Time deadline,
                     DoneStatus done) override;
  void ReleaseEmail(const std::string& email, const std::string& user_id,
                    absl::Time deadline, DoneStatus done) override;
  void DeleteAccount(const Caller& caller, const std::string& email,
                     absl::Time deadline, DoneStatus done) override;

 private:
  RedisClient& redis_;
  const LoginThrottle throttle_;
};

}  // namespace gracilis::account
