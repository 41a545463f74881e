// gracilis-plan: personalised 8-week programs and what follows them.

#include "absl/strings/str_cat.h"
#include "common/auth/service_credential.h"
#include "common/auth/session_store.h"
#include "common/concurrency/mutex_mode.h"
#include "common/config/config.h"
#include "common/grpc/serve_with_redis.h"
#include "common/grpc/service_config.h"
#include "common/log/log.h"
#include "common/metrics/metrics.h"
#include "common/redis/redis_client.h"
#include "services/plan/plan_service.h"

int main(int argc, char** argv) {
  using namespace gracilis;
  BlockShutdownSignals();
  TurnOffMutexDeadlockDetection();

  ConfigSource source(argc, argv);
  ServerConfig server_config =
      ServerConfig::Read(source, "127.0.0.1:50052", "127.0.0.1:9102");
  RedisConfig redis_config = RedisConfig::Read(source);
  SessionConfig session_config = SessionConfig::Read(source);
  ServiceCredential service_credential =
      ServiceCredential::Read(source, /*required=*/false);
  const HostPort account = source.Address("account", "127.0.0.1:50051",
                                          "the account service (for profiles)");
  const int revisions_kept = static_cast<int>(source.Int(
      "plan_revisions_kept", plan::kDefaultRevisionsKept, 2, 10000,
      "revisions of a plan kept (older ones are deleted as new ones come)"));
  ExitOnConfigError(source, "gracilis-plan");

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
                     Needs(workout::RedisWorkoutStore::Functions()),
                     Owns(plan::RedisPlanStore::Functions())},
                    (*metrics)->redis());
  SystemClock clock;
  RedisSessionStore sessions(redis, clock, session_config);
  plan::RedisPlanStore store(redis, *catalog, revisions_kept);
  // Logged runs, for each new plan's running base.
  workout::RedisWorkoutStore workouts(redis);
  plan::StoredRunHistory runs(workouts);
  // Timeouts and retries on UNAVAILABLE as the published service config
  // says (an account pod restarting).
  plan::AccountServiceProfiles profiles(ChannelWithServiceConfig(
      account.ToString(), grpc::InsecureChannelCredentials()));
  if (service_credential.token().empty()) {
    Log("warn",
        "no service_token: AdaptPlan is refused, so plans do not adapt");
  }
  plan::PlanService service(*catalog, store, sessions, profiles, runs, clock,
                            (*metrics)->rpc(), std::move(service_credential));

  ServiceHost host(server_config);
  host.AddService(&service, "gracilis.plan.v1.PlanService");
  return ServeWithRedis(host, redis, redis_config.address, "gracilis-plan",
                        (*metrics)->port(),
                        absl::StrCat(", catalog ", catalog->version()));
}
