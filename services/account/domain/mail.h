#pragma once

// Mail the account service sends: what each kind is for, how long its code
// works, how often it may be asked for, and its text. Pure rules; the
// outbox (mail_store.h) and the mailer (services/mailer) apply them.

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace gracilis::account {

enum class MailPurpose { kPasswordReset, kVerifyEmail };

// "reset" / "verify": how the purpose is named in Redis and in metrics.
absl::string_view PurposeName(MailPurpose purpose);
std::optional<MailPurpose> ParsePurpose(absl::string_view name);

// How long a mailed code works, from the moment its mail is sent (a mail
// held up by an SMTP outage does not arrive already dead).
absl::Duration CodeLifetime(MailPurpose purpose);

// Requests for mail are counted per email and per client address in a
// window: over per_email, a request is answered like any other but sends
// nothing (answering differently would tell whether the account exists);
// over per_address, it is refused with the time to wait.
struct MailLimits {
  int per_email = 3;
  int per_address = 10;
  absl::Duration window = absl::Hours(1);
};

// Mail waits in one of kMailShards outboxes, chosen by the user id (its
// first hex digit), so that in a Redis Cluster the outboxes spread over
// the primaries and the mailer polls a fixed, small set of keys.
inline constexpr int kMailShards = 16;
int MailShard(absl::string_view user_id);

// A mail that could not be handed to the SMTP server is tried again after
// a delay that doubles from 5 s up to 10 minutes; it is kept for as long as
// kMailKeptFor, then dropped (and counted).
absl::Duration RetryDelay(int failed_attempts);
inline constexpr absl::Duration kMailKeptFor = absl::Hours(24 * 7);

struct MailText {
  std::string subject;
  std::string body;  // plain text, lines ending in CRLF
};

// The mail carrying `code` for `purpose`. `link_base` is where the app
// opens links, e.g. "https://gracilis.app/" (the code follows "reset?code="
// or "verify?code="); the body also gives the code alone, for typing.
MailText ComposeMail(MailPurpose purpose, absl::string_view code,
                     absl::string_view link_base);

}  // namespace gracilis::account
