#include "common/testing/redis_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/status/status_macros.h"

namespace gracilis::testing {

namespace {

// Whether a listening TCP socket can bind 127.0.0.1:`port` now.
bool CanBind(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok =
      bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

// The first port of the kernel's ephemeral range (client source ports).
int EphemeralLow() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  return range >> low && low > 1024 ? low : 32768;
}

ABSL_CONST_INIT absl::Mutex port_mu(absl::kConstInit);
// Ports handed out (or reserved) in this process.
std::set<int>& GivenPorts() {
  static auto* given = new std::set<int>;
  return *given;
}

}  // namespace

// Test servers get ports below the ephemeral range. A port picked inside it
// (bind to 0, then release) can be taken as the source port of some
// client's outgoing connection before the server binds it, which failed CI
// runs with "Address already in use". Each port is handed out once per
// process; the start is random so parallel test processes spread out.
int PickFreePort() {
  absl::Mutex& mu = port_mu;
  std::set<int>* given = &GivenPorts();
  const int low = 20000;
  const int high = std::max(low + 1000, EphemeralLow() - 1);
  static std::mt19937 random(std::random_device{}());
  absl::MutexLock lock(&mu);
  for (int attempt = 0; attempt < 2000; ++attempt) {
    const int port =
        low + static_cast<int>(random() % static_cast<unsigned>(high - low));
    if (!given->contains(port) && CanBind(port)) {
      given->insert(port);
      return port;
    }
  }
  std::abort();  // no free port in thousands of tries: the box is unusable
}

bool WaitUntil(const std::function<bool()>& predicate, absl::Duration limit) {
  const absl::Time give_up = absl::Now() + limit;
  while (absl::Now() < give_up) {
    if (predicate()) {
      return true;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return predicate();
}

int TestRedisPrimaries() {
  const char* mode = std::getenv("GRACILIS_TEST_REDIS");
  return mode != nullptr && std::string(mode) == "cluster" ? 3 : 1;
}

namespace {

// A free port whose cluster bus port (+10000) is free too and below the
// ephemeral range.
// A cluster node's port; its cluster bus takes the port 10000 above, which
// is reserved too, so that no later server of this process is given it
// (that once left a gateway unable to bind its metrics port).
int PickFreeClusterPort() {
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int port = PickFreePort();
    const int bus = port + 10000;
    absl::MutexLock lock(&port_mu);
    if (bus < EphemeralLow() && !GivenPorts().contains(bus) && CanBind(bus)) {
      GivenPorts().insert(bus);
      return port;
    }
  }
  std::abort();
}

}  // namespace

TestRedisServer::TestRedisServer(int primaries, int replicas)
    : primaries_(primaries) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "gracilis-redis-XXXXXX")
          .string();
  dir_ = mkdtemp(pattern.data());
  const int count = primaries > 1 ? primaries * (1 + replicas) : 1;
  for (int i = 0; i < count; ++i) {
    auto node = std::make_unique<Node>();
    if (count == 1) {
      node->port = PickFreePort();
      node->dir = dir_;
    } else {
      node->port = PickFreeClusterPort();
      node->dir = absl::StrCat(dir_, "/node-", i);
      std::filesystem::create_directories(node->dir);
    }
    nodes_.push_back(std::move(node));
  }
}

TestRedisServer::~TestRedisServer() {
  Kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string TestRedisServer::address() const {
  return absl::StrCat("127.0.0.1:", port());
}

std::vector<int> TestRedisServer::ports() const {
  std::vector<int> out;
  for (const auto& node : nodes_) {
    out.push_back(node->port);
  }
  return out;
}

absl::Status TestRedisServer::StartProcess(Node& node) {
  std::vector<std::string> argv = {"redis-server",
                                   GRACILIS_REDIS_CONFIG,
                                   "--port",
                                   absl::StrCat(node.port),
                                   "--bind",
                                   "127.0.0.1",
                                   "--dir",
                                   node.dir,
                                   "--enable-debug-command",
                                   "local",
                                   "--daemonize",
                                   "no",
                                   "--logfile",
                                   node.dir + "/redis.log"};
  if (cluster()) {
    for (const char* arg :
         {"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
          "--cluster-node-timeout", "1000", "--cluster-replica-validity-factor",
          "0", "--cluster-require-full-coverage", "no"}) {
      argv.push_back(arg);
    }
  }
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  RETURN_IF_ERROR(node.process.Start(argv));
  const bool answered = WaitUntil([&] {
    return CliAt(node.port, "PING") == "PONG" || !node.process.Running();
  });
  if (!node.process.Running()) {
    return absl::InternalError(
        "redis-server exited at start; is it installed?");
  }
  if (!answered) {
    return absl::DeadlineExceededError("redis-server did not answer PING");
  }
  return absl::OkStatus();
}

absl::Status TestRedisServer::Start() {
  for (auto& node : nodes_) {
    RETURN_IF_ERROR(StartProcess(*node));
  }
  if (!cluster()) {
    return absl::OkStatus();
  }
  if (!cluster_created_) {
    std::string create = "redis-cli --cluster create";
    for (const auto& node : nodes_) {
      absl::StrAppend(&create, " 127.0.0.1:", node->port);
    }
    absl::StrAppend(&create, " --cluster-replicas ",
                    nodes_.size() / primaries_ - 1, " --cluster-yes");
    const CommandResult created = RunCommand(create);
    if (created.exit_code != 0) {
      return absl::InternalError(
          absl::StrCat("redis-cli --cluster create failed: ", created.output));
    }
    cluster_created_ = true;
  }
  return AwaitClusterOk();
}

absl::Status TestRedisServer::AwaitClusterOk() {
  const std::string known = absl::StrCat("cluster_known_nodes:", nodes_.size());
  const bool ok = WaitUntil(
      [&] {
        for (const auto& node : nodes_) {
          const std::string info = CliAt(node->port, "CLUSTER INFO");
          if (!absl::StrContains(info, "cluster_state:ok") ||
              !absl::StrContains(info, known)) {
            return false;
          }
        }
        return true;
      },
      absl::Seconds(30));
  return ok ? absl::OkStatus()
            : absl::DeadlineExceededError("the Redis Cluster did not form");
}

void TestRedisServer::Kill() {
  for (auto& node : nodes_) {
    node->process.Kill();
  }
}

void TestRedisServer::Pause() {
  for (auto& node : nodes_) {
    node->process.Signal(SIGSTOP);
  }
}

void TestRedisServer::Resume() {
  for (auto& node : nodes_) {
    node->process.Signal(SIGCONT);
  }
}

absl::Status TestRedisServer::Restart() {
  Kill();
  return Start();
}

void TestRedisServer::KillNode(int port) {
  for (auto& node : nodes_) {
    if (node->port == port) {
      node->process.Kill();
    }
  }
}

absl::Status TestRedisServer::StartNode(int port) {
  for (auto& node : nodes_) {
    if (node->port == port) {
      RETURN_IF_ERROR(StartProcess(*node));
      return AwaitClusterOk();
    }
  }
  return absl::NotFoundError("no such node");
}

namespace {

// Lines of CLUSTER NODES: id, host:port@bus, flags, primary id, ..., slots.
std::vector<std::vector<std::string>> ClusterNodes(const std::string& text) {
  std::vector<std::vector<std::string>> nodes;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    nodes.push_back(absl::StrSplit(line, ' ', absl::SkipEmpty()));
  }
  return nodes;
}

int PortOf(const std::string& address) {  // "127.0.0.1:7000@17000"
  int port = 0;
  const size_t colon = address.find(':');
  const size_t at = address.find('@');
  absl::SimpleAtoi(address.substr(colon + 1, at - colon - 1), &port);
  return port;
}

}  // namespace

absl::StatusOr<int> TestRedisServer::AddPrimary() {
  if (!cluster()) {
    return absl::FailedPreconditionError("not a cluster");
  }
  auto node = std::make_unique<Node>();
  node->port = PickFreeClusterPort();
  node->dir = absl::StrCat(dir_, "/node-", nodes_.size());
  std::filesystem::create_directories(node->dir);
  RETURN_IF_ERROR(StartProcess(*node));
  const int port = node->port;
  nodes_.push_back(std::move(node));
  CliAt(port, absl::StrCat("CLUSTER MEET 127.0.0.1 ", nodes_.front()->port));
  RETURN_IF_ERROR(AwaitClusterOk());
  return port;
}

int TestRedisServer::PrimaryOf(int slot) const {
  for (const auto& fields : ClusterNodes(CliAt(port(), "CLUSTER NODES"))) {
    if (fields.size() < 9 || !absl::StrContains(fields[2], "master")) {
      continue;
    }
    for (size_t i = 8; i < fields.size(); ++i) {
      if (fields[i][0] == '[') {
        continue;  // a slot being migrated or imported
      }
      const std::vector<std::string> ends = absl::StrSplit(fields[i], '-');
      int first = 0;
      int last = 0;
      if (absl::SimpleAtoi(ends.front(), &first) &&
          absl::SimpleAtoi(ends.back(), &last) && first <= slot &&
          slot <= last) {
        return PortOf(fields[1]);
      }
    }
  }
  return 0;
}

std::vector<int> TestRedisServer::ReplicasOf(int primary_port) const {
  const std::string primary_id = CliAt(primary_port, "CLUSTER MYID");
  std::vector<int> replicas;
  for (const auto& fields : ClusterNodes(CliAt(port(), "CLUSTER NODES"))) {
    if (fields.size() >= 4 && fields[3] == primary_id &&
        absl::StrContains(fields[2], "slave")) {
      replicas.push_back(PortOf(fields[1]));
    }
  }
  return replicas;
}

absl::Status TestRedisServer::MoveSlot(int slot, int to_port,
                                       absl::Duration pause) {
  const int from_port = PrimaryOf(slot);
  if (from_port == 0) {
    return absl::NotFoundError(absl::StrCat("no primary serves slot ", slot));
  }
  if (from_port == to_port) {
    return absl::OkStatus();
  }
  const std::string from_id = CliAt(from_port, "CLUSTER MYID");
  const std::string to_id = CliAt(to_port, "CLUSTER MYID");
  const auto expect_ok = [](const std::string& reply,
                            const std::string& what) -> absl::Status {
    return reply == "OK" || reply == "NOKEY"
               ? absl::OkStatus()
               : absl::InternalError(absl::StrCat(what, ": ", reply));
  };
  RETURN_IF_ERROR(expect_ok(
      CliAt(to_port,
            absl::StrCat("CLUSTER SETSLOT ", slot, " IMPORTING ", from_id)),
      "IMPORTING"));
  RETURN_IF_ERROR(expect_ok(
      CliAt(from_port,
            absl::StrCat("CLUSTER SETSLOT ", slot, " MIGRATING ", to_id)),
      "MIGRATING"));
  while (true) {
    const std::string keys =
        CliAt(from_port, absl::StrCat("CLUSTER GETKEYSINSLOT ", slot, " 1"));
    if (keys.empty()) {
      break;
    }
    RETURN_IF_ERROR(expect_ok(
        CliAt(from_port, absl::StrCat("MIGRATE 127.0.0.1 ", to_port,
                                      " \"\" 0 5000 KEYS '", keys, "'")),
        "MIGRATE"));
    absl::SleepFor(pause);
  }
  // The new owner first, as redis-cli does, then everyone else.
  RETURN_IF_ERROR(expect_ok(
      CliAt(to_port, absl::StrCat("CLUSTER SETSLOT ", slot, " NODE ", to_id)),
      "SETSLOT NODE"));
  for (const auto& node : nodes_) {
    if (node->port != to_port) {
      CliAt(node->port,
            absl::StrCat("CLUSTER SETSLOT ", slot, " NODE ", to_id));
    }
  }
  return absl::OkStatus();
}

std::string TestRedisServer::CliAt(int port, const std::string& args) const {
  return RunCommand(absl::StrCat("redis-cli -h 127.0.0.1 -p ", port, " ", args))
      .output;
}

std::string TestRedisServer::Cli(const std::string& args) const {
  if (!cluster()) {
    return CliAt(port(), args);
  }
  if (args == "DBSIZE") {
    long long total = 0;
    for (int i = 0; i < primaries_; ++i) {
      long long keys = 0;
      total += absl::SimpleAtoi(CliAt(nodes_[i]->port, args), &keys) ? keys : 0;
    }
    return absl::StrCat(total);
  }
  for (absl::string_view each :
       {"--scan", "INFO", "info", "CONFIG", "BGREWRITEAOF", "FLUSHALL"}) {
    if (absl::StartsWith(args, each)) {
      std::string joined;
      for (int i = 0; i < primaries_; ++i) {
        const std::string out = CliAt(nodes_[i]->port, args);
        if (!out.empty()) {
          absl::StrAppend(&joined, joined.empty() ? "" : "\n", out);
        }
      }
      return joined;
    }
  }
  return CliAt(port(), "-c " + args);
}

}  // namespace gracilis::testing
