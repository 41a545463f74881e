#pragma once

// Chart-ready series and the all-time summary, from weekly progress and the
// stored history. Pure.

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gracilis/progress/v1/progress.pb.h"
#include "services/progress/domain/weekly_progress.h"

namespace gracilis::progress {

// GetTrend accepts 1-52 weeks; 0 asks for the default.
inline constexpr int kMaxTrendWeeks = 52;
inline constexpr int kDefaultTrendWeeks = 8;
// ListWeeklyProgress returns at most this many weeks.
inline constexpr int kMaxListedWeeks = 26;
// The summary's streak looks back this far.
inline constexpr int kMaxStreakWeeks = 52;

// One point per week for an exercise: the estimated 1RM in the user's unit
// when any week has one, else the best hold in seconds, else the reps of the
// best workout (sets x best reps), each point with the variant trained
// (weeks without that measure are not present).
v1::Trend ExerciseTrend(const std::vector<v1::WeeklyProgress>& weeks,
                        const std::string& exercise_id);

v1::Trend MetricTrend(const std::vector<v1::WeeklyProgress>& weeks,
                      v1::Metric metric);

// `weeks` ends with last week (oldest first); totals count finished
// workouts; dates are in `zone`.
v1::ProgressSummary Summarize(const std::vector<v1::WeeklyProgress>& weeks,
                              const History& history, absl::TimeZone zone);

}  // namespace gracilis::progress
