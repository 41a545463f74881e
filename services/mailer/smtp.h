#pragma once

// Hands a mail to an SMTP server with libcurl (Debian's
// libcurl4-openssl-dev): no SMTP spoken by hand. smtp:// for plain (with
// STARTTLS when the server offers it, required with require_tls), smtps://
// for TLS from the start.

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/config/config.h"
#include "services/account/domain/mail.h"

namespace gracilis::mailer {

struct SmtpConfig {
  std::string url = "smtp://127.0.0.1:2525";
  std::string from = "no-reply@gracilis.app";
  std::string from_name = "Gracilis";
  std::string user;  // AUTH when non-empty
  std::string password;
  bool require_tls = false;
  absl::Duration timeout = absl::Seconds(20);

  static SmtpConfig Read(ConfigSource& source);
};

class SmtpSender {
 public:
  virtual ~SmtpSender() = default;
  // OK once the server accepted the mail for `to`; UNAVAILABLE naming the
  // server's answer otherwise (a refused recipient too: the mail is tried
  // again later, and a lasting refusal shows in the metrics).
  virtual absl::Status Send(const std::string& to,
                            const account::MailText& mail) = 0;
};

class CurlSmtpSender final : public SmtpSender {
 public:
  explicit CurlSmtpSender(SmtpConfig config);
  absl::Status Send(const std::string& to,
                    const account::MailText& mail) override;

 private:
  const SmtpConfig config_;
};

// The message as sent: headers (Date, From, To, Subject, Message-ID,
// MIME-Version, Content-Type) and the body, lines ending in CRLF.
std::string FormatMessage(const SmtpConfig& config, const std::string& to,
                          const account::MailText& mail, absl::Time now,
                          const std::string& message_id);

}  // namespace gracilis::mailer
