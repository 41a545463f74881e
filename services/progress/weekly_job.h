#pragma once

// The weekly job (gracilis-weekly): for every user of a finished ISO week,
// stores the week's progress snapshot, then sends the week's outcomes to the
// plan service's AdaptPlan so next week's prescriptions progress, hold or
// deload. Per user, in order: skip if the week is marked done; measure the
// week (a snapshot stored by an earlier run is used as it is); AdaptPlan
// (idempotent by a request id made from the plan and the week); store the
// snapshot (the first one stored stays) and mark the week done, in one
// step. So a rerun after a kill finishes the same users, and nothing is
// adapted twice. A user's failure is counted and logged and the run goes
// on; that user is retried by the next run.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/redis/redis_client.h"
#include "gracilis/plan/v1/plan.grpc.pb.h"
#include "services/progress/progress_reader.h"

namespace gracilis::progress {

// Users are split by the Redis Cluster slot of their keys (keys.h): shard
// i of n owns slots [i*16384/n, (i+1)*16384/n), so on a cluster it lists
// only those slots, asking each slot's primary (CLUSTER GETKEYSINSLOT), and
// never scans the rest of the keyspace. On a single Redis every shard scans
// the whole keyspace and keeps its users.
struct Shard {
  int index = 0;  // 0 <= index < count
  int count = 1;
  int first_slot() const;
  int end_slot() const;  // one past the last
  bool Owns(const std::string& user_id) const;
};
// "i/n" with 0 <= i < n <= 1024.
std::optional<Shard> ParseShard(absl::string_view text);

struct WeeklyJobOptions {
  type::v1::IsoWeek week;
  Shard shard;
  // Users processed at once.
  int concurrency = 64;
  // Deadline of each user's Redis reads and of the AdaptPlan call.
  absl::Duration user_deadline = absl::Seconds(10);
};

struct WeeklyJobCounts {
  std::atomic<int64_t> users{0};     // in the shard
  std::atomic<int64_t> done{0};      // finished this run
  std::atomic<int64_t> skipped{0};   // finished by an earlier run
  std::atomic<int64_t> inactive{0};  // nothing that week, no plan
  std::atomic<int64_t> adapted{0};   // AdaptPlan calls that succeeded
  std::atomic<int64_t> failed{0};
  int64_t handled() const { return done + skipped + inactive + failed; }
};

// The week a run at `now` processes by default: the last ISO week that has
// ended in every time zone (UTC-12 is the last to finish a week).
type::v1::IsoWeek LastFinishedWeek(absl::Time now);

class WeeklyJob {
 public:
  // `plans` reaches the plan service (directly or through the gateway);
  // AdaptPlan calls present `service_token` (ServiceCredential).
  WeeklyJob(WeeklyJobOptions options, RedisClient& redis,
            ProgressReader& reader, ProgressStore& snapshots,
            std::string service_token,
            plan::v1::PlanService::StubInterface& plans, const Clock& clock);

  // Lists the shard's users (SCAN of the per-user key registries), then
  // processes them. `on_progress` is called from this thread about every
  // `progress_interval` and once at the end. Returns an error only if the
  // users could not be listed; per-user failures are in counts().
  absl::Status Run(
      absl::Duration progress_interval,
      const std::function<void(const WeeklyJobCounts&)>& on_progress);

  const WeeklyJobCounts& counts() const { return counts_; }

 private:
  struct UserRun;
  absl::StatusOr<std::vector<std::string>> ListUsers();
  void Process(const std::string& user_id, std::function<void()> finished);
  void Measure(std::shared_ptr<UserRun> run,
               const std::vector<type::v1::IsoWeek>& weeks);
  void Adapt(std::shared_ptr<UserRun> run, plan::v1::AdaptPlanRequest request);
  void Finish(std::shared_ptr<UserRun> run, absl::Status status);

  const WeeklyJobOptions options_;
  RedisClient& redis_;
  ProgressReader& reader_;
  ProgressStore& snapshots_;
  const std::string service_token_;
  plan::v1::PlanService::StubInterface& plans_;
  const Clock& clock_;
  WeeklyJobCounts counts_;
};

}  // namespace gracilis::progress
