#include "services/mailer/smtp.h"

#include <curl/curl.h>

#include <cstring>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "common/auth/session_token.h"

namespace gracilis::mailer {
namespace {

struct Upload {
  const std::string* data;
  size_t offset = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t left = upload->data->size() - upload->offset;
  const size_t n = std::min(left, size * count);
  std::memcpy(buffer, upload->data->data() + upload->offset, n);
  upload->offset += n;
  return n;
}

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

SmtpConfig SmtpConfig::Read(ConfigSource& source) {
  SmtpConfig config;
  config.url = source.String(
      "smtp_url", config.url,
      "the SMTP server: smtp://host:port (STARTTLS when offered) or "
      "smtps://host:port");
  config.from =
      source.String("mail_from", config.from, "the address mail is sent from");
  config.from_name = source.String("mail_from_name", config.from_name,
                                   "the name mail is sent from");
  config.user =
      source.String("smtp_user", "", "SMTP AUTH user (none when empty)");
  config.password = source.String(
      "smtp_password", "",
      "SMTP AUTH password (set GRACILIS_SMTP_PASSWORD, not a flag)");
  config.require_tls =
      source.Int("smtp_require_tls", 0, 0, 1,
                 "1: refuse to send unless the connection is TLS") == 1;
  config.timeout =
      source.Duration("smtp_timeout", config.timeout, absl::Seconds(1),
                      absl::Minutes(5), "how long one delivery may take");
  return config;
}

std::string FormatMessage(const SmtpConfig& config, const std::string& to,
                          const account::MailText& mail, absl::Time now,
                          const std::string& message_id) {
  const std::string domain = config.from.substr(config.from.find('@') + 1);
  return absl::StrCat(
      "Date: ",
      absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", now, absl::UTCTimeZone()),
      "\r\nFrom: ", config.from_name, " <", config.from, ">\r\nTo: <", to,
      ">\r\nSubject: ", mail.subject, "\r\nMessage-ID: <", message_id, "@",
      domain,
      ">\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: 8bit\r\n\r\n",
      mail.body);
}

CurlSmtpSender::CurlSmtpSender(SmtpConfig config) : config_(std::move(config)) {
  InitCurlOnce();
}

absl::Status CurlSmtpSender::Send(const std::string& to,
                                  const account::MailText& mail) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    return absl::ResourceExhaustedError("curl_easy_init failed");
  }
  const std::string message =
      FormatMessage(config_, to, mail, absl::Now(), NewUserId());
  Upload upload{&message};
  const std::string from = absl::StrCat("<", config_.from, ">");
  const std::string rcpt = absl::StrCat("<", to, ">");
  curl_slist* recipients = curl_slist_append(nullptr, rcpt.c_str());
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, config_.url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadUpload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(
      curl, CURLOPT_TIMEOUT_MS,
      static_cast<long>(absl::ToInt64Milliseconds(config_.timeout)));
  curl_easy_setopt(curl, CURLOPT_USE_SSL,
                   config_.require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY);
  if (!config_.user.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, config_.user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, config_.password.c_str());
  }
  const CURLcode result = curl_easy_perform(curl);
  long response = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response);
  curl_slist_free_all(recipients);
  curl_easy_cleanup(curl);
  if (result != CURLE_OK) {
    // The recipient is not named: the message goes to logs.
    return absl::UnavailableError(absl::StrCat(
        "SMTP delivery via ", config_.url,
        " failed: ", error[0] != '\0' ? error : curl_easy_strerror(result),
        response != 0 ? absl::StrCat(" (server answered ", response, ")")
                      : ""));
  }
  return absl::OkStatus();
}

}  // namespace gracilis::mailer
