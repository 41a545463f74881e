// gracilis-workout: live workouts, offline sync, history, body and nutrition
// logs.

#include "absl/strings/str_cat.h"
#include "common/auth/session_store.h"
#include "common/concurrency/mutex_mode.h"
#include "common/config/config.h"
#include "common/grpc/serve_with_redis.h"
#include "common/log/log.h"
#include "common/metrics/metrics.h"
#include "common/redis/redis_client.h"
#include "services/workout/workout_service.h"

int main(int argc, char** argv) {
  using namespace gracilis;
  BlockShutdownSignals();
  TurnOffMutexDeadlockDetection();

  ConfigSource source(argc, argv);
  ServerConfig server_config =
      ServerConfig::Read(source, "127.0.0.1:50053", "127.0.0.1:9103");
  RedisConfig redis_config = RedisConfig::Read(source);
  SessionConfig session_config = SessionConfig::Read(source);
  ExitOnConfigError(source, "gracilis-workout");

  // Logged exercise ids must be the plan's: the same catalog, compiled in.
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

  RedisClient redis(redis_config,
                    {Needs(RedisSessionStore::Functions()),
                     Owns(workout::RedisWorkoutStore::Functions())},
                    (*metrics)->redis());
  SystemClock clock;
  RedisSessionStore sessions(redis, clock, session_config);
  workout::RedisWorkoutStore store(redis);
  workout::WorkoutService service(*catalog, store, sessions, clock,
                                  (*metrics)->rpc());

  ServiceHost host(server_config);
  host.AddService(&service, "gracilis.workout.v1.WorkoutService");
  return ServeWithRedis(host, redis, redis_config.address, "gracilis-workout",
                        (*metrics)->port(),
                        absl::StrCat(", catalog ", catalog->version()));
}
