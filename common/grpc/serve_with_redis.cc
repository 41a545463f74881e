#include "common/grpc/serve_with_redis.h"

#include "absl/strings/str_cat.h"
#include "common/log/log.h"

namespace gracilis {

int ServeWithRedis(ServiceHost& host, RedisClient& redis,
                   const HostPort& redis_address, const std::string& program,
                   int metrics_port, const std::string& banner) {
  if (absl::Status started = host.Start(); !started.ok()) {
    Log("fatal", started.ToString());
    return 1;
  }
  redis.SetReadinessListener([&host, redis_address](bool ready) {
    Log(ready ? "info" : "warn",
        absl::StrCat("redis ", redis_address.ToString(),
                     ready ? " ready: SERVING" : " lost: NOT_SERVING"));
    host.SetServing(ready);
  });
  redis.Start();
  Log("info", absl::StrCat(program, " listening on port ", host.port(),
                           ", metrics on port ", metrics_port, banner));
  host.ServeUntilSignal();
  redis.Stop();
  return 0;
}

}  // namespace gracilis
