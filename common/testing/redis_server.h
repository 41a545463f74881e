#pragma once

// A real redis-server for tests: loopback, a free port, a temporary data
// directory, the settings of deploy/redis/redis.conf (AOF, fsync always),
// stopped (and the directory removed) on destruction.
//
// Or a real Redis Cluster of that many primaries (redis-server
// --cluster-enabled yes, redis-cli --cluster create), each in a directory
// of its own: every test that starts a TestRedisServer runs against a
// 3-primary cluster when GRACILIS_TEST_REDIS=cluster is set (ctest runs the
// end-to-end and reliability suites both ways). address() is the first
// primary: clients discover the others from it.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/testing/child_process.h"

namespace gracilis::testing {

// A TCP port on 127.0.0.1 that was free a moment ago.
int PickFreePort();

// Polls `predicate` every 10 ms until it holds (true) or `limit` passes
// (false).
bool WaitUntil(const std::function<bool()>& predicate,
               absl::Duration limit = absl::Seconds(10));

// 3 when GRACILIS_TEST_REDIS=cluster, else 1 (a single Redis).
int TestRedisPrimaries();

class TestRedisServer {
 public:
  // `primaries` > 1: a cluster. `replicas`: per primary (cluster only).
  explicit TestRedisServer(int primaries = TestRedisPrimaries(),
                           int replicas = 0);
  ~TestRedisServer();
  TestRedisServer(const TestRedisServer&) = delete;
  TestRedisServer& operator=(const TestRedisServer&) = delete;

  // Before Start: more redis-server arguments, kept across restarts, e.g.
  // {"--appendfsync", "everysec"}.
  void AddArguments(const std::vector<std::string>& args) {
    extra_args_.insert(extra_args_.end(), args.begin(), args.end());
  }
  // Starts redis-server and waits until it answers PING (a cluster: until
  // every node reports cluster_state:ok).
  absl::Status Start();
  // SIGKILL, as a crash would (every node).
  void Kill();
  // SIGSTOP / SIGCONT: the socket stays open but nothing answers.
  void Pause();
  void Resume();
  // Starts again on the same ports and data directories (AOF replayed).
  absl::Status Restart();

  bool cluster() const { return nodes_.size() > 1; }
  int port() const { return nodes_.front()->port; }
  // Every node's port (primaries first, then replicas).
  std::vector<int> ports() const;
  std::string address() const;
  const std::string& dir() const { return dir_; }
  // Runs redis-cli against the server and returns its output. On a cluster,
  // key commands follow redirects (-c); --scan, INFO, CONFIG, BGREWRITEAOF
  // and FLUSHALL run on every primary, their outputs joined by newlines;
  // DBSIZE is the sum.
  std::string Cli(const std::string& args) const;
  // redis-cli against one node, by port.
  std::string CliAt(int port, const std::string& args) const;
  // SIGKILL / start again one node, by port.
  void KillNode(int port);
  absl::Status StartNode(int port);
  // Cluster: moves `slot` to the primary on `to_port` as redis-cli
  // --cluster reshard does (IMPORTING, MIGRATING, MIGRATE key by key with
  // `pause` between keys, then SETSLOT NODE everywhere), so clients meet
  // ASK while it moves and MOVED after.
  absl::Status MoveSlot(int slot, int to_port,
                        absl::Duration pause = absl::ZeroDuration());
  // Cluster: starts one more node, empty, and joins it to the cluster
  // (CLUSTER MEET) as a primary without slots; returns its port.
  absl::StatusOr<int> AddPrimary();
  // Cluster: the port of the primary serving `slot` (0 if none), and of the
  // replicas of the primary on `port`.
  int PrimaryOf(int slot) const;
  std::vector<int> ReplicasOf(int port) const;

 private:
  struct Node {
    int port;
    std::string dir;
    ChildProcess process;
  };
  absl::Status StartProcess(Node& node);
  absl::Status AwaitClusterOk();

  std::string dir_;
  int primaries_;
  std::vector<std::unique_ptr<Node>> nodes_;
  bool cluster_created_ = false;
  std::vector<std::string> extra_args_;
};

}  // namespace gracilis::testing
