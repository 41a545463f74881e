#pragma once

// Sessions for the benchmarks' users: the synthetic users gracilis-seed
// stores, signed in the way Login does, through the session store.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/redis/redis_client.h"

namespace gracilis::bench {

// A session token for each of synthetic users first .. first + count - 1,
// whose accounts must be in the Redis at `redis`.
absl::StatusOr<std::vector<std::string>> SignInSyntheticUsers(
    const RedisConfig& redis, int first, int count);

}  // namespace gracilis::bench
