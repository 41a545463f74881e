#include "services/mailer/mailer.h"

#include <future>

#include "absl/strings/str_cat.h"
#include "common/auth/session_token.h"
#include "common/log/log.h"

namespace gracilis::mailer {
namespace {

using account::MailPurpose;
using account::OutgoingMail;

// A mail's code has the form of a session token, "<user_id>.<secret>"
// (account_service.cc, OpenCode). Its secret is minted before the mail's
// user is known, since mail_take hands out the hashes: the hash is of the
// secret alone.
struct MintedCode {
  std::string secret_part;  // ".<secret>"
  std::string hash;
};

MintedCode MintCode() {
  const std::string token = NewSessionToken(std::string(24, '0'));
  return {token.substr(token.find('.')), ParseSessionToken(token)->secret_hash};
}

// Waits for one asynchronous store call.
template <typename T, typename Start>
absl::StatusOr<T> Await(Start start) {
  std::promise<absl::StatusOr<T>> promise;
  std::future<absl::StatusOr<T>> future = promise.get_future();
  start([&promise](absl::StatusOr<T> result) {
    promise.set_value(std::move(result));
  });
  return future.get();
}

absl::Status AwaitStatus(
    absl::AnyInvocable<void(absl::AnyInvocable<void(absl::Status) &&>) &&>
        start) {
  std::promise<absl::Status> promise;
  std::future<absl::Status> future = promise.get_future();
  std::move(start)(
      [&promise](absl::Status status) { promise.set_value(status); });
  return future.get();
}

int PurposeIndex(MailPurpose purpose) {
  return purpose == MailPurpose::kPasswordReset ? 0 : 1;
}

}  // namespace

MailerConfig MailerConfig::Read(ConfigSource& source) {
  MailerConfig config;
  config.poll_interval = source.Duration(
      "mail_poll_interval", config.poll_interval, absl::Milliseconds(10),
      absl::Minutes(1), "how often the outbox is checked for due mail");
  config.lease = source.Duration(
      "mail_lease", config.lease, absl::Seconds(1), absl::Minutes(30),
      "how long a taken mail is this mailer's before it is due again");
  config.batch = static_cast<int>(source.Int("mail_batch", config.batch, 1, 256,
                                             "mails taken per shard per pass"));
  config.link_base =
      source.String("mail_link_base", config.link_base,
                    "where the app opens mailed links (reset?code=...)");
  return config;
}

MailerMetrics::MailerMetrics(prometheus::Registry& registry) {
  auto& sent = prometheus::BuildCounter()
                   .Name("gracilis_mail_sent_total")
                   .Help("Mails handed to the SMTP server")
                   .Register(registry);
  auto& failed = prometheus::BuildCounter()
                     .Name("gracilis_mail_send_failures_total")
                     .Help(
                         "Deliveries the SMTP server did not take (each "
                         "is tried again later)")
                     .Register(registry);
  for (MailPurpose purpose :
       {MailPurpose::kPasswordReset, MailPurpose::kVerifyEmail}) {
    const std::string name(account::PurposeName(purpose));
    sent_[PurposeIndex(purpose)] = &sent.Add({{"purpose", name}});
    failed_[PurposeIndex(purpose)] = &failed.Add({{"purpose", name}});
  }
  dropped_ = &prometheus::BuildCounter()
                  .Name("gracilis_mail_dropped_total")
                  .Help(
                      "Mails dropped unsent: kept a week, or their "
                      "account or request was gone")
                  .Register(registry)
                  .Add({});
  pending_ = &prometheus::BuildGauge()
                  .Name("gracilis_mail_outbox_pending")
                  .Help("Mails waiting in the outbox")
                  .Register(registry)
                  .Add({});
  oldest_age_ = &prometheus::BuildGauge()
                     .Name("gracilis_mail_outbox_oldest_age_seconds")
                     .Help(
                         "How long the oldest waiting mail has waited "
                         "(0: none waits)")
                     .Register(registry)
                     .Add({});
  last_pass_ = &prometheus::BuildGauge()
                    .Name("gracilis_mail_last_pass_timestamp_seconds")
                    .Help("When the mailer last visited every outbox")
                    .Register(registry)
                    .Add({});
}

prometheus::Counter& MailerMetrics::sent(MailPurpose purpose) {
  return *sent_[PurposeIndex(purpose)];
}
prometheus::Counter& MailerMetrics::failed(MailPurpose purpose) {
  return *failed_[PurposeIndex(purpose)];
}

Mailer::Mailer(account::RedisMailStore& store, SmtpSender& smtp,
               MailerConfig config, MailerMetrics* metrics)
    : store_(store),
      smtp_(smtp),
      config_(std::move(config)),
      metrics_(metrics) {}

absl::StatusOr<PassResult> Mailer::RunOnce() {
  PassResult pass;
  std::optional<absl::Time> oldest;
  for (int shard = 0; shard < account::kMailShards; ++shard) {
    std::vector<MintedCode> codes;
    std::vector<std::string> hashes;
    for (int i = 0; i < config_.batch; ++i) {
      codes.push_back(MintCode());
      hashes.push_back(codes.back().hash);
    }
    const absl::Duration call_limit = absl::Seconds(5);
    absl::StatusOr<account::TakenMail> taken =
        Await<account::TakenMail>([&](auto done) {
          store_.Take(shard, hashes, config_.lease, absl::Now() + call_limit,
                      std::move(done));
        });
    if (!taken.ok()) {
      return taken.status();
    }
    pass.dropped += taken->dropped;
    const int sent_before = pass.sent;
    for (const OutgoingMail& mail : taken->mail) {
      const MintedCode& code = codes[mail.code_index];
      const account::MailText text = account::ComposeMail(
          mail.purpose, mail.user_id + code.secret_part, config_.link_base);
      absl::Status delivered = smtp_.Send(mail.email, text);
      if (delivered.ok()) {
        ++pass.sent;
        if (metrics_ != nullptr) metrics_->sent(mail.purpose).Increment();
        delivered = AwaitStatus([&](auto done) {
          store_.MarkSent(mail, absl::Now() + call_limit, std::move(done));
        });
      } else {
        ++pass.failed;
        if (metrics_ != nullptr) metrics_->failed(mail.purpose).Increment();
        const absl::Duration retry =
            account::RetryDelay(mail.failed_attempts + 1);
        Log("warning",
            absl::StrCat("mail ", account::PurposeName(mail.purpose),
                         " for users/", mail.user_id, " not sent (attempt ",
                         mail.failed_attempts + 1, "), again in ",
                         absl::FormatDuration(retry), ": ",
                         delivered.message()));
        delivered = AwaitStatus([&](auto done) {
          store_.MarkFailed(mail, code.hash, retry, absl::Now() + call_limit,
                            std::move(done));
        });
      }
      if (!delivered.ok()) {
        // Its lease ends it: it is due again then.
        return delivered;
      }
    }
    // The shard as it was taken, less what this pass sent from it: its
    // oldest mail counts while any of its mail still waits (the age is at
    // most one pass stale).
    const int64_t left = taken->pending - (pass.sent - sent_before);
    pass.pending += left;
    if (left > 0 && taken->oldest_queued.has_value() &&
        (!oldest.has_value() || *taken->oldest_queued < *oldest)) {
      oldest = taken->oldest_queued;
    }
  }
  pass.oldest_age = oldest.has_value()
                        ? std::max(absl::Now() - *oldest, absl::ZeroDuration())
                        : absl::ZeroDuration();
  if (metrics_ != nullptr) {
    metrics_->dropped().Increment(pass.dropped);
    metrics_->pending().Set(static_cast<double>(pass.pending));
    metrics_->oldest_age().Set(absl::ToDoubleSeconds(pass.oldest_age));
    metrics_->last_pass().Set(
        absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch()));
  }
  return pass;
}

}  // namespace gracilis::mailer
