// gracilis-mailer: delivers the account service's outbox (password resets,
// email verification) over SMTP; see mailer.h. Runs until SIGTERM; any
// number may run side by side (mail is leased, never sent twice at once).

#include <signal.h>

#include "common/config/config.h"
#include "common/grpc/service_host.h"
#include "common/log/log.h"
#include "common/metrics/metrics.h"
#include "common/redis/redis_client.h"
#include "services/account/mail_store.h"
#include "services/mailer/mailer.h"

int main(int argc, char** argv) {
  using namespace gracilis;
  BlockShutdownSignals();
  ConfigSource source(argc, argv);
  const HostPort metrics_listen =
      source.Address("metrics_listen", "127.0.0.1:9105",
                     "where /metrics is served (port 0: any free one)");
  RedisConfig redis_config = RedisConfig::Read(source);
  mailer::SmtpConfig smtp_config = mailer::SmtpConfig::Read(source);
  mailer::MailerConfig mailer_config = mailer::MailerConfig::Read(source);
  ExitOnConfigError(source, "gracilis-mailer");

  absl::StatusOr<std::unique_ptr<MetricsExposer>> exposer =
      MetricsExposer::Start(metrics_listen);
  if (!exposer.ok()) {
    Log("fatal", exposer.status().ToString());
    return 1;
  }
  RedisMetrics redis_metrics((*exposer)->registry());
  mailer::MailerMetrics mailer_metrics((*exposer)->registry());
  // The account service owns the outbox's functions; the mailer waits
  // until they are live.
  RedisClient redis(redis_config, {Needs(account::RedisMailStore::Functions())},
                    &redis_metrics);
  redis.Start();
  account::RedisMailStore store(redis, account::MailLimits());
  mailer::CurlSmtpSender smtp(smtp_config);
  mailer::Mailer mailer(store, smtp, mailer_config, &mailer_metrics);
  Log("info",
      absl::StrCat("gracilis-mailer: outbox in Redis at ",
                   redis_config.address.ToString(), " -> ", smtp_config.url,
                   "; metrics on port ", (*exposer)->port()));

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  absl::Status last = absl::OkStatus();
  while (true) {
    if (redis.ready()) {
      absl::StatusOr<mailer::PassResult> pass = mailer.RunOnce();
      // Logged when it changes, not on every pass of an outage.
      if (pass.ok() != last.ok()) {
        Log(pass.ok() ? "info" : "error",
            pass.ok() ? std::string("outbox reachable again")
                      : absl::StrCat("outbox pass failed: ",
                                     pass.status().ToString()));
      }
      last = pass.status();
      if (pass.ok() && (pass->sent > 0 || pass->dropped > 0)) {
        Log("info", absl::StrCat("sent ", pass->sent, ", failed ", pass->failed,
                                 ", dropped ", pass->dropped, ", waiting ",
                                 pass->pending));
      }
    }
    const timespec wait = absl::ToTimespec(mailer_config.poll_interval);
    if (sigtimedwait(&signals, nullptr, &wait) > 0) {
      break;
    }
  }
  Log("info", "gracilis-mailer: stopping");
  redis.Stop();
  return 0;
}
