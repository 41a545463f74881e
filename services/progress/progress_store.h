#pragma once

// Where weekly snapshots live: the progress of a finished week as the
// weekly job computed it, and whether the job has finished that week for
// the user (snapshot stored and the plan adapted), so a rerun skips them.

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/auth/caller.h"
#include "common/redis/redis_client.h"
#include "common/status/done.h"
#include "gracilis/progress/v1/progress.pb.h"

namespace gracilis::progress {

class ProgressStore {
 public:
  virtual ~ProgressStore() = default;
  // One entry per week asked for, in order; nullopt where none is stored.
  virtual void GetSnapshots(
      const Caller& caller, const std::vector<type::v1::IsoWeek>& weeks,
      absl::Time deadline,
      Done<std::vector<std::optional<v1::WeeklyProgress>>> done) = 0;
  // Stores the week's snapshot unless one is stored already (the first one
  // stays, so a rerun cannot change it); returns the stored one.
  virtual void SaveSnapshot(const std::string& user_id,
                            const v1::WeeklyProgress& week, absl::Time deadline,
                            Done<v1::WeeklyProgress> done) = 0;
  // SaveSnapshot, then MarkWeekDone for the snapshot's week, in one step.
  virtual void SaveSnapshotAndMarkDone(const std::string& user_id,
                                       const v1::WeeklyProgress& week,
                                       absl::Time deadline,
                                       Done<v1::WeeklyProgress> done) = 0;
  // Whether the weekly job finished `week` for the user.
  virtual void IsWeekDone(const std::string& user_id,
                          const type::v1::IsoWeek& week, absl::Time deadline,
                          Done<bool> done) = 0;
  virtual void MarkWeekDone(const std::string& user_id,
                            const type::v1::IsoWeek& week, absl::Time deadline,
                            DoneStatus done) = 0;
};

// Two years of weekly snapshots: a year-on-year trend.
inline constexpr int kDefaultWeeksKept = 104;

// Redis layout, in the user's slot:
//   {u:<id>}:progress  HASH  <yyyy-Www> -> WeeklyProgress (serialized),
//                            done:<yyyy-Www> -> 1 once the job finished it
// listed in {u:<id>}:keys so DeleteAccount removes it. Saving a week's
// snapshot deletes the weeks more than `weeks_kept` before it
// (--progress_weeks_kept of gracilis-weekly); a week no longer kept is
// computed again from the workouts when asked for.
class RedisProgressStore final : public ProgressStore {
 public:
  static const FunctionLibrary& Functions();

  explicit RedisProgressStore(RedisClient& redis,
                              int weeks_kept = kDefaultWeeksKept)
      : redis_(redis), weeks_kept_(weeks_kept) {}
  void GetSnapshots(
      const Caller& caller, const std::vector<type::v1::IsoWeek>& weeks,
      absl::Time deadline,
      Done<std::vector<std::optional<v1::WeeklyProgress>>> done) override;
  void SaveSnapshot(const std::string& user_id, const v1::WeeklyProgress& week,
                    absl::Time deadline,
                    Done<v1::WeeklyProgress> done) override;
  void SaveSnapshotAndMarkDone(const std::string& user_id,
                               const v1::WeeklyProgress& week,
                               absl::Time deadline,
                               Done<v1::WeeklyProgress> done) override;
  void IsWeekDone(const std::string& user_id, const type::v1::IsoWeek& week,
                  absl::Time deadline, Done<bool> done) override;
  void MarkWeekDone(const std::string& user_id, const type::v1::IsoWeek& week,
                    absl::Time deadline, DoneStatus done) override;

 private:
  void Save(const char* function, const std::string& user_id,
            const v1::WeeklyProgress& week, absl::Time deadline,
            Done<v1::WeeklyProgress> done);

  RedisClient& redis_;
  const int weeks_kept_;
};

}  // namespace gracilis::progress
