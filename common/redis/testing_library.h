#pragma once

// A Functions library for the Redis client's own tests: swap_counter(key,
// value) sets the key and answers its old value.

#include "common/redis/redis_client.h"

namespace gracilis::testing {

inline const FunctionLibrary& SwapCounterLibrary() {
  static const auto* library =
      new FunctionLibrary(MakeFunctionLibrary("gracilis_test", 1, R"lua(
redis.register_function('swap_counter', function(keys, args)
  local old = redis.call('GET', keys[1])
  redis.call('SET', keys[1], args[1])
  return old
end)
)lua"));
  return *library;
}

}  // namespace gracilis::testing
