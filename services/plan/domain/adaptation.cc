#include "services/plan/domain/adaptation.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status/errors.h"
#include "services/plan/domain/coaching_rules.h"

namespace gracilis::plan {

using internal::plan::v1::Adjustment;

absl::Status ValidateAdaptation(const v1::AdaptPlanRequest& request,
                                const ExerciseCatalog& catalog) {
  Violations v;
  if (request.week_number() < 1 || request.week_number() > 520) {
    v.Add("week_number", "must be 1-8 (program) or 9 and above (maintenance)");
  }
  if (request.sessions_planned() < 0 || request.sessions_planned() > 14) {
    v.Add("sessions_planned", "must be 0-14");
  }
  if (request.sessions_done() < 0 ||
      request.sessions_done() > request.sessions_planned()) {
    v.Add("sessions_done", "must be 0 to sessions_planned");
  }
  for (int i = 0; i < request.outcomes_size(); ++i) {
    const auto& outcome = request.outcomes(i);
    const std::string field = absl::StrCat("outcomes[", i, "]");
    if (catalog.Find(outcome.exercise_id()) == nullptr) {
      v.Add(field + ".exercise_id", "must be a catalog exercise id");
    }
    if (!v1::ExerciseOutcome_IsValid(outcome.outcome()) ||
        outcome.outcome() == v1::EXERCISE_OUTCOME_UNSPECIFIED) {
      v.Add(field + ".outcome",
            "must be PROGRESSED, HIT_TARGET, "
            "MISSED_TARGET or STALLED");
    }
    if (outcome.stalled_weeks() < 0 || outcome.stalled_weeks() > 520) {
      v.Add(field + ".stalled_weeks", "must be 0 or more");
    }
  }
  return v.ToStatus();
}

std::vector<Adjustment> AdjustmentsFor(const v1::AdaptPlanRequest& request) {
  const int week = request.week_number();
  const int next = std::min(week + 1, rules::kMaintenanceWeek);
  std::vector<Adjustment> out;
  const auto add = [&](Adjustment::Kind kind, const std::string& exercise,
                       const char* rule, std::string text) {
    Adjustment a;
    a.set_kind(kind);
    a.set_week_number(next);
    a.set_exercise_id(exercise);
    *a.mutable_why() = rules::Why(rule, std::move(text));
    out.push_back(std::move(a));
  };
  const bool repeat =
      request.sessions_planned() > 0 &&
      request.sessions_done() <
          rules::kRepeatWeekBelowAdherence * request.sessions_planned();
  if (repeat) {
    add(Adjustment::KIND_HOLD, "", rules::kAdaptRepeatWeek,
        absl::StrCat("Week ", week, " is repeated: ", request.sessions_done(),
                     " of ", request.sessions_planned(),
                     " sessions were done, so the next step waits."));
  }
  for (const auto& outcome : request.outcomes()) {
    const std::string& id = outcome.exercise_id();
    switch (outcome.outcome()) {
      case v1::EXERCISE_OUTCOME_STALLED:
        if (outcome.stalled_weeks() >= rules::kStalledWeeksBeforeDeload) {
          add(Adjustment::KIND_DELOAD, id, rules::kAdaptDeload,
              absl::StrCat("No progress on ", id, " for ",
                           outcome.stalled_weeks(),
                           " weeks: one week about 10% lighter, then build "
                           "back up."));
        } else if (!repeat) {
          add(Adjustment::KIND_HOLD, id, rules::kAdaptHold,
              absl::StrCat(id, " stalled in week ", week,
                           ": same dose again before stepping up."));
        }
        break;
      case v1::EXERCISE_OUTCOME_MISSED_TARGET:
        if (!repeat) {
          add(Adjustment::KIND_HOLD, id, rules::kAdaptHold,
              absl::StrCat("Targets on ", id, " were missed in week ", week,
                           ": same dose again before stepping up."));
        }
        break;
      default:  // progressed or hit: the plan steps up as written
        break;
    }
  }
  return out;
}

}  // namespace gracilis::plan
