#pragma once

// The project's only Redis client, and the only code that includes hiredis.
//
// hiredis async on a libevent loop owned by this object: gRPC threads hand
// commands over and never wait. Every command has a timeout (hiredis 0.14
// has none, so the loop times them out); while a connection is down,
// commands for it fail at once with UNAVAILABLE and the client reconnects
// with exponential backoff. Multi-key updates go through Redis Functions
// (Lua), so one call applies atomically.
//
// One client serves a single Redis or a Redis Cluster, told apart at the
// first connection (CLUSTER SLOTS). On a cluster it keeps the slot map and
// one connection per primary, sends each command to the primary of its
// key's slot (keys.h puts all of a user's keys in one slot), follows MOVED
// (and refreshes the map) and ASK, retries TRYAGAIN and CLUSTERDOWN within
// the command's time, and refreshes the map when a primary goes away (a
// failover). Whatever is left becomes UNAVAILABLE, never with a node's
// address in the message.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/config/config.h"
#include "common/metrics/metrics.h"

namespace gracilis {

struct RedisConfig {
  HostPort address{"127.0.0.1", 6379};
  std::string password;  // AUTH when non-empty
  // A command not answered within this is failed with UNAVAILABLE and the
  // connection is replaced (a stalled Redis stalls every later reply too).
  absl::Duration command_timeout = absl::Milliseconds(500);
  absl::Duration connect_timeout = absl::Seconds(1);
  absl::Duration reconnect_min = absl::Milliseconds(50);
  absl::Duration reconnect_max = absl::Seconds(2);

  static RedisConfig Read(ConfigSource& source);
};

// A Redis Functions library and its version. Functions keep their names
// and meaning across versions (a change that would break an older caller
// adds a function instead), so a newer live version serves older callers.
struct FunctionLibrary {
  std::string name;  // e.g. "gracilis_workout"
  int version = 1;   // raised whenever the source changes
  std::string source;
};

// A library from the Lua of its functions: adds the "#!lua name=" line and
// a read-only function <name>_version answering `version`, which is how a
// process learns which version is live.
FunctionLibrary MakeFunctionLibrary(absl::string_view name, int version,
                                    absl::string_view functions);

// How a process uses a library. The service that owns a library loads it on
// every primary it connects to (also primaries that join later), unless a
// newer version is already there: an old pod reconnecting during a rolling
// deploy does not put back old functions. A process that only calls
// another service's functions checks that at least its version is live,
// and until then is not ready and logs which library it waits for.
struct LibraryUse {
  const FunctionLibrary* library;
  bool owned;
};
inline LibraryUse Owns(const FunctionLibrary& library) {
  return {&library, true};
}
inline LibraryUse Needs(const FunctionLibrary& library) {
  return {&library, false};
}

// An owned copy of a hiredis reply.
struct RedisReply {
  enum class Type { kNil, kString, kStatus, kInteger, kArray };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus
  long long integer = 0;
  std::vector<RedisReply> elements;  // kArray

  bool is_nil() const { return type == Type::kNil; }
};

class RedisClient {
 public:
  using Callback = absl::AnyInvocable<void(absl::StatusOr<RedisReply>) &&>;

  // `libraries`: the Functions this process loads or needs, prepared on
  // every connection before it serves commands. `metrics` may be null.
  RedisClient(RedisConfig config, std::vector<LibraryUse> libraries,
              RedisMetrics* metrics);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Called on the loop thread whenever readiness changes. Set before Start.
  void SetReadinessListener(std::function<void(bool ready)> listener);
  // Starts the loop thread and the first connection attempt.
  void Start();
  // Fails whatever is pending with UNAVAILABLE and joins the loop thread.
  void Stop();
  // Connected and prepared: to the one Redis, or to the primary of every
  // slot of a cluster.
  bool ready() const { return ready_.load(std::memory_order_acquire); }
  // Whether the server is a Redis Cluster (known once ready).
  bool cluster() const { return cluster_.load(std::memory_order_acquire); }

  // Sends one command, binary-safe. From any thread; `done` runs on the loop
  // thread and must not block. The command gives up at `deadline` (the
  // caller's RPC deadline) with DEADLINE_EXCEEDED if that comes before the
  // configured command timeout. Error replies become INTERNAL, or
  // UNAVAILABLE for transient ones (LOADING, BUSY, READONLY, ...).
  void Execute(std::vector<std::string> args, Callback done,
               absl::Time deadline = absl::InfiniteFuture());
  // FCALL function numkeys keys... args...
  void Call(absl::string_view function, std::vector<std::string> keys,
            std::vector<std::string> args, Callback done,
            absl::Time deadline = absl::InfiniteFuture());
  // A command without keys (CLUSTER GETKEYSINSLOT, SCAN, ...) sent to the
  // primary serving `slot`; on a single Redis, to it.
  void ExecuteInSlot(int slot, std::vector<std::string> args, Callback done,
                     absl::Time deadline = absl::InfiniteFuture());

  class Loop;  // implementation, in redis_client.cc

 private:
  std::unique_ptr<Loop> loop_;
  std::atomic<bool> ready_{false};
  std::atomic<bool> cluster_{false};
};

// A callback that keeps only the reply's status (for writes whose reply
// carries nothing).
RedisClient::Callback StatusOnly(
    absl::AnyInvocable<void(absl::Status) &&> done);

// Starts `client` and waits up to `limit` for its first connection: for
// batch tools, which have nothing to do without Redis. UNAVAILABLE naming
// the address if it does not come.
absl::Status StartAndAwaitReady(RedisClient& client, const RedisConfig& config,
                                absl::Duration limit);

// Waits for one command: for tests, tools and start-up only, never on a gRPC
// or Redis loop thread.
absl::StatusOr<RedisReply> ExecuteAndWait(RedisClient& client,
                                          std::vector<std::string> args);
absl::StatusOr<RedisReply> ExecuteInSlotAndWait(RedisClient& client, int slot,
                                                std::vector<std::string> args);

}  // namespace gracilis
