#pragma once

// The mailer: delivers the outbox (services/account/mail_store.h) over
// SMTP. Each pass visits every outbox shard, takes what is due (leased, so
// mailers on several pods never send one mail twice at once), mints each
// mail's code, sends it, and marks it sent, or failed and due again after a
// backoff (RetryDelay). A mailer that dies mid-pass leaves its leased mail
// due again when the lease ends: an SMTP or mailer outage delays mail and
// loses none.

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/config.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/account/mail_store.h"
#include "services/mailer/smtp.h"

namespace gracilis::mailer {

struct MailerConfig {
  absl::Duration poll_interval = absl::Seconds(1);
  absl::Duration lease = absl::Seconds(60);
  int batch = 16;  // mails taken per shard per pass
  // Where the app opens the mail's links ("<link_base>reset?code=...").
  std::string link_base = "https://gracilis.app/";

  static MailerConfig Read(ConfigSource& source);
};

// gracilis_mail_sent_total{purpose}, gracilis_mail_send_failures_total
// {purpose}, gracilis_mail_dropped_total, gracilis_mail_outbox_pending,
// gracilis_mail_outbox_oldest_age_seconds (the queue's age: the alert) and
// gracilis_mail_last_pass_timestamp_seconds.
class MailerMetrics {
 public:
  explicit MailerMetrics(prometheus::Registry& registry);
  prometheus::Counter& sent(account::MailPurpose purpose);
  prometheus::Counter& failed(account::MailPurpose purpose);
  prometheus::Counter& dropped() { return *dropped_; }
  prometheus::Gauge& pending() { return *pending_; }
  prometheus::Gauge& oldest_age() { return *oldest_age_; }
  prometheus::Gauge& last_pass() { return *last_pass_; }

 private:
  prometheus::Counter* sent_[2];
  prometheus::Counter* failed_[2];
  prometheus::Counter* dropped_;
  prometheus::Gauge* pending_;
  prometheus::Gauge* oldest_age_;
  prometheus::Gauge* last_pass_;
};

struct PassResult {
  int sent = 0;
  int failed = 0;
  int dropped = 0;
  int64_t pending = 0;        // after the pass, over every shard
  absl::Duration oldest_age;  // of the oldest mail still waiting
};

class Mailer {
 public:
  // `metrics` may be null.
  Mailer(account::RedisMailStore& store, SmtpSender& smtp, MailerConfig config,
         MailerMetrics* metrics);

  // One pass over every shard. Blocks: call from the mailer's own thread,
  // never a Redis loop thread. UNAVAILABLE if Redis does not answer (the
  // pass stops there; the next one starts over).
  absl::StatusOr<PassResult> RunOnce();

 private:
  account::RedisMailStore& store_;
  SmtpSender& smtp_;
  const MailerConfig config_;
  MailerMetrics* metrics_;
};

}  // namespace gracilis::mailer
