// gracilis-seed: fills Redis with N synthetic users (see synthetic_users.h)
// through the services' own stores and rules: the profile as sign-up stores
// it, the plan as GeneratePlan builds it, workouts checked and normalised by
// WorkoutRules and stored by SyncWorkouts' store call, weigh-ins likewise.
// Reseeding the same users is idempotent (client ids and request ids).

#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/auth/session_store.h"
#include "common/concurrency/in_flight_limit.h"
#include "common/config/config.h"
#include "common/log/log.h"
#include "services/account/account_store.h"
#include "services/plan/plan_records.h"
#include "services/plan/plan_store.h"
#include "services/workout/domain/workout_rules.h"
#include "services/workout/workout_store.h"
#include "tools/seed/synthetic_users.h"

namespace {

using namespace gracilis;

constexpr int kSyncBatch = 50;  // SyncWorkouts' limit

struct Stores {
  account::AccountStore& accounts;
  plan::PlanStore& plans;
  workout::WorkoutStore& workouts;
  const plan::ExerciseCatalog& catalog;
  absl::Time now;
  int weeks_ago;
};

struct UserSeed {
  int index;
  std::string user_id;
  std::vector<workout::SyncItem> items;
  std::vector<workout::v1::BodyMeasurement> measurements;
  std::function<void(absl::Status)> finished;
};

absl::Time Deadline() { return absl::Now() + absl::Seconds(30); }

void SeedMeasurements(const Stores& stores, std::shared_ptr<UserSeed> seed,
                      size_t next) {
  if (next == seed->measurements.size()) {
    return seed->finished(absl::OkStatus());
  }
  stores.workouts.LogMeasurement(
      Caller::Service(seed->user_id), seed->measurements[next], stores.now,
      Deadline(),
      [&stores, seed, next](absl::StatusOr<workout::v1::BodyMeasurement> m) {
        if (!m.ok()) {
          return seed->finished(m.status());
        }
        SeedMeasurements(stores, seed, next + 1);
      });
}

void SeedWorkouts(const Stores& stores, std::shared_ptr<UserSeed> seed,
                  size_t next) {
  if (next >= seed->items.size()) {
    return SeedMeasurements(stores, seed, 0);
  }
  const size_t end = std::min(seed->items.size(), next + kSyncBatch);
  std::vector<workout::SyncItem> batch(seed->items.begin() + next,
                                       seed->items.begin() + end);
  stores.workouts.Sync(
      Caller::Service(seed->user_id), std::move(batch), stores.now, Deadline(),
      [&stores, seed,
       end](absl::StatusOr<std::vector<absl::StatusOr<workout::v1::Workout>>>
                results) {
        if (!results.ok()) {
          return seed->finished(results.status());
        }
        for (const auto& result : *results) {
          if (!result.ok()) {
            return seed->finished(result.status());
          }
        }
        SeedWorkouts(stores, seed, end);
      });
}

void SeedUser(const Stores& stores, int index,
              std::function<void(absl::Status)> finished) {
  auto seed = std::make_shared<UserSeed>();
  seed->index = index;
  seed->user_id = seed::SyntheticUserId(index);
  seed->finished = std::move(finished);
  absl::StatusOr<plan::PlanRecord> record = plan::NewPlanRecord(
      stores.catalog,
      seed::SyntheticPlanInputs(index, stores.weeks_ago, stores.now),
      seed->user_id, stores.now);
  if (!record.ok()) {
    return seed->finished(record.status());
  }
  // Uploads go through the service's rules, as SyncWorkouts does.
  const workout::WorkoutRules rules(stores.catalog);
  for (const workout::v1::Workout& upload :
       seed::SyntheticWorkouts(index, record->plan(), stores.now)) {
    absl::StatusOr<workout::v1::Workout> synced =
        rules.Synced(upload, "workout", stores.now);
    if (!synced.ok()) {
      return seed->finished(synced.status());
    }
    seed->items.push_back({*std::move(synced), upload.SerializeAsString()});
  }
  for (const workout::v1::BodyMeasurement& m :
       seed::SyntheticMeasurements(index, record->inputs(), stores.now)) {
    absl::StatusOr<workout::v1::BodyMeasurement> checked =
        rules.Measurement(m, stores.now);
    if (!checked.ok()) {
      return seed->finished(checked.status());
    }
    seed->measurements.push_back(*std::move(checked));
  }
  stores.accounts.CreateProfile(
      seed->user_id, seed::SyntheticProfile(index), Deadline(),
      [&stores, seed, record = *std::move(record)](
          absl::StatusOr<account::StoredProfile> profile) {
        if (!profile.ok()) {
          return seed->finished(profile.status());
        }
        stores.plans.Create(
            Caller::Service(seed->user_id), "seed", "", record, Deadline(),
            [&stores, seed](absl::StatusOr<plan::PlanRecord> plan) {
              if (!plan.ok()) {
                return seed->finished(plan.status());
              }
              SeedWorkouts(stores, seed, 0);
            });
      });
}

}  // namespace

int main(int argc, char** argv) {
  ConfigSource source(argc, argv);
  const int users = static_cast<int>(
      source.Int("users", 100, 1, 10'000'000, "how many users to seed"));
  const int first = static_cast<int>(
      source.Int("first", 0, 0, 100'000'000, "index of the first user"));
  const int weeks_ago = static_cast<int>(source.Int(
      "weeks_ago", 8, 1, 52, "plans started this many weeks before this one"));
  const int concurrency = static_cast<int>(
      source.Int("concurrency", 64, 1, 4096, "users written at once"));
  RedisConfig redis_config = RedisConfig::Read(source);
  ExitOnConfigError(source, "gracilis-seed");

  absl::StatusOr<plan::ExerciseCatalog> catalog =
      plan::ExerciseCatalog::Parse(plan::BuiltInCatalogText());
  if (!catalog.ok()) {
    Log("fatal", catalog.status().ToString());
    return 2;
  }
  RedisClient redis(redis_config,
                    // A development and benchmark tool built from the same
                    // tree as the services: it loads the libraries it
                    // writes with (never over a newer live version), so it
                    // can seed a Redis no service has used yet.
                    {Owns(RedisSessionStore::Functions()),
                     Owns(account::RedisAccountStore::Functions()),
                     Owns(workout::RedisWorkoutStore::Functions()),
                     Owns(plan::RedisPlanStore::Functions())},
                    nullptr);
  if (absl::Status ready =
          StartAndAwaitReady(redis, redis_config, absl::Seconds(10));
      !ready.ok()) {
    Log("fatal", ready.ToString());
    redis.Stop();
    return 3;
  }
  account::RedisAccountStore accounts(redis, account::LoginThrottle());
  plan::RedisPlanStore plans(redis, *catalog);
  workout::RedisWorkoutStore workouts(redis);
  const Stores stores{accounts, plans,       workouts,
                      *catalog, absl::Now(), weeks_ago};

  InFlightLimit limit(concurrency);
  std::atomic<int> failed{0};
  const absl::Time start = absl::Now();
  for (int i = first; i < first + users; ++i) {
    limit.Acquire();
    SeedUser(stores, i, [&limit, &failed, i](absl::Status status) {
      if (!status.ok() && failed.fetch_add(1) < 5) {
        Log("error", absl::StrCat("user ", i, ": ", status.ToString()));
      }
      limit.Release();
    });
  }
  limit.WaitIdle();
  redis.Stop();
  const absl::Duration elapsed = absl::Now() - start;
  Log(failed == 0 ? "info" : "error",
      absl::StrFormat("seeded %d users (%d failed) in %s, %.0f users/s", users,
                      failed.load(), absl::FormatDuration(elapsed),
                      users / std::max(absl::ToDoubleSeconds(elapsed), 1e-3)));
  return failed == 0 ? 0 : 1;
}
