#include "services/plan/domain/adaptation.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "coaching/progress_rules.h"
#include "common/status/client_id.h"
#include "common/status/errors.h"
#include "common/units/unit_rules.h"
#include "services/plan/domain/coaching_rules.h"
#include "services/plan/domain/dose_ladder.h"
#include "services/plan/domain/plan_generator.h"

namespace gracilis::plan {
namespace {

using internal::plan::v1::Adjustment;
using internal::plan::v1::PlanRecord;

bool OnLadder(const CatalogExercise& exercise, const std::string& variant) {
  for (const auto& step : exercise.ladder()) {
    if (step.variant() == variant) {
      return true;
    }
  }
  return false;
}

void ValidateLogged(const v1::LoggedWork& logged,
                    const CatalogExercise* exercise, const std::string& field,
                    Violations& v) {
  if (exercise != nullptr && !logged.variant().empty() &&
      !OnLadder(*exercise, logged.variant())) {
    v.Add(field + ".variant", "must be a step of the exercise's ladder");
  }
  if (logged.has_load()) {
    KilogramsIn(logged.load(), field + ".load", 0, 1000, v);
  }
  if (logged.reps() < 0 || logged.reps() > 1000) {
    v.Add(field + ".reps", "must be 0-1000");
  }
  if (logged.hold_seconds() < 0 || logged.hold_seconds() > 3600) {
    v.Add(field + ".hold_seconds", "must be 0-3600");
  }
  if (logged.tempo_seconds() < 0 || logged.tempo_seconds() > 30) {
    v.Add(field + ".tempo_seconds", "must be 0-30");
  }
  if (logged.sets() < 0 || logged.sets() > 50) {
    v.Add(field + ".sets", "must be 0-50");
  }
}

// The exercise's prescription in `week`, if it has one.
std::optional<v1::PrescribedExercise> PrescribedIn(const v1::PlanWeek& week,
                                                   const std::string& id) {
  for (const auto& session : week.sessions()) {
    for (const auto& exercise : session.exercises()) {
      if (exercise.exercise_id() == id) {
        return exercise;
      }
    }
  }
  return std::nullopt;
}

// "3 x 10 at 15 kg, goblet" / "3 x 20 s, knee_on_bench": a dose for people.
std::string DoseText(const Dose& dose, const CatalogExercise& exercise,
                     type::v1::MassUnit unit) {
  std::string text = absl::StrCat(dose.sets, " x ");
  if (dose.hold > 0 && dose.reps == 0) {
    absl::StrAppend(&text, dose.hold, " s");
  } else {
    absl::StrAppend(&text, dose.reps);
  }
  if (dose.load > 0) {
    absl::StrAppend(&text, " at ", LoadText(dose.load, unit));
  }
  absl::StrAppend(&text, ", ", exercise.ladder(dose.variant).variant());
  return text;
}

class WeekJudge {
 public:
  WeekJudge(const v1::AdaptPlanRequest& request, const PlanRecord& record,
            const ExerciseCatalog& catalog)
      : request_(request),
        record_(record),
        catalog_(catalog),
        have_(EquipmentOf(record.inputs().equipment())),
        week_(request.week_number()),
        next_(std::min(week_ + 1, rules::kMaintenanceWeek)),
        unit_(record.inputs().load_unit()) {}

  std::vector<Adjustment> Judge() {
    const absl::StatusOr<v1::PlanWeek> prescribed =
        PlanWeekOf(record_.plan(), week_);
    const bool repeat =
        request_.sessions_planned() > 0 &&
        request_.sessions_done() <
            rules::kRepeatWeekBelowAdherence * request_.sessions_planned();
    if (repeat) {
      Add(Adjustment::KIND_HOLD, v1::PlanChange::KIND_REPEAT_WEEK, "",
          rules::kAdaptRepeatWeek,
          absl::StrCat("Week ", week_,
                       " is repeated: ", request_.sessions_done(), " of ",
                       request_.sessions_planned(),
                       " sessions were done, so the next step waits."));
    }
    for (const auto& outcome : request_.outcomes()) {
      const CatalogExercise* exercise = catalog_.Find(outcome.exercise_id());
      std::optional<v1::PrescribedExercise> was;
      if (prescribed.ok()) {
        was = PrescribedIn(*prescribed, outcome.exercise_id());
      }
      if (exercise != nullptr && was) {
        JudgeExercise(*exercise, *was, outcome, repeat);
      }
    }
    if (request_.maintenance_kcal_estimate() > 0) {
      AddCalories();
    }
    return std::move(out_);
  }

 private:
  void JudgeExercise(const CatalogExercise& exercise,
                     const v1::PrescribedExercise& prescribed,
                     const v1::ExerciseWeekOutcome& outcome, bool repeat) {
    const DoseLadder ladder(exercise, record_.inputs(), have_);
    const std::string& id = exercise.id();
    const std::string& name = exercise.display_name();
    const Dose was = ladder.FromPrescribed(prescribed);
    const int stalled = outcome.stalled_weeks();
    if (repeat) {
      // Missed sessions, not fatigue: the repeated week comes first, and
      // numbers held on purpose are no reason to deload.
      return;
    }
    if (coaching::DeloadDue(stalled)) {
      Add(Adjustment::KIND_DELOAD, v1::PlanChange::KIND_DELOAD, id,
          rules::kAdaptDeload,
          absl::StrCat("No progress on ", name, " for ", stalled,
                       " weeks: one week about 10% lighter, then build "
                       "back up."));
      return;
    }
    if (!outcome.has_logged()) {
      Add(Adjustment::KIND_HOLD, v1::PlanChange::KIND_HOLD, id,
          rules::kAdaptHold,
          absl::StrCat(name, " was not logged in week ", week_,
                       ": the same dose again before stepping up."));
      return;
    }
    Dose done = ladder.FromLogged(outcome.logged());
    done.sets = std::max(done.sets, was.sets);
    if (done.tempo == 0) {
      done.tempo = was.tempo;
    }
    const std::string done_text = DoseText(done, exercise, unit_);
    if (coaching::Stalled(stalled)) {
      const coaching::MicroStep step = coaching::StallStep(
          ladder.PerformanceOf(done), stalled, ladder.pounds());
      SetDose(ladder, ladder.Apply(done, step), id,
              v1::PlanChange::KIND_MICRO_STEP, rules::kAdaptMicroStep,
              absl::StrCat(name, " has not progressed for ", stalled,
                           " weeks (", done_text, "): ", step.text, "."));
      return;
    }
    const coaching::Comparison comparison = coaching::Compare(
        ladder.PerformanceOf(was), ladder.PerformanceOf(done), ladder.pounds());
    if (comparison.improved != coaching::Dimension::kNone) {
      SetDose(ladder,
              ladder.NextInPhase(done, rules::PhaseOf(week_ + 1),
                                 rules::PhaseStarts(week_ + 1)),
              id, v1::PlanChange::KIND_CONTINUE_FROM_LOGGED,
              rules::kAdaptContinue,
              absl::StrCat("You did ", done_text, " in week ", week_,
                           ", beyond the ", DoseText(was, exercise, unit_),
                           " prescribed (", comparison.text,
                           "): the next step starts from what you did."));
    } else if (comparison.regressed) {
      Add(Adjustment::KIND_HOLD, v1::PlanChange::KIND_HOLD, id,
          rules::kAdaptHold,
          absl::StrCat("You did ", done_text, " in week ", week_, ", short of ",
                       "the ", DoseText(was, exercise, unit_),
                       " prescribed: the same dose again before stepping "
                       "up."));
    }
    // Hit exactly: the plan steps up as written.
  }

  void SetDose(const DoseLadder& ladder, const Dose& dose,
               const std::string& id, v1::PlanChange::Kind change,
               const char* rule, std::string text) {
    Adjustment& a =
        Add(Adjustment::KIND_SET_DOSE, change, id, rule, std::move(text));
    *a.mutable_dose() = ladder.ToRecord(dose);
  }

  void AddCalories() {
    const int current = record_.plan().nutrition().target_kcal();
    const int maintenance = request_.maintenance_kcal_estimate();
    const int target = coaching::NextTargetKcal(
        current, maintenance, next_ >= rules::kMaintenanceWeek);
    Adjustment& a =
        Add(Adjustment::KIND_CALORIES, v1::PlanChange::KIND_CALORIES, "",
            rules::kAdaptiveCalories,
            absl::StrCat(target, " kcal a day: maintenance re-estimated at ",
                         maintenance, " kcal from your logs (",
                         request_.maintenance_basis(),
                         next_ >= rules::kMaintenanceWeek
                             ? "); after the program the target is maintenance"
                             : "); the target sits 200-300 kcal below it",
                         ", moving at most ", coaching::kMaxTargetStepKcal,
                         " kcal a week."));
    a.set_maintenance_kcal(maintenance);
    a.set_target_kcal(target);
  }

  Adjustment& Add(Adjustment::Kind kind, v1::PlanChange::Kind change,
                  const std::string& exercise, const char* rule,
                  std::string text) {
    Adjustment& a = out_.emplace_back();
    a.set_kind(kind);
    a.set_change(change);
    a.set_week_number(next_);
    a.set_exercise_id(exercise);
    *a.mutable_why() = rules::Why(rule, std::move(text));
    return a;
  }

  const v1::AdaptPlanRequest& request_;
  const PlanRecord& record_;
  const ExerciseCatalog& catalog_;
  const EquipmentSet have_;
  const int week_;
  const int next_;
  const type::v1::MassUnit unit_;
  std::vector<Adjustment> out_;
};

// Names of the week's exercises, for an error that says what is there.
std::string ExercisesOf(const v1::PlanWeek& week) {
  std::vector<std::string> ids;
  for (const auto& session : week.sessions()) {
    for (const auto& e : session.exercises()) {
      if (std::find(ids.begin(), ids.end(), e.exercise_id()) == ids.end()) {
        ids.push_back(e.exercise_id());
      }
    }
  }
  return absl::StrJoin(ids, ", ");
}

Adjustment UserAdjustment(Adjustment::Kind kind, v1::PlanChange::Kind change,
                          int week, const std::string& exercise,
                          std::string text) {
  Adjustment a;
  a.set_kind(kind);
  a.set_change(change);
  a.set_week_number(week);
  a.set_exercise_id(exercise);
  a.set_user_requested(true);
  *a.mutable_why() = rules::Why(rules::kUserRequest, std::move(text));
  return a;
}

}  // namespace

absl::Status ValidateChangeRequest(const v1::RequestPlanChangeRequest& request,
                                   const ExerciseCatalog& catalog) {
  using Request = v1::RequestPlanChangeRequest;
  Violations v;
  if (!IsValidClientId(request.request_id())) {
    v.Add("request_id", kClientIdRule);
  }
  if (!Request::Kind_IsValid(request.kind()) ||
      request.kind() == Request::KIND_UNSPECIFIED) {
    v.Add("kind", "must be TOO_HARD, TOO_EASY, SWAP or REPEAT_WEEK");
  }
  if (request.week_number() < 0 || request.week_number() > 520) {
    v.Add("week_number", "must be 0 (this week), 1-8 or 9+ (maintenance)");
  }
  const bool names_exercise = request.kind() != Request::KIND_REPEAT_WEEK;
  if (names_exercise && catalog.Find(request.exercise_id()) == nullptr) {
    v.Add("exercise_id", "must be a catalog exercise id");
  }
  if (!names_exercise && !request.exercise_id().empty()) {
    v.Add("exercise_id", "must be empty to repeat a week");
  }
  if (request.kind() == Request::KIND_SWAP) {
    if (!request.substitute_id().empty() &&
        catalog.Find(request.substitute_id()) == nullptr) {
      v.Add("substitute_id", "must be a catalog exercise id");
    }
    if (!Request::Reason_IsValid(request.reason()) ||
        request.reason() == Request::REASON_UNSPECIFIED) {
      v.Add("reason", "must be NO_EQUIPMENT_TODAY or IT_HURTS for a swap");
    }
  } else if (!request.substitute_id().empty() ||
             request.reason() != Request::REASON_UNSPECIFIED) {
    v.Add(request.substitute_id().empty() ? "reason" : "substitute_id",
          "only goes with a SWAP");
  }
  return v.ToStatus();
}

absl::StatusOr<std::vector<Adjustment>> AdjustmentsForRequest(
    const v1::RequestPlanChangeRequest& request, int week,
    const PlanRecord& record, const ExerciseCatalog& catalog) {
  using Request = v1::RequestPlanChangeRequest;
  absl::StatusOr<v1::PlanWeek> planned = PlanWeekOf(record.plan(), week);
  if (!planned.ok()) {
    return planned.status();
  }
  if (request.kind() == Request::KIND_REPEAT_WEEK) {
    if (week >= rules::kMaintenanceWeek) {
      return absl::FailedPreconditionError(
          "maintenance weeks repeat already: there is no next step to wait "
          "for");
    }
    return std::vector<Adjustment>{UserAdjustment(
        Adjustment::KIND_HOLD, v1::PlanChange::KIND_REPEAT_WEEK, week + 1, "",
        absl::StrCat("You asked to repeat week ", week, ": week ", week + 1,
                     " keeps its doses."))};
  }
  const std::string& id = request.exercise_id();
  const std::optional<v1::PrescribedExercise> was = PrescribedIn(*planned, id);
  if (!was) {
    return InvalidField("exercise_id",
                        absl::StrCat("must be an exercise of week ", week, ": ",
                                     ExercisesOf(*planned)));
  }
  const CatalogExercise& exercise = *catalog.Find(id);
  const EquipmentSet have = EquipmentOf(record.inputs().equipment());
  const DoseLadder ladder(exercise, record.inputs(), have);
  const type::v1::MassUnit unit = record.inputs().load_unit();
  const Dose dose = ladder.FromPrescribed(*was);
  const std::string from = DoseText(dose, exercise, unit);
  if (request.kind() == Request::KIND_SWAP) {
    std::vector<std::string> allowed;
    for (const std::string& candidate : exercise.substitutes()) {
      const CatalogExercise* sub = catalog.Find(candidate);
      if (sub != nullptr && catalog.Available(candidate, have) == sub &&
          !PrescribedIn(*planned, candidate)) {
        allowed.push_back(candidate);
      }
    }
    if (allowed.empty()) {
      return InvalidField(
          "exercise_id",
          absl::StrCat(id,
                       " has no substitute that your equipment allows "
                       "and that is not already in week ",
                       week));
    }
    const std::string& to = request.substitute_id().empty()
                                ? allowed.front()
                                : request.substitute_id();
    if (std::find(allowed.begin(), allowed.end(), to) == allowed.end()) {
      return InvalidField(
          "substitute_id",
          absl::StrCat("must be a substitute of ", id,
                       " that your equipment allows and week ", week,
                       " does not have yet: ", absl::StrJoin(allowed, ", ")));
    }
    const bool today = request.reason() == Request::REASON_NO_EQUIPMENT_TODAY;
    Adjustment swap = UserAdjustment(
        Adjustment::KIND_SWAP, v1::PlanChange::KIND_SWAP, week, id,
        absl::StrCat(catalog.Find(to)->display_name(), " instead of ",
                     exercise.display_name(),
                     today ? " this week: you have not got the equipment "
                             "today"
                           : " from now on: it hurts. If pain persists, see "
                             "a doctor or physiotherapist."));
    swap.set_substitute_id(to);
    swap.set_last_week_number(today ? week : 0);
    return std::vector<Adjustment>{std::move(swap)};
  }
  const bool easier = request.kind() == Request::KIND_TOO_HARD;
  std::optional<Dose> next;
  if (easier) {
    next = ladder.Previous(dose);
  } else if (const Dose up = ladder.Next(dose);
             ladder.ToRecord(up).SerializeAsString() !=
             ladder.ToRecord(dose).SerializeAsString()) {
    next = up;
  }
  if (!next) {
    return absl::FailedPreconditionError(absl::StrCat(
        exercise.display_name(), " is already at the ",
        easier ? "easiest" : "hardest", " step of its ladder (", from, ")"));
  }
  Adjustment set = UserAdjustment(
      Adjustment::KIND_SET_DOSE,
      easier ? v1::PlanChange::KIND_STEP_DOWN : v1::PlanChange::KIND_STEP_UP,
      week, id,
      absl::StrCat("You found ", exercise.display_name(), " too ",
                   easier ? "hard" : "easy", ": ",
                   DoseText(*next, exercise, unit), " instead of ", from,
                   ", and the weeks after build on it."));
  *set.mutable_dose() = ladder.ToRecord(*next);
  return std::vector<Adjustment>{std::move(set)};
}

absl::Status ValidateAdaptation(const v1::AdaptPlanRequest& request,
                                const ExerciseCatalog& catalog) {
  Violations v;
  if (!IsValidClientId(request.request_id())) {
    v.Add("request_id", kClientIdRule);
  }
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
  if (request.outcomes_size() > kMaxAdaptedExercises) {
    v.Add("outcomes", absl::StrCat("must name at most ", kMaxAdaptedExercises,
                                   " exercises"));
    return v.ToStatus();
  }
  for (int i = 0; i < request.outcomes_size(); ++i) {
    const auto& outcome = request.outcomes(i);
    const std::string field = absl::StrCat("outcomes[", i, "]");
    const CatalogExercise* exercise = catalog.Find(outcome.exercise_id());
    if (exercise == nullptr) {
      v.Add(field + ".exercise_id", "must be a catalog exercise id");
    }
    if (outcome.stalled_weeks() < 0 || outcome.stalled_weeks() > 520) {
      v.Add(field + ".stalled_weeks", "must be 0-520");
    }
    ValidateLogged(outcome.logged(), exercise, field + ".logged", v);
  }
  if (request.maintenance_kcal_estimate() != 0 &&
      (request.maintenance_kcal_estimate() < 1000 ||
       request.maintenance_kcal_estimate() > 6000)) {
    v.Add("maintenance_kcal_estimate", "must be 0 (none) or 1000-6000");
  }
  if (request.maintenance_basis().size() > 200) {
    v.Add("maintenance_basis", "must be at most 200 characters");
  }
  return v.ToStatus();
}

std::vector<Adjustment> AdjustmentsFor(const v1::AdaptPlanRequest& request,
                                       const PlanRecord& record,
                                       const ExerciseCatalog& catalog) {
  return WeekJudge(request, record, catalog).Judge();
}

std::vector<v1::PlanChange> ChangesOf(const std::vector<Adjustment>& added,
                                      const v1::Plan& before,
                                      const v1::Plan& after) {
  std::vector<v1::PlanChange> changes;
  for (const Adjustment& a : added) {
    v1::PlanChange& change = changes.emplace_back();
    change.set_kind(a.change());
    change.set_user_requested(a.user_requested());
    change.set_week_number(a.week_number());
    change.set_exercise_id(a.exercise_id());
    *change.mutable_reason() = a.why();
    if (a.kind() == Adjustment::KIND_CALORIES) {
      change.set_from_kcal(before.nutrition().target_kcal());
      change.set_to_kcal(after.nutrition().target_kcal());
      continue;
    }
    if (a.exercise_id().empty()) {
      continue;
    }
    const absl::StatusOr<v1::PlanWeek> was =
        PlanWeekOf(before, a.week_number());
    const absl::StatusOr<v1::PlanWeek> now = PlanWeekOf(after, a.week_number());
    if (was.ok()) {
      if (auto from = PrescribedIn(*was, a.exercise_id())) {
        *change.mutable_from() = *std::move(from);
      }
    }
    if (now.ok()) {
      const std::string& replaced_by = a.kind() == Adjustment::KIND_SWAP
                                           ? a.substitute_id()
                                           : a.exercise_id();
      if (auto to = PrescribedIn(*now, replaced_by)) {
        *change.mutable_to() = *std::move(to);
      }
    }
  }
  return changes;
}

}  // namespace gracilis::plan
