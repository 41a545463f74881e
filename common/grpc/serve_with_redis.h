#pragma once

// The end of every service's main.

#include <string>

#include "common/config/config.h"
#include "common/grpc/service_host.h"
#include "common/redis/redis_client.h"

namespace gracilis {

// Starts `host`, makes its health follow `redis`'s readiness (logging each
// change), connects Redis, serves until SIGTERM/SIGINT, drains, and
// disconnects. Returns main's exit code. `banner` ends the start-up line.
int ServeWithRedis(ServiceHost& host, RedisClient& redis,
                   const HostPort& redis_address, const std::string& program,
                   int metrics_port, const std::string& banner = "");

}  // namespace gracilis
