#include "services/progress/weekly_job.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "common/clock/iso_week.h"
#include "common/concurrency/in_flight_limit.h"
#include "common/log/log.h"
#include "common/redis/cluster_slots.h"
#include "common/redis/keys.h"
#include "common/status/grpc_status.h"

namespace gracilis::progress {
namespace {

constexpr int kScanCount = 1000;

// "{u:<id>}:keys" -> "<id>", or empty for another key.
std::string UserOfRegistry(absl::string_view key) {
  if (!absl::ConsumePrefix(&key, "{u:") ||
      !absl::ConsumeSuffix(&key, "}:keys")) {
    return "";
  }
  return std::string(key);
}

bool Active(const v1::WeeklyProgress& week) {
  return week.plan_week_number() > 0 || week.sessions_done() > 0 ||
         !week.lifts().empty() || week.running().sessions() > 0 ||
         week.body().weight_average_kg() > 0 ||
         week.nutrition().days_logged() > 0;
}

}  // namespace

int Shard::first_slot() const { return index * kClusterSlots / count; }

int Shard::end_slot() const { return (index + 1) * kClusterSlots / count; }

bool Shard::Owns(const std::string& user_id) const {
  const int slot = KeySlot(UserKeyRegistry(user_id));
  return first_slot() <= slot && slot < end_slot();
}

std::optional<Shard> ParseShard(absl::string_view text) {
  const std::vector<absl::string_view> parts = absl::StrSplit(text, '/');
  Shard shard;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &shard.index) ||
      !absl::SimpleAtoi(parts[1], &shard.count) || shard.count < 1 ||
      shard.count > 1024 || shard.index < 0 || shard.index >= shard.count) {
    return std::nullopt;
  }
  return shard;
}

type::v1::IsoWeek LastFinishedWeek(absl::Time now) {
  return AddWeeks(WeekAt(now - absl::Hours(12), absl::UTCTimeZone()), -1);
}

struct WeeklyJob::UserRun {
  std::string user_id;
  absl::Time deadline;
  std::function<void()> finished;
  UserContext context;
  v1::WeeklyProgress week;  // as computed, or as stored by an earlier run
  // The first three reads, sent at once. Their callbacks run on the Redis
  // loop thread, or on the caller's when the client is stopped: hence the
  // lock.
  absl::Mutex mu;
  int reads_left ABSL_GUARDED_BY(mu) = 3;
  absl::Status read_failure ABSL_GUARDED_BY(mu);
  bool done_before = false;
  std::vector<std::optional<v1::WeeklyProgress>> snapshots;
};

WeeklyJob::WeeklyJob(WeeklyJobOptions options, RedisClient& redis,
                     ProgressReader& reader, ProgressStore& snapshots,
                     std::string service_token,
                     plan::v1::PlanService::StubInterface& plans,
                     const Clock& clock)
    : options_(std::move(options)),
      redis_(redis),
      reader_(reader),
      snapshots_(snapshots),
      service_token_(std::move(service_token)),
      plans_(plans),
      clock_(clock) {}

absl::Status WeeklyJob::Run(
    absl::Duration progress_interval,
    const std::function<void(const WeeklyJobCounts&)>& on_progress) {
  absl::StatusOr<std::vector<std::string>> users = ListUsers();
  if (!users.ok()) {
    return users.status();
  }
  counts_.users = static_cast<int64_t>(users->size());

  InFlightLimit limit(options_.concurrency);
  absl::Time next_report = absl::Now() + progress_interval;
  const auto tick = [&] {
    if (absl::Now() >= next_report) {
      on_progress(counts_);
      next_report = absl::Now() + progress_interval;
    }
  };
  for (const std::string& user_id : *users) {
    limit.Acquire(tick);
    Process(user_id, [&limit] { limit.Release(); });
  }
  limit.WaitIdle(tick);
  on_progress(counts_);
  return absl::OkStatus();
}

// Every user has a key registry (DeleteAccount relies on it), so listing
// the registries lists the users. Any slot or page that fails fails the
// listing: a run never passes over users silently.
absl::StatusOr<std::vector<std::string>> WeeklyJob::ListUsers() {
  std::vector<std::string> users;
  const auto keep = [&](const RedisReply& key) {
    std::string user_id = UserOfRegistry(key.str);
    if (!user_id.empty() && options_.shard.Owns(user_id)) {
      users.push_back(std::move(user_id));
    }
  };
  if (redis_.cluster()) {
    for (int slot = options_.shard.first_slot();
         slot < options_.shard.end_slot(); ++slot) {
      absl::StatusOr<RedisReply> keys = ExecuteInSlotAndWait(
          redis_, slot,
          {"CLUSTER", "GETKEYSINSLOT", absl::StrCat(slot), "1000000000"});
      if (!keys.ok()) {
        return keys.status();
      }
      for (const RedisReply& key : keys->elements) {
        keep(key);
      }
    }
    return users;
  }
  std::string cursor = "0";
  do {
    absl::StatusOr<RedisReply> page =
        ExecuteAndWait(redis_, {"SCAN", cursor, "MATCH", "{u:*}:keys", "COUNT",
                                absl::StrCat(kScanCount)});
    if (!page.ok()) {
      return page.status();
    }
    if (page->elements.size() != 2) {
      return absl::InternalError("unexpected SCAN reply");
    }
    cursor = page->elements[0].str;
    for (const RedisReply& key : page->elements[1].elements) {
      keep(key);
    }
  } while (cursor != "0");
  return users;
}

// Per user, at most four Redis round trips of the job's own: whether the
// week is done, the plan (its time zone and prescriptions) and the stored
// snapshots, all at once; the week's history if no snapshot is stored
// (workouts, measurements and nutrition at once, about two deep); then,
// after AdaptPlan, the snapshot and the done marker in one step. So a run
// killed after AdaptPlan recomputes the snapshot; AdaptPlan's request id
// makes its second call a replay.
void WeeklyJob::Process(const std::string& user_id,
                        std::function<void()> finished) {
  auto run = std::make_shared<UserRun>();
  run->user_id = user_id;
  run->deadline = clock_.Now() + options_.user_deadline;
  run->finished = std::move(finished);
  const std::vector<type::v1::IsoWeek> weeks =
      ProgressReader::SnapshotWeeks(options_.week, options_.week);
  auto read = [this, run, weeks](absl::Status status) {
    {
      absl::MutexLock lock(&run->mu);
      if (!status.ok() && run->read_failure.ok()) {
        run->read_failure = std::move(status);
      }
      if (--run->reads_left > 0) {
        return;
      }
    }
    Measure(run, weeks);
  };
  snapshots_.IsWeekDone(user_id, options_.week, run->deadline,
                        [run, read](absl::StatusOr<bool> done) {
                          run->done_before = done.ok() && *done;
                          read(done.status());
                        });
  // The job acts for each user by its own authority (no session).
  const Caller caller = Caller::Service(user_id);
  reader_.Context(caller, clock_.Now(), run->deadline,
                  [run, read](absl::StatusOr<UserContext> context) {
                    if (context.ok()) {
                      run->context = *std::move(context);
                    }
                    read(context.status());
                  });
  snapshots_.GetSnapshots(
      caller, weeks, run->deadline,
      [run, read](absl::StatusOr<std::vector<std::optional<v1::WeeklyProgress>>>
                      stored) {
        if (stored.ok()) {
          run->snapshots = *std::move(stored);
        }
        read(stored.status());
      });
}

void WeeklyJob::Measure(std::shared_ptr<UserRun> run,
                        const std::vector<type::v1::IsoWeek>& weeks) {
  absl::Status failure;
  {
    absl::MutexLock lock(&run->mu);
    failure = run->read_failure;
  }
  if (!failure.ok()) {
    return Finish(run, failure);
  }
  if (run->done_before) {
    ++counts_.skipped;
    return run->finished();
  }
  reader_.WeeksFrom(
      Caller::Service(run->user_id), run->context, weeks,
      std::move(run->snapshots), clock_.Now(), run->deadline,
      [this, run](absl::StatusOr<std::vector<v1::WeeklyProgress>> measured) {
        if (!measured.ok()) {
          return Finish(run, measured.status());
        }
        if (!Active(measured->front())) {
          ++counts_.inactive;
          return run->finished();
        }
        run->week = std::move(measured->front());
        std::optional<plan::v1::AdaptPlanRequest> request;
        if (run->context.plan) {
          request = AdaptationFor(run->week, *run->context.plan);
        }
        if (request) {
          return Adapt(run, *std::move(request));
        }
        Finish(run, absl::OkStatus());
      });
}

void WeeklyJob::Adapt(std::shared_ptr<UserRun> run,
                      plan::v1::AdaptPlanRequest request) {
  struct Call {
    grpc::ClientContext context;
    plan::v1::AdaptPlanRequest request;
    plan::v1::Plan response;
  };
  auto call = std::make_shared<Call>();
  call->request = std::move(request);
  call->context.set_deadline(absl::ToChronoTime(run->deadline));
  call->context.AddMetadata("authorization", "Bearer " + service_token_);
  plans_.async()->AdaptPlan(&call->context, &call->request, &call->response,
                            [this, run, call](grpc::Status status) {
                              if (!status.ok()) {
                                return Finish(run, FromGrpcStatus(status));
                              }
                              ++counts_.adapted;
                              Finish(run, absl::OkStatus());
                            });
}

void WeeklyJob::Finish(std::shared_ptr<UserRun> run, absl::Status status) {
  if (!status.ok()) {
    ++counts_.failed;
    Log("warn", absl::StrCat("user ", run->user_id, " week ",
                             IsoWeekText(options_.week),
                             " failed: ", status.ToString()));
    return run->finished();
  }
  snapshots_.SaveSnapshotAndMarkDone(
      run->user_id, run->week, run->deadline,
      [this, run](absl::StatusOr<v1::WeeklyProgress> saved) {
        if (!saved.ok()) {
          return Finish(run, saved.status());
        }
        ++counts_.done;
        run->finished();
      });
}

}  // namespace gracilis::progress
