#include "common/redis/redis_client.h"

#include <event2/event.h>
#include <event2/thread.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <deque>
#include <random>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
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

// Everything below runs on the loop thread unless it says otherwise.
class RedisClient::Loop {
 public:
  Loop(RedisClient* owner, RedisConfig config, std::vector<std::string> libs,
       RedisMetrics* metrics)
      : owner_(owner),
        config_(std::move(config)),
        libraries_(std::move(libs)),
        metrics_(metrics) {}

  ~Loop() {
    if (wake_ != nullptr) {
      event_free(wake_);
    }
    if (reconnect_timer_ != nullptr) {
      event_free(reconnect_timer_);
    }
    if (connect_timer_ != nullptr) {
      event_free(connect_timer_);
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
    reconnect_timer_ = evtimer_new(base_, &Loop::OnReconnectTimer, this);
    connect_timer_ = evtimer_new(base_, &Loop::OnConnectTimeout, this);
    thread_ = std::thread([this] {
      Connect();
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

  // Any thread.
  void Submit(std::vector<std::string> args, Callback done,
              absl::Time deadline) {
    {
      absl::MutexLock lock(&mu_);
      if (!stopping_ && thread_.joinable()) {
        queue_.push_back({std::move(args), std::move(done), deadline});
        if (queue_.size() == 1) {
          event_active(wake_, EV_READ, 0);
        }
        return;
      }
    }
    std::move(done)(StoreUnavailable("client stopped"));
  }

 private:
  struct Request {
    std::vector<std::string> args;
    Callback done;
    absl::Time deadline;
  };

  // One command in flight. hiredis always calls OnReply for it exactly
  // once (with a null reply when the connection goes), and OnReply deletes
  // it; the timer may complete it earlier.
  struct Pending {
    Loop* loop;
    Callback done;
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
      std::move(done)(std::move(result));
    }
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
      DropConnection("client stopping");
      event_base_loopbreak(base_);
      return;
    }
    for (Request& r : batch) {
      Send(std::move(r.args), std::move(r.done), r.deadline,
           /*internal=*/false);
    }
  }

  void Send(std::vector<std::string> args, Callback done, absl::Time deadline,
            bool internal) {
    if (ctx_ == nullptr || (!owner_->ready() && !internal)) {
      if (metrics_ != nullptr) {
        metrics_->RecordError(RedisMetrics::ErrorKind::kConnection);
      }
      // No address in the answer: it goes to clients.
      std::move(done)(StoreUnavailable("not connected"));
      return;
    }
    const absl::Time now = absl::Now();
    if (deadline <= now) {
      std::move(done)(absl::DeadlineExceededError(
          "deadline passed before the redis command was sent"));
      return;
    }
    auto* pending = new Pending{this, std::move(done), now};
    absl::Duration timeout = config_.command_timeout;
    if (deadline - now < timeout) {
      timeout = deadline - now;
      pending->configured_timeout = false;
    }
    pending->timer = evtimer_new(base_, &Loop::OnCommandTimeout, pending);
    const timeval tv = TimevalOf(timeout);
    evtimer_add(pending->timer, &tv);

    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const std::string& a : args) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    if (redisAsyncCommandArgv(ctx_, &Loop::OnReply, pending,
                              static_cast<int>(argv.size()), argv.data(),
                              lengths.data()) != REDIS_OK) {
      pending->Complete(StoreUnavailable("command not sent"));
      delete pending;
    }
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
      std::string message(reply->str, reply->len);
      if (loop->metrics_ != nullptr) {
        loop->metrics_->RecordError(RedisMetrics::ErrorKind::kReply);
      }
      pending->Complete(IsTransientError(message)
                            ? StoreUnavailable(message)
                            : absl::InternalError("redis: " + message));
    } else {
      if (loop->metrics_ != nullptr) {
        loop->metrics_->RecordCommand(absl::Now() - pending->sent);
      }
      pending->Complete(CopyReply(reply));
    }
    delete pending;
  }

  static void OnCommandTimeout(evutil_socket_t, short, void* arg) {
    auto* pending = static_cast<Pending*>(arg);
    Loop* loop = pending->loop;
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
    // is replaced below, and new commands fail fast until it is back.
    loop->SetReady(false);
    pending->Complete(StoreUnavailable(
        absl::StrCat("no answer within ",
                     absl::FormatDuration(loop->config_.command_timeout))));
    // Replies come in order, so every later one is stuck behind this: replace
    // the connection.
    loop->DropLater(loop->ctx_);
  }

  // Drops connection `ctx` and schedules a reconnect on the loop's next
  // turn, unless another connection has replaced it by then. Never inline
  // from a reply or timeout: freeing a context deletes its pending commands,
  // and the callback running may belong to one of them.
  void DropLater(redisAsyncContext* ctx) {
    if (ctx == nullptr) {
      return;
    }
    drops_.push_back(ctx);
    event_base_once(base_, -1, EV_TIMEOUT, &Loop::OnDropLater, this, nullptr);
  }

  static void OnDropLater(evutil_socket_t, short, void* arg) {
    auto* loop = static_cast<Loop*>(arg);
    const std::vector<redisAsyncContext*> drops = std::move(loop->drops_);
    loop->drops_.clear();
    for (redisAsyncContext* ctx : drops) {
      if (loop->ctx_ == ctx) {
        loop->DropConnection("command failed");
        loop->ScheduleReconnect();
      }
    }
  }

  void Connect() {
    redisAsyncContext* ctx =
        redisAsyncConnect(config_.address.host.c_str(), config_.address.port);
    if (ctx == nullptr || ctx->err != 0) {
      if (ctx != nullptr) {
        redisAsyncFree(ctx);
      }
      ScheduleReconnect();
      return;
    }
    ctx->data = this;
    redisLibeventAttach(ctx, base_);
    redisAsyncSetConnectCallback(ctx, &Loop::OnConnect);
    redisAsyncSetDisconnectCallback(ctx, &Loop::OnDisconnect);
    ctx_ = ctx;
    const timeval tv = TimevalOf(config_.connect_timeout);
    evtimer_add(connect_timer_, &tv);
  }

  static void OnConnect(const redisAsyncContext* ctx, int status) {
    auto* loop = static_cast<Loop*>(ctx->data);
    if (ctx != loop->ctx_) {
      return;
    }
    evtimer_del(loop->connect_timer_);
    if (status != REDIS_OK) {
      // hiredis frees the context itself after a failed connect.
      loop->ctx_ = nullptr;
      loop->ScheduleReconnect();
      return;
    }
    loop->Prepare();
  }

  static void OnDisconnect(const redisAsyncContext* ctx, int) {
    auto* loop = static_cast<Loop*>(ctx->data);
    if (ctx != loop->ctx_) {
      return;  // a connection we dropped on purpose
    }
    loop->ctx_ = nullptr;
    loop->SetReady(false);
    loop->ScheduleReconnect();
  }

  static void OnConnectTimeout(evutil_socket_t, short, void* arg) {
    auto* loop = static_cast<Loop*>(arg);
    loop->DropConnection("connect timed out");
    loop->ScheduleReconnect();
  }

  // AUTH, then the Functions libraries; ready when the last one succeeds.
  void Prepare() {
    std::vector<std::vector<std::string>> steps;
    if (!config_.password.empty()) {
      steps.push_back({"AUTH", config_.password});
    }
    for (const std::string& library : libraries_) {
      steps.push_back({"FUNCTION", "LOAD", "REPLACE", library});
    }
    steps.push_back({"PING"});
    RunPreparation(std::move(steps), 0);
  }

  void RunPreparation(std::vector<std::vector<std::string>> steps,
                      size_t index) {
    std::vector<std::string> command = steps[index];
    redisAsyncContext* ctx = ctx_;
    Send(
        std::move(command),
        [this, ctx, steps = std::move(steps),
         index](absl::StatusOr<RedisReply> reply) mutable {
          if (ctx != ctx_) {
            return;  // that connection is gone; a new one prepares itself
          }
          if (!reply.ok()) {
            // Not ready (it never was on this connection); try another.
            DropLater(ctx);
            return;
          }
          if (index + 1 < steps.size()) {
            RunPreparation(std::move(steps), index + 1);
            return;
          }
          if (had_connection_ && metrics_ != nullptr) {
            metrics_->RecordReconnect();
          }
          had_connection_ = true;
          backoff_ = absl::ZeroDuration();
          SetReady(true);
        },
        absl::InfiniteFuture(), /*internal=*/true);
  }

  // Frees the current context; pending commands complete with UNAVAILABLE.
  void DropConnection(absl::string_view /*why*/) {
    evtimer_del(connect_timer_);
    redisAsyncContext* ctx = ctx_;
    ctx_ = nullptr;
    SetReady(false);
    if (ctx != nullptr) {
      redisAsyncFree(ctx);
    }
  }

  void ScheduleReconnect() {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) {
        return;
      }
    }
    if (evtimer_pending(reconnect_timer_, nullptr)) {
      return;
    }
    backoff_ = backoff_ == absl::ZeroDuration()
                   ? config_.reconnect_min
                   : std::min(backoff_ * 2, config_.reconnect_max);
    // Up to 20% jitter so many processes do not reconnect in lockstep.
    std::uniform_real_distribution<double> jitter(0.8, 1.0);
    const timeval tv = TimevalOf(backoff_ * jitter(rng_));
    evtimer_add(reconnect_timer_, &tv);
  }

  static void OnReconnectTimer(evutil_socket_t, short, void* arg) {
    auto* loop = static_cast<Loop*>(arg);
    if (loop->ctx_ == nullptr) {
      loop->Connect();
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
  const std::vector<std::string> libraries_;
  RedisMetrics* const metrics_;
  std::function<void(bool)> listener_;

  absl::Mutex mu_;
  std::deque<Request> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;

  // Loop thread only.
  event_base* base_ = nullptr;
  event* wake_ = nullptr;
  event* reconnect_timer_ = nullptr;
  event* connect_timer_ = nullptr;
  redisAsyncContext* ctx_ = nullptr;
  // Connections to drop on the next turn (DropLater).
  std::vector<redisAsyncContext*> drops_;
  bool had_connection_ = false;
  absl::Duration backoff_ = absl::ZeroDuration();
  std::minstd_rand rng_{std::random_device{}()};
};

RedisClient::RedisClient(RedisConfig config,
                         std::vector<std::string> function_libraries,
                         RedisMetrics* metrics)
    : loop_(std::make_unique<Loop>(this, std::move(config),
                                   std::move(function_libraries), metrics)) {}

RedisClient::~RedisClient() { Stop(); }

void RedisClient::SetReadinessListener(std::function<void(bool)> listener) {
  loop_->SetListener(std::move(listener));
}

void RedisClient::Start() { loop_->Start(); }

void RedisClient::Stop() { loop_->Stop(); }

void RedisClient::Execute(std::vector<std::string> args, Callback done,
                          absl::Time deadline) {
  loop_->Submit(std::move(args), std::move(done), deadline);
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

absl::StatusOr<RedisReply> ExecuteAndWait(RedisClient& client,
                                          std::vector<std::string> args) {
  absl::Notification done;
  absl::StatusOr<RedisReply> result;
  client.Execute(std::move(args), [&](absl::StatusOr<RedisReply> reply) {
    result = std::move(reply);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

}  // namespace gracilis
