#pragma once

// Reads a user's weekly progress: stored snapshots where the weekly job made
// them, computed from the stored history (workouts, body and nutrition logs,
// the current plan) otherwise, so the current week reflects what was just
// logged. Shared by ProgressService and the weekly job. Asynchronous: every
// Done runs on the Redis loop thread.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/status/done.h"
#include "gracilis/progress/v1/progress.pb.h"
#include "services/plan/domain/catalog.h"
#include "services/plan/plan_store.h"
#include "services/progress/domain/lift_progress.h"
#include "services/progress/domain/weekly_progress.h"
#include "services/progress/progress_store.h"
#include "services/workout/workout_store.h"

namespace gracilis::progress {

// Without a snapshot to seed lift trends, this many weeks before the first
// one asked for are computed too (twice the deload threshold).
inline constexpr int kTrendLookbackWeeks = 2 * kDeloadAfterWeeks;

// Raised whenever what a week's measures are computed from or how changes
// (domain/), so week views stored by an older version are not served.
inline constexpr char kViewVersion[] = "1";

// The user's plan and time zone, and the current week there.
struct UserContext {
  std::shared_ptr<const internal::plan::v1::PlanRecord> plan;
  absl::TimeZone zone;
  type::v1::IsoWeek current_week;
};

class ProgressReader {
 public:
  ProgressReader(workout::WorkoutStore& workouts, plan::PlanStore& plans,
                 ProgressStore& snapshots, const plan::ExerciseCatalog& catalog)
      : workouts_(workouts),
        plans_(plans),
        snapshots_(snapshots),
        catalog_(catalog) {}

  void Context(const Caller& caller, absl::Time now, absl::Time deadline,
               Done<UserContext> done);

  // Weeks `first`..`last` (last not after the current week), oldest first;
  // `compute_time` stamps the computed ones.
  void Weeks(const Caller& caller, const UserContext& context,
             const type::v1::IsoWeek& first, const type::v1::IsoWeek& last,
             absl::Time compute_time, absl::Time deadline,
             Done<std::vector<v1::WeeklyProgress>> done);

  // The snapshots Weeks(first, last) reads: the week before `first` (its
  // snapshot seeds the lift trends) through `last`.
  static std::vector<type::v1::IsoWeek> SnapshotWeeks(
      const type::v1::IsoWeek& first, const type::v1::IsoWeek& last);
  // Weeks() with the snapshots of SnapshotWeeks() already read (`stored`,
  // one per week), for callers that read them with other things at once.
  void WeeksFrom(const Caller& caller, const UserContext& context,
                 const std::vector<type::v1::IsoWeek>& weeks,
                 std::vector<std::optional<v1::WeeklyProgress>> stored,
                 absl::Time compute_time, absl::Time deadline,
                 Done<std::vector<v1::WeeklyProgress>> done);

  // The stored history in [from, until) with the context's plan: workouts,
  // measurements and nutrition read at once.
  void LoadHistory(const Caller& caller, const UserContext& context,
                   absl::Time from, absl::Time until, absl::Time deadline,
                   Done<History> done);

  // The week at a glance (ProgressStore::ReadView), stamped with this
  // computation's version: kViewVersion and the catalog's.
  void ReadView(const Caller& caller, absl::Time deadline, Done<ViewRead> done);
  void SaveView(const Caller& caller, const std::string& stamp,
                const std::string& zone, const v1::WeeklyProgress& week,
                const type::v1::IsoWeek& oldest, absl::Time deadline,
                DoneStatus done);

  const plan::ExerciseCatalog& catalog() const { return catalog_; }

 private:
  workout::WorkoutStore& workouts_;
  plan::PlanStore& plans_;
  ProgressStore& snapshots_;
  const plan::ExerciseCatalog& catalog_;
};

}  // namespace gracilis::progress
