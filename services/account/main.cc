// gracilis-account: sign-up, sessions and profiles.

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/auth/session_store.h"
#include "common/concurrency/mutex_mode.h"
#include "common/config/config.h"
#include "common/grpc/serve_with_redis.h"
#include "common/log/log.h"
#include "common/metrics/metrics.h"
#include "common/redis/redis_client.h"
#include "services/account/account_service.h"

int main(int argc, char** argv) {
  using namespace gracilis;
  BlockShutdownSignals();
  TurnOffMutexDeadlockDetection();

  ConfigSource source(argc, argv);
  ServerConfig server_config =
      ServerConfig::Read(source, "127.0.0.1:50051", "127.0.0.1:9101");
  RedisConfig redis_config = RedisConfig::Read(source);
  SessionConfig session_config = SessionConfig::Read(source);
  account::LoginThrottle throttle;
  throttle.max_failures = static_cast<int>(
      source.Int("login_max_failures", throttle.max_failures, 1, 1000,
                 "failed logins in a row per email and address before delays"));
  throttle.first_delay = source.Duration(
      "login_first_delay", throttle.first_delay, absl::Milliseconds(1),
      absl::Hours(1),
      "how long an address waits after login_max_failures failures in a row "
      "(each further failure doubles it)");
  throttle.max_delay = source.Duration(
      "login_max_delay", throttle.max_delay, absl::Milliseconds(1),
      absl::Hours(24), "the longest an address is made to wait");
  throttle.max_account_failures = static_cast<int>(source.Int(
      "login_max_account_failures", throttle.max_account_failures, 1, 100000,
      "failed logins per email from addresses its owner never logged in "
      "from before those wait for the window"));
  throttle.window =
      source.Duration("login_failure_window", throttle.window, absl::Seconds(1),
                      absl::Hours(24), "how long failed logins are counted");
  throttle.trusted_proxies = absl::StrSplit(
      source.String("trusted_proxies", "127.0.0.1,::1",
                    "address prefixes of the gateway, whose x-client-address "
                    "header names the client (comma-separated)"),
      ',', absl::SkipEmpty());
  account::MailLimits mail_limits;
  mail_limits.per_email = static_cast<int>(source.Int(
      "mail_per_email", mail_limits.per_email, 1, 1000,
      "reset and verification mails per email an hour (more are answered "
      "alike and not sent)"));
  mail_limits.per_address = static_cast<int>(source.Int(
      "mail_per_address", mail_limits.per_address, 1, 100000,
      "mail requests per client address an hour before MAIL_THROTTLED"));
  const int hash_threads = static_cast<int>(
      source.Int("password_threads", 2, 1, 64, "Argon2id worker threads"));
  ExitOnConfigError(source, "gracilis-account");

  absl::StatusOr<std::unique_ptr<ServiceMetrics>> metrics =
      ServiceMetrics::Start(server_config.metrics_listen,
                            server_config.record_metrics);
  if (!metrics.ok()) {
    Log("fatal", metrics.status().ToString());
    return 1;
  }

  RedisClient redis(redis_config,
                    {Owns(RedisSessionStore::Functions()),
                     Owns(account::RedisAccountStore::Functions()),
                     Owns(account::RedisMailStore::Functions())},
                    (*metrics)->redis());
  SystemClock clock;
  RedisSessionStore sessions(redis, clock, session_config);
  account::RedisAccountStore store(redis, throttle);
  account::RedisMailStore mail(redis, mail_limits);
  account::PasswordWorkers workers(hash_threads, /*max_queue=*/256);
  account::AccountService service(store, sessions, mail, workers, clock,
                                  throttle, (*metrics)->rpc());

  ServiceHost host(server_config);
  host.AddService(&service, "gracilis.account.v1.AccountService");
  return ServeWithRedis(host, redis, redis_config.address, "gracilis-account",
                        (*metrics)->port());
}
