#pragma once

// The runs a user logged, for a plan's running base (domain.md, "Running
// that starts from the runner"). Read from the workout data in Redis, as
// the progress service reads it: the plan service asks no other service.

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/status/done.h"
#include "services/workout/workout_store.h"

namespace gracilis::plan {

class RunHistory {
 public:
  virtual ~RunHistory() = default;
  // The durations in seconds of the runs in workouts started in
  // [from, until), newest first.
  virtual void RunSeconds(const Caller& caller, absl::Time from,
                          absl::Time until, absl::Time deadline,
                          Done<std::vector<int>> done) = 0;
};

class StoredRunHistory final : public RunHistory {
 public:
  explicit StoredRunHistory(workout::WorkoutStore& workouts)
      : workouts_(workouts) {}
  void RunSeconds(const Caller& caller, absl::Time from, absl::Time until,
                  absl::Time deadline, Done<std::vector<int>> done) override;

 private:
  workout::WorkoutStore& workouts_;
};

}  // namespace gracilis::plan
