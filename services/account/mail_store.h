#pragma once

// The outbox: mail the account service asks for and the mailer
// (services/mailer) delivers. A request writes its mail and the grant it
// carries in one step, in the user's mail shard; the mailer takes due mail,
// mints each mail's code there (so no code is ever stored in clear: only
// its hash, and only once it is about to be sent), hands the mail to SMTP,
// and marks it sent or due again later. A code opens its grant (a password
// reset, an email verification) until it expires or the grant is used.

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/redis/redis_client.h"
#include "common/status/done.h"
#include "services/account/domain/mail.h"

namespace gracilis::account {

// What a code opened.
struct MailClaim {
  // kInvalid: expired, used, or never issued. kBusy: a call with another
  // code of the same grant holds it right now.
  enum class Outcome { kClaimed, kInvalid, kBusy };
  Outcome outcome = Outcome::kInvalid;
  std::string email;  // the address the code was mailed to (kClaimed)
  // For an email change: the address `email` replaces once confirmed.
  std::string change_from;
};

// How long a claim holds a grant for the call that made it: a call cut
// short leaves the code usable again after this.
inline constexpr absl::Duration kMailClaimLease = absl::Seconds(60);

// The account service's side.
class MailStore {
 public:
  virtual ~MailStore() = default;
  // Counts a mail request from `client_address`: zero to go on, else how
  // long it has to wait (MailLimits::per_address).
  virtual void CountAddressRequest(const std::string& client_address,
                                   absl::Time deadline,
                                   Done<absl::Duration> done) = 0;
  // Counts a mail request for `email`: the user id of its account, or
  // nullopt if it has none (or its registration has not finished) or it is
  // over MailLimits::per_email.
  virtual void FindRecipient(const std::string& email, absl::Time deadline,
                             Done<std::optional<std::string>> done) = 0;
  // Queues `purpose`'s mail to `email` for `user_id`, with its grant;
  // `change_from`: the email an email change replaces (else empty). A
  // grant of that purpose for another email or change is replaced (its
  // codes end).
  virtual void Queue(const std::string& user_id, MailPurpose purpose,
                     const std::string& email, const std::string& change_from,
                     absl::Time deadline, DoneStatus done) = 0;
  // Claims the grant `code_hash` opens for `claim_id` (kMailClaimLease).
  virtual void Claim(const std::string& user_id, MailPurpose purpose,
                     const std::string& code_hash, const std::string& claim_id,
                     absl::Time deadline, Done<MailClaim> done) = 0;
  // Ends the grant `claim_id` holds: every code of it stops working.
  virtual void Consume(const std::string& user_id, MailPurpose purpose,
                       const std::string& claim_id, absl::Time deadline,
                       DoneStatus done) = 0;
  // Removes every grant and waiting mail of `user_id` (DeleteAccount).
  virtual void Forget(const std::string& user_id, absl::Time deadline,
                      DoneStatus done) = 0;
};

// A mail the mailer is to send now.
struct OutgoingMail {
  std::string member;  // "<user_id>:<purpose>" in the outbox
  std::string user_id;
  MailPurpose purpose = MailPurpose::kPasswordReset;
  std::string email;
  int failed_attempts = 0;  // since it was last sent
  int code_index = 0;       // which of the offered code hashes it carries
};

// One shard's due mail, and the shard's state for the metrics.
struct TakenMail {
  std::vector<OutgoingMail> mail;
  int64_t pending = 0;  // in the outbox, taken ones included
  std::optional<absl::Time> oldest_queued;
  int dropped = 0;  // kept past kMailKeptFor, or their grant was gone
};

// Keys (S = the user's MailShard, one hex digit):
//   {m:S}:grant:<user_id>:<purpose>  HASH email, change_from, attempts, claim,
//        claim_until, c:<code hash> -> expiry ms; TTL at least the
//        newest code's lifetime, and kMailKeptFor while its mail waits
//   {m:S}:outbox   ZSET "<user_id>:<purpose>" -> due ms
//   {m:S}:queued   ZSET the same -> when it was first queued (its age)
//   {e:<email>}:mail_requests, {a:<address>}:mail_requests  counts in
//        MailLimits::window
class RedisMailStore final : public MailStore {
 public:
  // Owned by the account service; the mailer Needs it.
  static const FunctionLibrary& Functions();

  RedisMailStore(RedisClient& redis, MailLimits limits);
  void CountAddressRequest(const std::string& client_address,
                           absl::Time deadline,
                           Done<absl::Duration> done) override;
  void FindRecipient(const std::string& email, absl::Time deadline,
                     Done<std::optional<std::string>> done) override;
  void Queue(const std::string& user_id, MailPurpose purpose,
             const std::string& email, const std::string& change_from,
             absl::Time deadline, DoneStatus done) override;
  void Claim(const std::string& user_id, MailPurpose purpose,
             const std::string& code_hash, const std::string& claim_id,
             absl::Time deadline, Done<MailClaim> done) override;
  void Consume(const std::string& user_id, MailPurpose purpose,
               const std::string& claim_id, absl::Time deadline,
               DoneStatus done) override;
  void Forget(const std::string& user_id, absl::Time deadline,
              DoneStatus done) override;

  // The mailer's side. Takes up to code_hashes.size() due mails of
  // `shard`, leasing each for `lease` (due again after it unless marked
  // sent or failed) and giving it the code whose hash is
  // code_hashes[code_index].
  void Take(int shard, const std::vector<std::string>& code_hashes,
            absl::Duration lease, absl::Time deadline, Done<TakenMail> done);
  void MarkSent(const OutgoingMail& mail, absl::Time deadline, DoneStatus done);
  // Its code ends (it never arrived) and it is due again after `retry_in`.
  void MarkFailed(const OutgoingMail& mail, const std::string& code_hash,
                  absl::Duration retry_in, absl::Time deadline,
                  DoneStatus done);

 private:
  RedisClient& redis_;
  const MailLimits limits_;
};

}  // namespace gracilis::account
