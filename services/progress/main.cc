// gracilis-progress: weekly progress, trends and the summary.

#include "absl/strings/str_cat.h"
#include "common/auth/session_store.h"
#include "common/concurrency/mutex_mode.h"
#include "common/config/config.h"
#include "common/grpc/serve_with_redis.h"
#include "common/log/log.h"
#include "common/metrics/metrics.h"
#include "common/redis/redis_client.h"
#include "services/progress/progress_service.h"

int main(int argc, char** argv) {
  using namespace gracilis;
  BlockShutdownSignals();
  TurnOffMutexDeadlockDetection();

  ConfigSource source(argc, argv);
  ServerConfig server_config =
      ServerConfig::Read(source, "127.0.0.1:50054", "127.0.0.1:9104");
  RedisConfig redis_config = RedisConfig::Read(source);
  SessionConfig session_config = SessionConfig::Read(source);
  ExitOnConfigError(source, "gracilis-progress");

  absl::StatusOr<plan::ExerciseCatalog> catalog =
      plan::ExerciseCatalog::Parse(plan::BuiltInCatalogText());
  if (!catalog.ok()) {
    Log("fatal",
        absl::StrCat("exercise catalog: ", catalog.status().ToString()));
    return 2;
  }
  absl::StatusOr<std::unique_ptr<ServiceMetrics>> metrics =
      ServiceMetrics::Start(server_config.metrics_listen,
                            server_config.record_metrics);
  if (!metrics.ok()) {
    Log("fatal", metrics.status().ToString());
    return 1;
  }

  // Reads workouts and plans through their own stores, so their storage
  // format stays in one place.
  RedisClient redis(redis_config,
                    {Needs(RedisSessionStore::Functions()),
                     Needs(workout::RedisWorkoutStore::Functions()),
                     Needs(plan::RedisPlanStore::Functions()),
                     Owns(progress::RedisProgressStore::Functions())},
                    (*metrics)->redis());
  SystemClock clock;
  RedisSessionStore sessions(redis, clock, session_config);
  workout::RedisWorkoutStore workouts(redis);
  plan::RedisPlanStore plans(redis, *catalog);
  progress::RedisProgressStore snapshots(redis);
  progress::ProgressReader reader(workouts, plans, snapshots, *catalog);
  progress::ProgressService service(reader, sessions, clock, (*metrics)->rpc());

  ServiceHost host(server_config);
  host.AddService(&service, "gracilis.progress.v1.ProgressService");
  return ServeWithRedis(host, redis, redis_config.address, "gracilis-progress",
                        (*metrics)->port(),
                        absl::StrCat(", catalog ", catalog->version()));
}
