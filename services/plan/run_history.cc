#include "services/plan/run_history.h"

#include <memory>

namespace gracilis::plan {
namespace {

// A month of workouts is a few dozen: four pages at most, usually one.
constexpr int kWorkoutPage = 100;
// Enough for two runs a day for a month; more says nothing new.
constexpr size_t kMostRuns = 62;

struct RunLoad {
  workout::WorkoutStore& store;
  Caller caller;
  workout::WorkoutQuery query;
  absl::Time deadline;
  std::vector<int> seconds;
  Done<std::vector<int>> done;
};

void LoadPage(std::unique_ptr<RunLoad> load) {
  RunLoad& l = *load;
  l.store.List(
      l.caller, l.query, l.deadline,
      [load = std::move(load)](
          absl::StatusOr<workout::Page<workout::v1::Workout>> page) mutable {
        if (!page.ok()) {
          return std::move(load->done)(page.status());
        }
        for (const workout::v1::Workout& workout : page->items) {
          for (const workout::v1::Run& run : workout.runs()) {
            if (run.duration_seconds() > 0) {
              load->seconds.push_back(run.duration_seconds());
            }
          }
        }
        if (page->next_page_token.empty() ||
            load->seconds.size() >= kMostRuns) {
          return std::move(load->done)(std::move(load->seconds));
        }
        load->query.page_token = std::move(page->next_page_token);
        LoadPage(std::move(load));
      });
}

}  // namespace

void StoredRunHistory::RunSeconds(const Caller& caller, absl::Time from,
                                  absl::Time until, absl::Time deadline,
                                  Done<std::vector<int>> done) {
  workout::WorkoutQuery query;
  query.from = from;
  query.until = until;
  query.page_size = kWorkoutPage;
  LoadPage(std::make_unique<RunLoad>(RunLoad{.store = workouts_,
                                             .caller = caller,
                                             .query = std::move(query),
                                             .deadline = deadline,
                                             .seconds = {},
                                             .done = std::move(done)}));
}

}  // namespace gracilis::plan
