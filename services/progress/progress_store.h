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

// The week at a glance (issue 20): the user's recent weeks (the current
// one and up to kViewWeeks - 1 before it) as last computed, with the time
// zone they were computed in.
struct WeekView {
  std::string zone;
  std::vector<v1::WeeklyProgress> weeks;
};
inline constexpr int kViewWeeks = 4;

// What ReadView found: the stored view if nothing it was computed from has
// changed since, and the stamp of what the data is now.
struct ViewRead {
  std::optional<WeekView> fresh;
  std::string stamp;
};

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

  // The stored week view, if it was stored with the stamp the user's data
  // has now. The stamp is `version` (of the computation), the workout
  // change sequence, the current plan revision and the count of snapshots
  // saved: any logged or changed workout, set, run, body or nutrition log,
  // new plan revision or new snapshot changes it, so a view is never
  // served stale.
  virtual void ReadView(const Caller& caller, const std::string& version,
                        absl::Time deadline, Done<ViewRead> done) = 0;
  // Adds `week`, computed in `zone`, to the view stored under `stamp`:
  // the stamp ReadView answered before the week was computed, so a change
  // made meanwhile makes it stale at once. A view under another stamp is
  // replaced; weeks before `oldest` are dropped.
  virtual void SaveView(const Caller& caller, const std::string& stamp,
                        const std::string& zone, const v1::WeeklyProgress& week,
                        const type::v1::IsoWeek& oldest, absl::Time deadline,
                        DoneStatus done) = 0;
};

// Two years of weekly snapshots: a year-on-year trend.
inline constexpr int kDefaultWeeksKept = 104;

// Redis layout, in the user's slot:
//   {u:<id>}:progress  HASH  <yyyy-Www> -> WeeklyProgress (serialized),
//                            done:<yyyy-Www> -> 1 once the job finished it,
//                            saves -> snapshots saved (part of the stamp)
//   {u:<id>}:weekview  HASH  stamp, zone, w:<yyyy-Www> -> WeeklyProgress:
//                            the week view
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
  void ReadView(const Caller& caller, const std::string& version,
                absl::Time deadline, Done<ViewRead> done) override;
  void SaveView(const Caller& caller, const std::string& stamp,
                const std::string& zone, const v1::WeeklyProgress& week,
                const type::v1::IsoWeek& oldest, absl::Time deadline,
                DoneStatus done) override;

 private:
  void Save(const char* function, const std::string& user_id,
            const v1::WeeklyProgress& week, absl::Time deadline,
            Done<v1::WeeklyProgress> done);

  RedisClient& redis_;
  const int weeks_kept_;
};

}  // namespace gracilis::progress
