#include "services/progress/progress_reader.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <utility>

#include "common/clock/iso_week.h"
#include "common/clock/timestamp.h"
#include "services/plan/domain/plan_generator.h"

namespace gracilis::progress {
namespace {

using type::v1::IsoWeek;

constexpr int kWorkoutPage = 100;
constexpr int kRecordPage = 200;

// Body measurements and nutrition logs are read newest first until one is
// older than the span, so a page sized to the span (two a day, and a week
// after it for what came since) usually ends the reading in one page
// without carrying a year of records (issue 19: the weekly job read 200 of
// each per user).
int RecordPageFor(absl::Time from, absl::Time until) {
  const int64_t days = absl::ToInt64Hours(until - from) / 24 + 7;
  return static_cast<int>(std::clamp<int64_t>(2 * days, 16, kRecordPage));
}

// One history read in flight: workouts, measurements and nutrition logs,
// each paged until it leaves [from, until), all three at once and joined,
// so about two round trips deep whatever the span. The callbacks run on the
// Redis loop thread, or on the caller's when the client is stopped; each
// part writes only its own list, and the join is atomic.
struct HistoryLoad {
  workout::WorkoutStore& store;
  Caller caller;
  absl::Time from;
  absl::Time until;
  absl::CivilDay first_day;  // nutrition logs are dated in the user's zone
  absl::CivilDay end_day;
  absl::Time deadline;
  History history;
  Done<History> done;
  std::atomic<int> parts_left;  // of workouts, measurements and nutrition
  std::atomic<bool> any_failed;
  absl::Status failed;  // written once, by the part that set any_failed

  // One part finished (or failed); the last one answers.
  static void PartDone(const std::shared_ptr<HistoryLoad>& load,
                       absl::Status status) {
    bool none = false;
    if (!status.ok() && load->any_failed.compare_exchange_strong(none, true)) {
      load->failed = std::move(status);
    }
    if (load->parts_left.fetch_sub(1, std::memory_order_acq_rel) > 1) {
      return;
    }
    if (load->any_failed) {
      return std::move(load->done)(load->failed);
    }
    std::move(load->done)(std::move(load->history));
  }
};

void LoadNutrition(std::shared_ptr<HistoryLoad> load, std::string token) {
  HistoryLoad& l = *load;
  l.store.ListNutrition(
      l.caller, token, RecordPageFor(l.from, l.until), l.deadline,
      [load = std::move(load)](
          absl::StatusOr<workout::Page<workout::v1::NutritionLog>>
              page) mutable {
        if (!page.ok()) {
          return HistoryLoad::PartDone(load, page.status());
        }
        bool older = false;
        for (workout::v1::NutritionLog& log : page->items) {
          const absl::CivilDay day = plan::ToCivilDay(log.date());
          older = day < load->first_day;
          if (!older && day < load->end_day) {
            load->history.nutrition.push_back(std::move(log));
          }
        }
        if (older || page->next_page_token.empty()) {
          return HistoryLoad::PartDone(load, absl::OkStatus());
        }
        std::string next = std::move(page->next_page_token);
        LoadNutrition(std::move(load), std::move(next));
      });
}

void LoadMeasurements(std::shared_ptr<HistoryLoad> load, std::string token) {
  HistoryLoad& l = *load;
  l.store.ListMeasurements(
      l.caller, token, RecordPageFor(l.from, l.until), l.deadline,
      [load = std::move(load)](
          absl::StatusOr<workout::Page<workout::v1::BodyMeasurement>>
              page) mutable {
        if (!page.ok()) {
          return HistoryLoad::PartDone(load, page.status());
        }
        bool older = false;
        for (workout::v1::BodyMeasurement& m : page->items) {
          const absl::Time time = ToTime(m.measure_time());
          older = time < load->from;
          if (!older && time < load->until) {
            load->history.measurements.push_back(std::move(m));
          }
        }
        if (older || page->next_page_token.empty()) {
          return HistoryLoad::PartDone(load, absl::OkStatus());
        }
        std::string next = std::move(page->next_page_token);
        LoadMeasurements(std::move(load), std::move(next));
      });
}

void LoadWorkouts(std::shared_ptr<HistoryLoad> load, std::string token) {
  HistoryLoad& l = *load;
  workout::WorkoutQuery query;
  query.from = l.from;
  query.until = l.until;
  query.page_token = std::move(token);
  query.page_size = kWorkoutPage;
  l.store.List(
      l.caller, query, l.deadline,
      [load = std::move(load)](
          absl::StatusOr<workout::Page<workout::v1::Workout>> page) mutable {
        if (!page.ok()) {
          return HistoryLoad::PartDone(load, page.status());
        }
        for (workout::v1::Workout& workout : page->items) {
          load->history.workouts.push_back(std::move(workout));
        }
        if (page->next_page_token.empty()) {
          return HistoryLoad::PartDone(load, absl::OkStatus());
        }
        std::string next = std::move(page->next_page_token);
        LoadWorkouts(std::move(load), std::move(next));
      });
}

}  // namespace

void ProgressReader::Context(const Caller& caller, absl::Time now,
                             absl::Time deadline, Done<UserContext> done) {
  plans_.Get(caller, "current", 0, deadline,
             [now, done = std::move(done)](
                 absl::StatusOr<internal::plan::v1::PlanRecord> plan) mutable {
               if (!plan.ok() && !absl::IsNotFound(plan.status())) {
                 return std::move(done)(plan.status());
               }
               UserContext context;
               if (plan.ok()) {
                 context.plan =
                     std::make_shared<const internal::plan::v1::PlanRecord>(
                         *std::move(plan));
               }
               context.zone =
                   context.plan ? ZoneOrUtc(context.plan->inputs().time_zone())
                                : absl::UTCTimeZone();
               context.current_week = WeekAt(now, context.zone);
               std::move(done)(std::move(context));
             });
}

void ProgressReader::ReadView(const Caller& caller, absl::Time deadline,
                              Done<ViewRead> done) {
  snapshots_.ReadView(caller,
                      absl::StrCat(kViewVersion, ":", catalog_.version()),
                      deadline, std::move(done));
}

void ProgressReader::SaveView(const Caller& caller, const std::string& stamp,
                              const std::string& zone,
                              const v1::WeeklyProgress& week,
                              const IsoWeek& oldest, absl::Time deadline,
                              DoneStatus done) {
  snapshots_.SaveView(caller, stamp, zone, week, oldest, deadline,
                      std::move(done));
}

void ProgressReader::LoadHistory(const Caller& caller,
                                 const UserContext& context, absl::Time from,
                                 absl::Time until, absl::Time deadline,
                                 Done<History> done) {
  std::shared_ptr<HistoryLoad> load(new HistoryLoad{
      workouts_, caller, from, until, absl::ToCivilDay(from, context.zone),
      absl::ToCivilDay(until, context.zone), deadline, History{},
      std::move(done), /*parts_left=*/3, /*any_failed=*/false,
      absl::OkStatus()});
  load->history.plan = context.plan;
  LoadWorkouts(load, "");
  LoadMeasurements(load, "");
  LoadNutrition(std::move(load), "");
}

void ProgressReader::Weeks(const Caller& caller, const UserContext& context,
                           const IsoWeek& first, const IsoWeek& last,
                           absl::Time compute_time, absl::Time deadline,
                           Done<std::vector<v1::WeeklyProgress>> done) {
  std::vector<IsoWeek> weeks = SnapshotWeeks(first, last);
  snapshots_.GetSnapshots(
      caller, weeks, deadline,
      [this, caller, context, weeks, compute_time, deadline,
       done = std::move(done)](
          absl::StatusOr<std::vector<std::optional<v1::WeeklyProgress>>>
              stored) mutable {
        if (!stored.ok()) {
          return std::move(done)(stored.status());
        }
        WeeksFrom(caller, context, weeks, *std::move(stored), compute_time,
                  deadline, std::move(done));
      });
}

std::vector<IsoWeek> ProgressReader::SnapshotWeeks(const IsoWeek& first,
                                                   const IsoWeek& last) {
  // The week before `first` too: its snapshot seeds the lift trends.
  std::vector<IsoWeek> weeks;
  for (int i = -1; i <= WeeksBetween(first, last); ++i) {
    weeks.push_back(AddWeeks(first, i));
  }
  return weeks;
}

void ProgressReader::WeeksFrom(
    const Caller& caller, const UserContext& context,
    const std::vector<IsoWeek>& weeks,
    std::vector<std::optional<v1::WeeklyProgress>> stored,
    absl::Time compute_time, absl::Time deadline,
    Done<std::vector<v1::WeeklyProgress>> done) {
  size_t missing = 1;
  while (missing < stored.size() && stored[missing].has_value()) {
    ++missing;
  }
  if (missing == stored.size()) {
    std::vector<v1::WeeklyProgress> out;
    for (size_t i = 1; i < stored.size(); ++i) {
      out.push_back(*std::move(stored[i]));
    }
    return std::move(done)(std::move(out));
  }
  // Compute from the first week without a snapshot, seeded by the snapshot
  // before it, or from further back without one.
  std::optional<v1::WeeklyProgress> seed = stored[missing - 1];
  const IsoWeek from =
      seed ? weeks[missing] : AddWeeks(weeks[missing], -kTrendLookbackWeeks);
  const IsoWeek last = weeks.back();
  LoadHistory(caller, context, HistoryStart(from, context.zone),
              SpanOf(last, context.zone).end, deadline,
              [this, from, last, seed = std::move(seed), missing, compute_time,
               stored = std::move(stored), done = std::move(done)](
                  absl::StatusOr<History> history) mutable {
                if (!history.ok()) {
                  return std::move(done)(history.status());
                }
                std::vector<v1::WeeklyProgress> computed = MeasureWeeks(
                    from, last, *history, seed ? &*seed : nullptr, catalog_);
                std::vector<v1::WeeklyProgress> out;
                for (size_t i = 1; i < stored.size(); ++i) {
                  if (i < missing || stored[i].has_value()) {
                    out.push_back(*std::move(stored[i]));
                    continue;
                  }
                  // Both end with `last`.
                  v1::WeeklyProgress& week =
                      computed[computed.size() - (stored.size() - i)];
                  *week.mutable_compute_time() = ToTimestamp(compute_time);
                  out.push_back(std::move(week));
                }
                std::move(done)(std::move(out));
              });
}

}  // namespace gracilis::progress
