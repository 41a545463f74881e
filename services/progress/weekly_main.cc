// gracilis-weekly: the weekly batch job (see weekly_job.h). Run by cron or a
// Kubernetes CronJob after each ISO week ends everywhere, e.g. Mondays 13:00
// UTC; --shard=i/n splits the users among n workers. Exit status: 0 when
// every user finished, 1 when some failed (a rerun retries just those), 2
// for a configuration error, 3 when the users could not be listed.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/notification.h"
#include "common/auth/service_credential.h"
#include "common/clock/iso_week.h"
#include "common/concurrency/mutex_mode.h"
#include "common/config/config.h"
#include "common/grpc/service_config.h"
#include "common/log/log.h"
#include "common/metrics/metrics.h"
#include "grpcpp/grpcpp.h"
#include "prometheus/gateway.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/progress/weekly_job.h"

namespace {

using namespace gracilis;

std::string ProgressText(const progress::WeeklyJobCounts& counts,
                         absl::Duration elapsed) {
  const double handled = static_cast<double>(counts.handled());
  const double total = static_cast<double>(counts.users.load());
  const double rate = handled / std::max(absl::ToDoubleSeconds(elapsed), 1e-3);
  const double eta = rate > 0 ? (total - handled) / rate : 0;
  return absl::StrFormat(
      "%.0f/%.0f users (%.0f%%) %.0f users/s eta %.0fs: %d done %d skipped %d "
      "inactive %d failed",
      handled, total, total > 0 ? 100 * handled / total : 100, rate, eta,
      counts.done.load(), counts.skipped.load(), counts.inactive.load(),
      counts.failed.load());
}

// Job metrics for a Pushgateway: users by result, duration and, when no
// user failed, the last success time (a failed run keeps the previous
// one).
void PushMetrics(const std::string& address, const std::string& week,
                 const progress::Shard& shard,
                 const progress::WeeklyJobCounts& counts,
                 absl::Duration elapsed) {
  const std::optional<HostPort> host_port = ParseHostPort(address);
  if (!host_port) {
    Log("error",
        absl::StrCat("pushgateway address is not host:port: ", address));
    return;
  }
  auto registry = std::make_shared<prometheus::Registry>();
  RegisterBuildInfo(*registry);
  auto& users = prometheus::BuildGauge()
                    .Name("gracilis_weekly_users")
                    .Help("Users of the last run by result")
                    .Register(*registry);
  users.Add({{"result", "done"}}).Set(counts.done);
  users.Add({{"result", "skipped"}}).Set(counts.skipped);
  users.Add({{"result", "inactive"}}).Set(counts.inactive);
  users.Add({{"result", "failed"}}).Set(counts.failed);
  users.Add({{"result", "adapted"}}).Set(counts.adapted);
  prometheus::BuildGauge()
      .Name("gracilis_weekly_duration_seconds")
      .Help("Duration of the last run")
      .Register(*registry)
      .Add({})
      .Set(absl::ToDoubleSeconds(elapsed));
  if (counts.failed == 0) {
    prometheus::BuildGauge()
        .Name("gracilis_weekly_last_success_timestamp_seconds")
        .Help("When a run last finished every user")
        .Register(*registry)
        .Add({})
        .Set(absl::ToUnixSeconds(absl::Now()));
  }
  prometheus::BuildGauge()
      .Name("gracilis_weekly_last_run_info")
      .Help("The ISO week the last run processed")
      .Register(*registry)
      .Add({{"week", week}})
      .Set(1);
  // Grouped by shard only, so the Pushgateway holds one group per worker
  // whatever the week, and an alert reads the newest success time.
  prometheus::Gateway gateway(
      host_port->host, absl::StrCat(host_port->port), "gracilis_weekly",
      {{"shard", absl::StrCat(shard.index, "of", shard.count)}});
  gateway.RegisterCollectable(registry);
  // POST, which replaces only the metrics pushed, so a failed run keeps the
  // last success time. prometheus-cpp 1.0.1 (Debian bookworm) has the methods
  // swapped: its Push() sends POST and PushAdd() sends PUT. The e2e test
  // against a real Pushgateway catches a library that swaps them back.
  const int http_status = gateway.Push();
  if (http_status < 200 || http_status >= 300) {
    Log("error",
        absl::StrCat("pushgateway ", address, " answered ", http_status));
  }
}

}  // namespace

int main(int argc, char** argv) {
  TurnOffMutexDeadlockDetection();
  ConfigSource source(argc, argv);
  const absl::Time now = absl::Now();
  const std::string week_text =
      source.String("week", IsoWeekText(progress::LastFinishedWeek(now)),
                    "ISO week to process, e.g. 2026-W47 (default: the last "
                    "week that has ended in every time zone)");
  // A Kubernetes Indexed Job gives each pod its index in
  // JOB_COMPLETION_INDEX; --shards (its completions) says how many there are.
  const char* job_index = std::getenv("JOB_COMPLETION_INDEX");
  const int64_t shards = source.Int(
      "shards", 1, 1, 1024,
      "with JOB_COMPLETION_INDEX set (a Kubernetes Indexed Job): how many "
      "shards, this pod's being that index");
  const std::string shard_text = source.String(
      "shard",
      job_index != nullptr ? absl::StrCat(job_index, "/", shards) : "0/1",
      "i/n: this worker's share of the users (by Redis Cluster slot)");
  const int concurrency = static_cast<int>(
      source.Int("concurrency", 64, 1, 4096, "users processed at once"));
  const absl::Duration user_deadline = source.Duration(
      "user_deadline", absl::Seconds(10), absl::Milliseconds(10),
      absl::Minutes(5), "deadline of each user's work");
  const HostPort plan_address = source.Address(
      "plan", "127.0.0.1:50052", "plan service (or the gateway) for AdaptPlan");
  const std::string pushgateway = source.String(
      "pushgateway", "", "Pushgateway host:port for job metrics (empty: none)");
  const absl::Duration interval = source.Duration(
      "progress_interval", absl::Seconds(5), absl::Milliseconds(100),
      absl::Hours(1), "how often progress is reported");
  const int weeks_kept = static_cast<int>(source.Int(
      "progress_weeks_kept", progress::kDefaultWeeksKept, 2, 5200,
      "weekly progress snapshots kept per user (older ones are deleted)"));
  RedisConfig redis_config = RedisConfig::Read(source);
  const ServiceCredential service =
      ServiceCredential::Read(source, /*required=*/true);
  ExitOnConfigError(source, "gracilis-weekly");

  const std::optional<type::v1::IsoWeek> week = ParseIsoWeek(week_text);
  const std::optional<progress::Shard> shard = progress::ParseShard(shard_text);
  if (!week || !shard) {
    std::cerr << "gracilis-weekly: "
              << (!week ? "--week must look like 2026-W47"
                        : "--shard must be i/n with 0 <= i < n <= 1024")
              << "\n";
    return 2;
  }
  if (progress::LastFinishedWeek(now) < *week) {
    std::cerr << "gracilis-weekly: " << week_text
              << " has not ended in every time zone yet; the last finished "
                 "week is "
              << IsoWeekText(progress::LastFinishedWeek(now)) << "\n";
    return 2;
  }
  absl::StatusOr<plan::ExerciseCatalog> catalog =
      plan::ExerciseCatalog::Parse(plan::BuiltInCatalogText());
  if (!catalog.ok()) {
    Log("fatal", catalog.status().ToString());
    return 2;
  }

  RedisClient redis(redis_config,
                    {Needs(workout::RedisWorkoutStore::Functions()),
                     Needs(plan::RedisPlanStore::Functions()),
                     Owns(progress::RedisProgressStore::Functions())},
                    nullptr);
  if (absl::Status ready =
          StartAndAwaitReady(redis, redis_config, absl::Seconds(10));
      !ready.ok()) {
    Log("fatal", ready.ToString());
    redis.Stop();
    return 3;
  }
  SystemClock clock;
  workout::RedisWorkoutStore workouts(redis);
  plan::RedisPlanStore plans(redis, *catalog);
  progress::RedisProgressStore snapshots(redis, weeks_kept);
  progress::ProgressReader reader(workouts, plans, snapshots, *catalog);
  // Timeouts and retries on UNAVAILABLE (a plan pod restarting) as the
  // published service config says; each user's deadline still bounds them.
  auto plan_stub = plan::v1::PlanService::NewStub(ChannelWithServiceConfig(
      plan_address.ToString(), grpc::InsecureChannelCredentials()));

  progress::WeeklyJobOptions options;
  options.week = *week;
  options.shard = *shard;
  options.concurrency = concurrency;
  options.user_deadline = user_deadline;
  progress::WeeklyJob job(options, redis, reader, snapshots, service.token(),
                          *plan_stub, clock);

  Log("info", absl::StrCat("weekly job for ", week_text, ", shard ", shard_text,
                           ", plan service ", plan_address.ToString()));
  const bool terminal = isatty(STDERR_FILENO);
  const absl::Time start = absl::Now();
  const absl::Status listed =
      job.Run(interval, [&](const progress::WeeklyJobCounts& counts) {
        const std::string text = ProgressText(counts, absl::Now() - start);
        if (terminal) {
          std::cerr << "\r" << text << "   " << std::flush;
        } else {
          Log("info", text);
        }
      });
  if (terminal) {
    std::cerr << "\n";
  }
  redis.Stop();
  const absl::Duration elapsed = absl::Now() - start;
  if (!listed.ok()) {
    Log("fatal", absl::StrCat("listing users: ", listed.ToString()));
    return 3;
  }
  const progress::WeeklyJobCounts& counts = job.counts();
  Log(counts.failed == 0 ? "info" : "warn",
      absl::StrCat("weekly job finished in ", absl::FormatDuration(elapsed),
                   ": ", ProgressText(counts, elapsed), ", ",
                   counts.adapted.load(), " plans adapted"));
  if (!pushgateway.empty()) {
    PushMetrics(pushgateway, week_text, *shard, counts, elapsed);
  }
  return counts.failed == 0 ? 0 : 1;
}
