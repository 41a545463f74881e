#include "services/account/domain/mail.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace gracilis::account {

absl::string_view PurposeName(MailPurpose purpose) {
  switch (purpose) {
    case MailPurpose::kPasswordReset:
      return "reset";
    case MailPurpose::kVerifyEmail:
      return "verify";
  }
  return "reset";
}

std::optional<MailPurpose> ParsePurpose(absl::string_view name) {
  if (name == "reset") return MailPurpose::kPasswordReset;
  if (name == "verify") return MailPurpose::kVerifyEmail;
  return std::nullopt;
}

absl::Duration CodeLifetime(MailPurpose purpose) {
  return purpose == MailPurpose::kPasswordReset ? absl::Hours(1)
                                                : absl::Hours(72);
}

int MailShard(absl::string_view user_id) {
  if (user_id.empty()) return 0;
  const char c = user_id[0];
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return 0;
}

absl::Duration RetryDelay(int failed_attempts) {
  const int doublings = std::clamp(failed_attempts - 1, 0, 7);
  return std::min(absl::Seconds(5) * (1 << doublings), absl::Minutes(10));
}

MailText ComposeMail(MailPurpose purpose, absl::string_view code,
                     absl::string_view link_base) {
  const std::string hours =
      absl::StrCat(absl::ToInt64Hours(CodeLifetime(purpose)));
  std::vector<std::string> lines;
  MailText mail;
  if (purpose == MailPurpose::kPasswordReset) {
    mail.subject = "Reset your Gracilis password";
    lines = {
        "Someone asked to reset the password of the Gracilis account with "
        "this email.",
        "",
        "To choose a new password, open this link on your phone:",
        absl::StrCat(link_base, "reset?code=", code),
        "",
        "or enter this code in the app (or: gracilis password reset CODE):",
        std::string(code),
        "",
        absl::StrCat("The code works once, for ", hours,
                     hours == "1" ? " hour" : " hours",
                     ". Resetting signs you out on every device."),
        "",
        "If you did not ask for this, ignore this mail: your password stays "
        "as it is.",
    };
  } else {
    mail.subject = "Confirm your email for Gracilis";
    lines = {
        "Confirm that this is your email address for Gracilis.",
        "",
        "Open this link on your phone:",
        absl::StrCat(link_base, "verify?code=", code),
        "",
        "or enter this code in the app (or: gracilis email verify CODE):",
        std::string(code),
        "",
        absl::StrCat("The code works once, for ", hours, " hours."),
        "",
        "If you did not sign up for Gracilis, ignore this mail.",
    };
  }
  mail.body = absl::StrCat(absl::StrJoin(lines, "\r\n"), "\r\n");
  return mail;
}

}  // namespace gracilis::account
