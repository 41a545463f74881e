#pragma once

// Where weekly snapshots live: the progress of a finished week as the
// weekly job computed it, and whether the job has finished that week for
// the user (snapshot stored and the plan adapted), so a rerun skips them.

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/redis/redis_client.h"
#include "common/status/done.h"
#include "gracilis/progress/v1/progress.pb.h"

namespace gracilis::progress {

class ProgressStore {
 public:
  virtual ~ProgressStore() = default;
  // One entry per week asked for, in order; nullopt where none is stored.
  virtual void GetSnapshots(
      const std::string& user_id, const std::vector<type::v1::IsoWeek>& weeks,
      absl::Time deadline,
      Done<std::vector<std::optional<v1::WeeklyProgress>>> done) = 0;
  // Stores the week's snapshot unless one is stored already (the first one
  // stays, so a rerun cannot change it); returns the stored one.
  virtual void SaveSnapshot(const std::string& user_id,
                            const v1::WeeklyProgress& week, absl::Time deadline,
                            Done<v1::WeeklyProgress> done) = 0;
  // Whether the weekly job finished `week` for the user.
  virtual void IsWeekDone(const std::string& user_id,
                          const type::v1::IsoWeek& week, absl::Time deadline,
                          Done<bool> done) = 0;
  virtual void MarkWeekDone(const std::string& user_id,
                            const type::v1::IsoWeek& week, absl::Time deadline,
                            DoneStatus done) = 0;
};

// Redis layout, in the user's slot:
//   {u:<id>}:progress  HASH  <yyyy-Www> -> WeeklyProgress (serialized),
//                            done:<yyyy-Www> -> 1 once the job finished it
// listed in {u:<id>}:keys so DeleteAccount removes it.
class RedisProgressStore final : public ProgressStore {
 public:
  static const FunctionLibrary& Functions();

  explicit RedisProgressStore(RedisClient& redis) : redis_(redis) {}
  void GetSnapshots(
      const std::string& user_id, const std::vector<type::v1::IsoWeek>& weeks,
      absl::Time deadline,
      Done<std::vector<std::optional<v1::WeeklyProgress>>> done) override;
  void SaveSnapshot(const std::string& user_id, const v1::WeeklyProgress& week,
                    absl::Time deadline,
                    Done<v1::WeeklyProgress> done) override;
  void IsWeekDone(const std::string& user_id, const type::v1::IsoWeek& week,
                  absl::Time deadline, Done<bool> done) override;
  void MarkWeekDone(const std::string& user_id, const type::v1::IsoWeek& week,
                    absl::Time deadline, DoneStatus done) override;

 private:
  RedisClient& redis_;
};

}  // namespace gracilis::progress
