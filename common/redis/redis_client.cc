#include "common/redis/redis_client.h"

#include <event2/event.h>
#include <event2/thread.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/log/log.h"
#include "common/redis/cluster_slots.h"
#include "common/status/errors.h"

namespace gracilis {

RedisConfig RedisConfig::Read(ConfigSource& source) {
  RedisConfig config;
  config.address =
      source.Address("redis", "127.0.0.1:6379", "Redis server host:port");
  config.password =
      source.String("redis_password", "", "Redis AUTH password (empty: none)");
  // Deployments whose Redis takes AUTH set this, so that a missing password
  // Secret stops the process (and the rollout) instead of connecting
  // without one.
  if (source.Int("redis_require_password", 0, 0, 1,
                 "1: refuse to start without redis_password") == 1 &&
      config.password.empty()) {
    source.Error("redis_password",
                 "is required (redis_require_password=1): this deployment's "
                 "Redis takes AUTH; create its password Secret");
  }
  config.command_timeout = source.Duration(
      "redis_command_timeout", config.command_timeout, absl::Milliseconds(1),
      absl::Minutes(1), "longest wait for one Redis reply");
  config.connect_timeout = source.Duration(
      "redis_connect_timeout", config.connect_timeout, absl::Milliseconds(1),
      absl::Minutes(1), "longest wait for a Redis connection");
  return config;
}

namespace {

timeval TimevalOf(absl::Duration d) {
  return absl::ToTimeval(std::max(d, absl::ZeroDuration()));
}

RedisReply CopyReply(const redisReply* reply) {
  RedisReply out;
  switch (reply->type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = reply->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(reply->elements);
      for (size_t i = 0; i < reply->elements; ++i) {
        out.elements.push_back(CopyReply(reply->element[i]));
      }
      break;
    default:
      out.type = RedisReply::Type::kNil;
  }
  return out;
}

// Error replies that a retry may cure.
bool IsTransientError(absl::string_view message) {
  for (absl::string_view prefix :
       {"LOADING", "BUSY", "READONLY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN",
        "OOM", "NOREPLICAS"}) {
    if (absl::StartsWith(message, prefix)) {
      return true;
    }
  }
  return false;
}

}  // namespace

FunctionLibrary MakeFunctionLibrary(absl::string_view name, int version,
                                    absl::string_view functions) {
  return {std::string(name), version,
          absl::StrCat("#!lua name=", name, "\n", functions,
                       "\nredis.register_function{function_name='", name,
                       "_version', callback=function() return ", version,
                       " end, flags={'no-writes'}}\n")};
}

// Everything below runs on the loop thread unless it says otherwise.
class RedisClient::Loop {
 public:
  Loop(RedisClient* owner, RedisConfig config, std::vector<LibraryUse> libs,
       RedisMetrics* metrics)
      : owner_(owner),
        config_(std::move(config)),
        libraries_(std::move(libs)),
        metrics_(metrics) {}

  ~Loop() {
    for (auto& [name, node] : nodes_) {
      event_free(node->reconnect_timer);
      event_free(node->connect_timer);
    }
    if (wake_ != nullptr) {
      event_free(wake_);
    }
    if (refresh_timer_ != nullptr) {
      event_free(refresh_timer_);
    }
    if (base_ != nullptr) {
      event_base_free(base_);
    }
  }

  void SetListener(std::function<void(bool)> listener) {
    listener_ = std::move(listener);
  }

  // Any thread.
  void Start() {
    static const bool threads_enabled = [] {
      return evthread_use_pthreads() == 0;
    }();
    (void)threads_enabled;
    base_ = event_base_new();
    wake_ = event_new(base_, -1, EV_PERSIST, &Loop::OnWake, this);
    event_add(wake_, nullptr);
    refresh_timer_ = evtimer_new(base_, &Loop::OnRefreshTimer, this);
    seed_ = NodeFor(config_.address);
    thread_ = std::thread([this] {
      Connect(seed_);
      event_base_loop(base_, EVLOOP_NO_EXIT_ON_EMPTY);
    });
  }

  // Any thread.
  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_ || !thread_.joinable()) {
        return;
      }
      stopping_ = true;
    }
    event_active(wake_, EV_READ, 0);
    thread_.join();
  }

  // Any thread. `slot`: where the command goes on a cluster (nullopt: its
  // key decides).
  void Submit(std::vector<std::string> args, Callback done, absl::Time deadline,
              std::optional<int> slot) {
    {
      absl::MutexLock lock(&mu_);
      if (!stopping_ && thread_.joinable()) {
        Request request{std::move(args), std::move(done), deadline};
        request.slot = slot.has_value() ? slot : CommandSlot(request.args);
        queue_.push_back(std::move(request));
        if (queue_.size() == 1) {
          event_active(wake_, EV_READ, 0);
        }
        return;
      }
    }
    std::move(done)(StoreUnavailable("client stopped"));
  }

 private:
  enum class Mode { kUnknown, kSingle, kCluster };

  // One server: the single Redis, or a primary of the cluster.
  struct Node {
    Loop* loop;
    HostPort address;
    redisAsyncContext* ctx = nullptr;
    bool ready = false;       // connected and prepared
    bool ever_ready = false;  // commands wait for a new node, not a lost one
    bool wanted = true;       // the seed, or a primary in the slot map
    event* reconnect_timer = nullptr;
    event* connect_timer = nullptr;
    absl::Duration backoff = absl::ZeroDuration();
    std::string last_problem;  // logged once until it changes
  };

  struct Request {
    Request(std::vector<std::string> args, Callback done, absl::Time deadline)
        : args(std::move(args)), done(std::move(done)), deadline(deadline) {}

    std::vector<std::string> args;
    Callback done;
    absl::Time deadline;
    std::optional<int> slot;
    // Preparation commands: this node only, ready or not.
    Node* node = nullptr;
    // Cluster retries (redirects, TRYAGAIN, a node still connecting) stop
    // here: the command's own time from when it was first sent.
    absl::Time retry_until = absl::InfiniteFuture();
    int attempts = 0;
    Node* ask = nullptr;  // ASK: this attempt goes there, after ASKING
  };

  // One command in flight. hiredis always calls OnReply for it exactly
  // once (with a null reply when the connection goes), and OnReply deletes
  // it; the timer may complete it earlier.
  struct Pending {
    Loop* loop;
    Node* node;
    Request request;
    absl::Time sent;
    bool configured_timeout =
        true;  // false: cut short by the caller's deadline
    event* timer = nullptr;
    bool completed = false;

    ~Pending() {
      if (timer != nullptr) {
        event_free(timer);
      }
    }
    void Complete(absl::StatusOr<RedisReply> result) {
      if (completed) {
        return;
      }
      completed = true;
      evtimer_del(timer);
      std::move(request.done)(std::move(result));
    }
    // Takes the request back to send it again (a redirect or a retry).
    Request Take() {
      completed = true;
      evtimer_del(timer);
      return std::move(request);
    }
  };

  // A request waiting to be sent again.
  struct Retry {
    Loop* loop;
    Request request;
    event* timer = nullptr;
  };

  static void OnWake(evutil_socket_t, short, void* arg) {
    static_cast<Loop*>(arg)->DrainQueue();
  }

  void DrainQueue() {
    std::deque<Request> batch;
    bool stopping;
    {
      absl::MutexLock lock(&mu_);
      batch.swap(queue_);
      stopping = stopping_;
    }
    if (stopping) {
      for (Request& r : batch) {
        std::move(r.done)(StoreUnavailable("client stopping"));
      }
      StopEverything();
      return;
    }
    for (Request& r : batch) {
      Route(std::move(r));
    }
  }

  void StopEverything() {
    for (auto& [id, retry] : retries_) {
      event_free(retry->timer);
      std::move(retry->request.done)(StoreUnavailable("client stopping"));
    }
    retries_.clear();
    evtimer_del(refresh_timer_);
    for (auto& [name, node] : nodes_) {
      node->wanted = false;
      evtimer_del(node->reconnect_timer);
      DropConnection(node.get());
    }
    event_base_loopbreak(base_);
  }

  // The node a request goes to: the single Redis, or the primary of its
  // slot (any connected primary for keyless commands). Null if none.
  Node* Target(const Request& r) {
    if (r.node != nullptr) {
      return r.node;
    }
    if (r.ask != nullptr) {
      return r.ask;
    }
    if (mode_ != Mode::kCluster) {
      return seed_;
    }
    if (r.slot.has_value()) {
      return slots_[*r.slot];
    }
    for (Node* node : slots_) {
      if (node != nullptr && node->ready) {
        return node;
      }
    }
    return nullptr;
  }

  void Route(Request r) {
    Node* node = Target(r);
    if (r.node == nullptr && (node == nullptr || !node->ready ||
                              (mode_ != Mode::kCluster && !owner_->ready()))) {
      // A primary the map just named is still connecting: wait for it
      // within the command's time. A known server that is down fails fast.
      const bool new_node = node != nullptr && !node->ever_ready;
      const bool unserved_slot = node == nullptr && r.slot.has_value();
      if (mode_ == Mode::kCluster && (new_node || unserved_slot) &&
          RetryLater(r)) {
        return;
      }
      if (metrics_ != nullptr) {
        metrics_->RecordError(RedisMetrics::ErrorKind::kConnection);
      }
      // No address in the answer: it goes to clients.
      std::move(r.done)(StoreUnavailable("not connected"));
      return;
    }
    Send(node, std::move(r));
  }

  void Send(Node* node, Request r) {
    if (node->ctx == nullptr) {
      std::move(r.done)(StoreUnavailable("not connected"));
      return;
    }
    const absl::Time now = absl::Now();
    if (r.deadline <= now) {
      std::move(r.done)(absl::DeadlineExceededError(
          "deadline passed before the redis command was sent"));
      return;
    }
    if (r.retry_until == absl::InfiniteFuture()) {
      r.retry_until = std::min(r.deadline, now + config_.command_timeout);
    }
    absl::Duration timeout = config_.command_timeout;
    bool configured_timeout = true;
    if (r.deadline - now < timeout) {
      timeout = r.deadline - now;
      configured_timeout = false;
    }
    const bool asking = r.ask != nullptr;
    r.ask = nullptr;
    auto* pending = new Pending{this, node, std::move(r), now};
    pending->configured_timeout = configured_timeout;
    pending->timer = evtimer_new(base_, &Loop::OnCommandTimeout, pending);
    const timeval tv = TimevalOf(timeout);
    evtimer_add(pending->timer, &tv);

    const std::vector<std::string>& args = pending->request.args;
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const std::string& a : args) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    if (asking) {
      // The target imports the slot: this one command may run there.
      redisAsyncCommand(node->ctx, nullptr, nullptr, "ASKING");
    }
    if (redisAsyncCommandArgv(node->ctx, &Loop::OnReply, pending,
                              static_cast<int>(argv.size()), argv.data(),
                              lengths.data()) != REDIS_OK) {
      pending->Complete(StoreUnavailable("command not sent"));
      delete pending;
    }
  }

  // Sends `r` again after a short pause, if its time allows: true if it
  // will be.
  bool RetryLater(Request& r) {
    const absl::Duration pause =
        std::min(absl::Milliseconds(5) * (1 << std::min(r.attempts, 5)),
                 absl::Milliseconds(100));
    const absl::Time until =
        r.retry_until == absl::InfiniteFuture()
            ? std::min(r.deadline, absl::Now() + config_.command_timeout)
            : r.retry_until;
    if (r.attempts >= 16 || absl::Now() + pause >= until) {
      return false;
    }
    r.retry_until = until;
    ++r.attempts;
    auto retry = std::make_unique<Retry>(Retry{this, std::move(r)});
    retry->timer = evtimer_new(base_, &Loop::OnRetry, retry.get());
    const timeval tv = TimevalOf(pause);
    evtimer_add(retry->timer, &tv);
    retries_.emplace(retry.get(), std::move(retry));
    return true;
  }

  static void OnRetry(evutil_socket_t, short, void* arg) {
    auto* retry = static_cast<Retry*>(arg);
    Loop* loop = retry->loop;
    auto it = loop->retries_.find(retry);
    std::unique_ptr<Retry> owned = std::move(it->second);
    loop->retries_.erase(it);
    event_free(owned->timer);
    loop->Route(std::move(owned->request));
  }

  static void OnReply(redisAsyncContext*, void* raw_reply, void* privdata) {
    auto* pending = static_cast<Pending*>(privdata);
    Loop* loop = pending->loop;
    auto* reply = static_cast<redisReply*>(raw_reply);
    if (reply == nullptr) {
      if (!pending->completed && loop->metrics_ != nullptr) {
        loop->metrics_->RecordError(RedisMetrics::ErrorKind::kConnection);
      }
      pending->Complete(StoreUnavailable("connection lost before the reply"));
    } else if (reply->type == REDIS_REPLY_ERROR) {
      if (!pending->completed) {
        loop->OnErrorReply(pending, absl::string_view(reply->str, reply->len));
      }
    } else {
      if (loop->metrics_ != nullptr) {
        loop->metrics_->RecordCommand(absl::Now() - pending->sent);
      }
      pending->Complete(CopyReply(reply));
    }
    delete pending;
  }

  void OnErrorReply(Pending* pending, absl::string_view message) {
    if (metrics_ != nullptr) {
      metrics_->RecordError(RedisMetrics::ErrorKind::kReply);
    }
    if (mode_ == Mode::kCluster && pending->request.node == nullptr) {
      if (std::optional<Redirect> redirect = ParseRedirect(message)) {
        // Not run there: safe to send again, also for writes.
        if (metrics_ != nullptr) {
          metrics_->RecordRedirect(redirect->ask);
        }
        Node* to = NodeFor(redirect->address);
        Request r = pending->Take();
        if (!redirect->ask) {
          slots_[redirect->slot] = to;
          ScheduleRefresh();
        } else {
          r.ask = to;
        }
        if (r.attempts < 16 && to->ready) {
          ++r.attempts;
          return Send(to, std::move(r));
        }
        if (!RetryLater(r)) {
          std::move(r.done)(StoreUnavailable(
              "the data is moving between servers; retry shortly"));
        }
        return;
      }
      if (absl::StartsWith(message, "TRYAGAIN") ||
          absl::StartsWith(message, "CLUSTERDOWN") ||
          absl::StartsWith(message, "MASTERDOWN") ||
          absl::StartsWith(message, "LOADING")) {
        if (absl::StartsWith(message, "CLUSTERDOWN")) {
          ScheduleRefresh();
        }
        Request r = pending->Take();
        if (!RetryLater(r)) {
          std::move(r.done)(StoreUnavailable(message));
        }
        return;
      }
    }
    pending->Complete(IsTransientError(message)
                          ? StoreUnavailable(message)
                          : absl::InternalError(absl::StrCat(
                                "redis: ", message.substr(0, 200))));
  }

  static void OnCommandTimeout(evutil_socket_t, short, void* arg) {
    auto* pending = static_cast<Pending*>(arg);
    Loop* loop = pending->loop;
    Node* node = pending->node;
    if (!pending->configured_timeout) {
      // The caller's deadline, not a sick server: give up on this reply only.
      pending->Complete(absl::DeadlineExceededError(
          "redis command outlived the caller's deadline"));
      return;
    }
    if (loop->metrics_ != nullptr) {
      loop->metrics_->RecordError(RedisMetrics::ErrorKind::kTimeout);
    }
    // Not ready from now on, before the caller hears of it: the connection
    // is replaced below, and new commands for it fail fast until it is back.
    loop->NodeDown(node);
    pending->Complete(StoreUnavailable(
        absl::StrCat("no answer within ",
                     absl::FormatDuration(loop->config_.command_timeout))));
    // Replies come in order, so every later one is stuck behind this: replace
    // the connection.
    loop->DropLater(node, node->ctx);
  }

  // Drops `node`'s connection `ctx` and schedules a reconnect on the loop's
  // next turn, unless another connection has replaced it by then. Never
  // inline from a reply or timeout: freeing a context deletes its pending
  // commands, and the callback running may belong to one of them.
  void DropLater(Node* node, redisAsyncContext* ctx) {
    if (ctx == nullptr) {
      return;
    }
    drops_.emplace_back(node, ctx);
    event_base_once(base_, -1, EV_TIMEOUT, &Loop::OnDropLater, this, nullptr);
  }

  static void OnDropLater(evutil_socket_t, short, void* arg) {
    auto* loop = static_cast<Loop*>(arg);
    const auto drops = std::move(loop->drops_);
    loop->drops_.clear();
    for (const auto& [node, ctx] : drops) {
      if (node->ctx == ctx) {
        loop->DropConnection(node);
        loop->ScheduleReconnect(node);
      }
    }
  }

  // The node at `address`, made (and connecting) if new.
  Node* NodeFor(const HostPort& address) {
    const std::string name = address.ToString();
    auto it = nodes_.find(name);
    if (it != nodes_.end()) {
      Node* node = it->second.get();
      if (!node->wanted) {
        node->wanted = true;
        if (node->ctx == nullptr) {
          ScheduleReconnect(node);
        }
      }
      return node;
    }
    auto node = std::make_unique<Node>();
    node->loop = this;
    node->address = address;
    node->reconnect_timer =
        evtimer_new(base_, &Loop::OnReconnectTimer, node.get());
    node->connect_timer =
        evtimer_new(base_, &Loop::OnConnectTimeout, node.get());
    Node* raw = node.get();
    nodes_.emplace(name, std::move(node));
    if (seed_ != nullptr) {  // the seed connects when the loop starts
      Connect(raw);
    }
    return raw;
  }

  Node* NodeFor(const std::string& address) {
    std::optional<HostPort> parsed = ParseHostPort(address);
    if (!parsed) {
      return seed_;  // never from a sane server; its MOVED will repeat
    }
    return NodeFor(*parsed);
  }

  void Connect(Node* node) {
    redisAsyncContext* ctx =
        redisAsyncConnect(node->address.host.c_str(), node->address.port);
    if (ctx == nullptr || ctx->err != 0) {
      if (ctx != nullptr) {
        redisAsyncFree(ctx);
      }
      ScheduleReconnect(node);
      return;
    }
    ctx->data = node;
    redisLibeventAttach(ctx, base_);
    redisAsyncSetConnectCallback(ctx, &Loop::OnConnect);
    redisAsyncSetDisconnectCallback(ctx, &Loop::OnDisconnect);
    node->ctx = ctx;
    const timeval tv = TimevalOf(config_.connect_timeout);
    evtimer_add(node->connect_timer, &tv);
  }

  static void OnConnect(const redisAsyncContext* ctx, int status) {
    auto* node = static_cast<Node*>(ctx->data);
    Loop* loop = node->loop;
    if (ctx != node->ctx) {
      return;
    }
    evtimer_del(node->connect_timer);
    if (status != REDIS_OK) {
      // hiredis frees the context itself after a failed connect.
      node->ctx = nullptr;
      loop->ScheduleReconnect(node);
      return;
    }
    loop->Prepare(node);
  }

  static void OnDisconnect(const redisAsyncContext* ctx, int) {
    auto* node = static_cast<Node*>(ctx->data);
    Loop* loop = node->loop;
    if (ctx != node->ctx) {
      return;  // a connection we dropped on purpose
    }
    node->ctx = nullptr;
    loop->NodeDown(node);
    loop->ScheduleReconnect(node);
  }

  static void OnConnectTimeout(evutil_socket_t, short, void* arg) {
    auto* node = static_cast<Node*>(arg);
    node->loop->DropConnection(node);
    node->loop->ScheduleReconnect(node);
  }

  // One step of preparing a connection: a command, and what its reply
  // means (an empty problem: go on, skipping `skip` steps).
  struct Step {
    std::vector<std::string> command;
    std::function<std::string(const absl::StatusOr<RedisReply>&, int& skip)>
        check;
  };

  // AUTH, then each library (owned: loaded unless a newer version is live;
  // needed: at least this version live), then PING.
  void Prepare(Node* node) {
    auto steps = std::make_shared<std::vector<Step>>();
    const auto must_succeed = [](const absl::StatusOr<RedisReply>& reply,
                                 int&) {
      return reply.ok() ? std::string() : std::string(reply.status().message());
    };
    if (!config_.password.empty()) {
      steps->push_back({{"AUTH", config_.password}, must_succeed});
    }
    for (const LibraryUse& use : libraries_) {
      const FunctionLibrary* library = use.library;
      const bool owned = use.owned;
      steps->push_back(
          {{"FCALL_RO", absl::StrCat(library->name, "_version"), "0"},
           [library, owned](const absl::StatusOr<RedisReply>& reply,
                            int& skip) -> std::string {
             const bool missing =
                 !reply.ok() &&
                 absl::StrContains(reply.status().message(), "not found");
             if (!reply.ok() && !missing) {
               return std::string(reply.status().message());
             }
             const long long live = missing ? 0 : reply->integer;
             if (owned) {
               // Equal versions load too: the same source is a no-op, and
               // a developer's edit without a new version still lands.
               skip = live > library->version ? 1 : 0;
               return "";
             }
             if (live < library->version) {
               return absl::StrCat(
                   "Redis Functions library ", library->name, " version ",
                   library->version, " is needed and ",
                   missing ? std::string("none")
                           : absl::StrCat("version ", live),
                   " is loaded: start the service that owns it (its "
                   "current version) first");
             }
             return "";
           }});
      if (owned) {
        steps->push_back(
            {{"FUNCTION", "LOAD", "REPLACE", library->source}, must_succeed});
      }
    }
    steps->push_back({{"PING"}, must_succeed});
    RunPreparation(node, std::move(steps), 0);
  }

  void RunPreparation(Node* node, std::shared_ptr<std::vector<Step>> steps,
                      size_t index) {
    redisAsyncContext* ctx = node->ctx;
    Request request{(*steps)[index].command,
                    [this, node, ctx, steps,
                     index](absl::StatusOr<RedisReply> reply) mutable {
                      if (ctx != node->ctx) {
                        return;  // that connection is gone
                      }
                      int skip = 0;
                      const std::string problem =
                          (*steps)[index].check(reply, skip);
                      if (!problem.empty()) {
                        // Not ready (it never was on this connection);
                        // try another later.
                        Problem(node, problem);
                        DropLater(node, ctx);
                        return;
                      }
                      const size_t next = index + 1 + skip;
                      if (next < steps->size()) {
                        return RunPreparation(node, steps, next);
                      }
                      NodePrepared(node);
                    },
                    absl::InfiniteFuture()};
    request.node = node;
    Send(node, std::move(request));
  }

  void Problem(Node* node, const std::string& problem) {
    if (problem != node->last_problem) {
      node->last_problem = problem;
      Log("error",
          absl::StrCat("redis ", node->address.ToString(), ": ", problem));
    }
  }

  void NodePrepared(Node* node) {
    if (node->ever_ready && metrics_ != nullptr) {
      metrics_->RecordReconnect();
    }
    node->ever_ready = true;
    node->last_problem.clear();
    node->backoff = absl::ZeroDuration();
    node->ready = true;
    if (mode_ == Mode::kUnknown) {
      DetectMode(node);
      return;
    }
    if (mode_ == Mode::kCluster) {
      ScheduleRefresh();
    }
    UpdateReadiness();
  }

  // The first prepared connection tells a cluster (CLUSTER SLOTS answers)
  // from a single Redis (it refuses).
  void DetectMode(Node* node) {
    Request request{
        {"CLUSTER", "SLOTS"},
        [this, node](absl::StatusOr<RedisReply> reply) {
          if (mode_ != Mode::kUnknown) {
            return;
          }
          if (!reply.ok() && absl::StrContains(reply.status().message(),
                                               "cluster support disabled")) {
            mode_ = Mode::kSingle;
            return UpdateReadiness();
          }
          if (!reply.ok()) {
            Problem(node, std::string(reply.status().message()));
            node->ready = false;
            return DropLater(node, node->ctx);
          }
          mode_ = Mode::kCluster;
          owner_->cluster_.store(true, std::memory_order_release);
          slots_.assign(kClusterSlots, nullptr);
          ApplySlotMap(*reply);
        },
        absl::InfiniteFuture()};
    request.node = node;
    Send(node, std::move(request));
  }

  // CLUSTER SLOTS: [[start, end, [host, port, id], replicas...], ...].
  void ApplySlotMap(const RedisReply& map) {
    if (metrics_ != nullptr) {
      metrics_->RecordSlotMapRefresh();
    }
    std::vector<Node*> slots(kClusterSlots, nullptr);
    std::set<Node*> primaries;
    for (const RedisReply& range : map.elements) {
      if (range.elements.size() < 3 || range.elements[2].elements.size() < 2) {
        continue;
      }
      const long long first = range.elements[0].integer;
      const long long last = range.elements[1].integer;
      std::string host = range.elements[2].elements[0].str;
      if (host.empty() || host == "?") {
        host = config_.address.host;  // the node does not know its address
      }
      const int port = static_cast<int>(range.elements[2].elements[1].integer);
      Node* node = NodeFor(HostPort{host, port});
      primaries.insert(node);
      for (long long slot = std::max(0LL, first);
           slot <= last && slot < kClusterSlots; ++slot) {
        slots[slot] = node;
      }
    }
    slots_ = std::move(slots);
    for (auto& [name, node] : nodes_) {
      if (!primaries.contains(node.get()) && node->wanted) {
        // A replica now, or gone: no commands go there. Dropped on the next
        // turn: this map may be the reply of that very connection.
        node->wanted = false;
        node->ready = false;
        evtimer_del(node->reconnect_timer);
        DropLater(node.get(), node->ctx);
      }
    }
    UpdateReadiness();
  }

  // Asks a connected primary for the slot map: after MOVED, CLUSTERDOWN or
  // a lost primary, at most every 100 ms; and while some slot has no
  // connected primary, every 250 ms until it has.
  void ScheduleRefresh() {
    if (mode_ != Mode::kCluster || refresh_in_flight_ ||
        evtimer_pending(refresh_timer_, nullptr)) {
      return;
    }
    const absl::Duration since = absl::Now() - last_refresh_;
    const timeval tv = TimevalOf(
        std::max(absl::ZeroDuration(), absl::Milliseconds(100) - since));
    evtimer_add(refresh_timer_, &tv);
  }

  static void OnRefreshTimer(evutil_socket_t, short, void* arg) {
    static_cast<Loop*>(arg)->Refresh();
  }

  void Refresh() {
    Node* from = nullptr;
    for (auto& [name, node] : nodes_) {
      if (node->ready) {
        from = node.get();
        break;
      }
    }
    if (from == nullptr) {
      // Nothing connected: start again from the configured address.
      NodeFor(config_.address);
      return RefreshAgainSoon();
    }
    refresh_in_flight_ = true;
    last_refresh_ = absl::Now();
    Request request{{"CLUSTER", "SLOTS"},
                    [this](absl::StatusOr<RedisReply> reply) {
                      refresh_in_flight_ = false;
                      if (reply.ok()) {
                        ApplySlotMap(*reply);
                      }
                      if (!owner_->ready()) {
                        RefreshAgainSoon();
                      }
                    },
                    absl::InfiniteFuture()};
    request.node = from;
    Send(from, std::move(request));
  }

  void RefreshAgainSoon() {
    if (evtimer_pending(refresh_timer_, nullptr)) {
      return;
    }
    const timeval tv = TimevalOf(absl::Milliseconds(250));
    evtimer_add(refresh_timer_, &tv);
  }

  // A node lost its connection (or stalled).
  void NodeDown(Node* node) {
    node->ready = false;
    UpdateReadiness();
    if (mode_ == Mode::kCluster) {
      ScheduleRefresh();  // a failover changes the map
    }
  }

  void UpdateReadiness() {
    bool ready = false;
    if (mode_ == Mode::kSingle) {
      ready = seed_->ready;
    } else if (mode_ == Mode::kCluster) {
      ready = std::all_of(slots_.begin(), slots_.end(), [](Node* node) {
        return node != nullptr && node->ready;
      });
      if (!ready) {
        RefreshAgainSoon();
      }
    }
    SetReady(ready);
  }

  // Frees the node's context; its pending commands complete with
  // UNAVAILABLE.
  void DropConnection(Node* node) {
    evtimer_del(node->connect_timer);
    redisAsyncContext* ctx = node->ctx;
    node->ctx = nullptr;
    if (node->ready) {
      NodeDown(node);
    }
    if (ctx != nullptr) {
      redisAsyncFree(ctx);
    }
  }

  void ScheduleReconnect(Node* node) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) {
        return;
      }
    }
    if (!node->wanted || evtimer_pending(node->reconnect_timer, nullptr)) {
      return;
    }
    node->backoff = node->backoff == absl::ZeroDuration()
                        ? config_.reconnect_min
                        : std::min(node->backoff * 2, config_.reconnect_max);
    // Up to 20% jitter so many processes do not reconnect in lockstep.
    std::uniform_real_distribution<double> jitter(0.8, 1.0);
    const timeval tv = TimevalOf(node->backoff * jitter(rng_));
    evtimer_add(node->reconnect_timer, &tv);
  }

  static void OnReconnectTimer(evutil_socket_t, short, void* arg) {
    auto* node = static_cast<Node*>(arg);
    if (node->ctx == nullptr && node->wanted) {
      node->loop->Connect(node);
    }
  }

  void SetReady(bool ready) {
    if (owner_->ready() == ready) {
      return;
    }
    owner_->ready_.store(ready, std::memory_order_release);
    if (metrics_ != nullptr) {
      metrics_->SetConnected(ready);
    }
    if (listener_) {
      listener_(ready);
    }
  }

  RedisClient* owner_;
  const RedisConfig config_;
  const std::vector<LibraryUse> libraries_;
  RedisMetrics* const metrics_;
  std::function<void(bool)> listener_;

  absl::Mutex mu_;
  std::deque<Request> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;

  // Loop thread only.
  event_base* base_ = nullptr;
  event* wake_ = nullptr;
  event* refresh_timer_ = nullptr;
  Mode mode_ = Mode::kUnknown;
  // Every server ever known, by host:port; never removed while the loop
  // runs (pending commands and timers point at them).
  std::map<std::string, std::unique_ptr<Node>> nodes_;
  Node* seed_ = nullptr;      // the configured address
  std::vector<Node*> slots_;  // cluster: the primary of each slot
  bool refresh_in_flight_ = false;
  absl::Time last_refresh_ = absl::InfinitePast();
  std::map<Retry*, std::unique_ptr<Retry>> retries_;
  // Connections to drop on the next turn (DropLater).
  std::vector<std::pair<Node*, redisAsyncContext*>> drops_;
  std::minstd_rand rng_{std::random_device{}()};
};

RedisClient::RedisClient(RedisConfig config, std::vector<LibraryUse> libraries,
                         RedisMetrics* metrics)
    : loop_(std::make_unique<Loop>(this, std::move(config),
                                   std::move(libraries), metrics)) {}

RedisClient::~RedisClient() { Stop(); }

void RedisClient::SetReadinessListener(std::function<void(bool)> listener) {
  loop_->SetListener(std::move(listener));
}

void RedisClient::Start() { loop_->Start(); }

void RedisClient::Stop() { loop_->Stop(); }

void RedisClient::Execute(std::vector<std::string> args, Callback done,
                          absl::Time deadline) {
  loop_->Submit(std::move(args), std::move(done), deadline, std::nullopt);
}

void RedisClient::ExecuteInSlot(int slot, std::vector<std::string> args,
                                Callback done, absl::Time deadline) {
  loop_->Submit(std::move(args), std::move(done), deadline, slot);
}

void RedisClient::Call(absl::string_view function,
                       std::vector<std::string> keys,
                       std::vector<std::string> args, Callback done,
                       absl::Time deadline) {
  std::vector<std::string> command;
  command.reserve(3 + keys.size() + args.size());
  command.emplace_back("FCALL");
  command.emplace_back(function);
  command.push_back(absl::StrCat(keys.size()));
  for (std::string& k : keys) {
    command.push_back(std::move(k));
  }
  for (std::string& a : args) {
    command.push_back(std::move(a));
  }
  Execute(std::move(command), std::move(done), deadline);
}

RedisClient::Callback StatusOnly(
    absl::AnyInvocable<void(absl::Status) &&> done) {
  return [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
    std::move(done)(reply.status());
  };
}

absl::Status StartAndAwaitReady(RedisClient& client, const RedisConfig& config,
                                absl::Duration limit) {
  client.Start();
  const absl::Time give_up = absl::Now() + limit;
  while (!client.ready() && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  if (!client.ready()) {
    return absl::UnavailableError(absl::StrCat(
        "redis at ", config.address.ToString(), " is not reachable"));
  }
  return absl::OkStatus();
}

namespace {

absl::StatusOr<RedisReply> Wait(
    const std::function<void(RedisClient::Callback)>& send) {
  absl::Notification done;
  absl::StatusOr<RedisReply> result;
  send([&](absl::StatusOr<RedisReply> reply) {
    result = std::move(reply);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

}  // namespace

absl::StatusOr<RedisReply> ExecuteAndWait(RedisClient& client,
                                          std::vector<std::string> args) {
  return Wait([&](RedisClient::Callback done) {
    client.Execute(std::move(args), std::move(done));
  });
}

absl::StatusOr<RedisReply> ExecuteInSlotAndWait(RedisClient& client, int slot,
                                                std::vector<std::string> args) {
  return Wait([&](RedisClient::Callback done) {
    client.ExecuteInSlot(slot, std::move(args), std::move(done));
  });
}

}  // namespace gracilis
