#include "services/plan/domain/plan_generator.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status/errors.h"
#include "common/status/status_macros.h"
#include "common/units/units.h"
#include "services/plan/domain/coaching_rules.h"
#include "services/plan/domain/dose_ladder.h"
#include "services/plan/domain/nutrition.h"
#include "services/plan/domain/plan_inputs.h"

namespace gracilis::plan {
namespace {

using internal::plan::v1::Slot;
using Kind = v1::PlannedSession::Kind;

constexpr int kWarmupMinutes = 5;
constexpr int kWalkWarmupMinutes = 5;
constexpr int kCoolDownMinutes = 5;
// Trimming a session to its minutes never shortens a rest below this.
constexpr int kShortestRestSeconds = 30;
// Easy running for who answered yes in the readiness check.
constexpr char kCautiousModality[] = "brisk walking, cycling or an elliptical";
// Strength work gets at least this many minutes, whatever the run takes.
constexpr int kShortestStrengthMinutes = 15;
// Trimming leaves isolation and lunges at least this many sets.
constexpr int kFewestTrimmedSets = 2;
// On a day with strength work and a run, the run leaves the strength work
// this many of the session's minutes (and is never under 15).
constexpr int kStrengthMinutesBesideARun = 25;
constexpr int kShortestRunMinutes = 15;

// Training days of a week, as offsets from its first day, and what each is.
// Strength days are never the last day of a week, so the day before a
// week's first day is always a rest day.
struct DaySlot {
  int offset;
  bool strength;
  bool run;
};
std::vector<DaySlot> WeekLayout(int days_per_week) {
  switch (days_per_week) {
    case 2:
      return {{0, true, true}, {3, true, true}};
    case 3:
      return {{0, true, false}, {2, false, true}, {4, true, false}};
    case 4:
      return {{0, true, false},
              {1, false, true},
              {3, true, false},
              {5, false, true}};
    case 5:
      return {{0, true, false},
              {1, false, true},
              {3, true, false},
              {4, false, true},
              {5, false, true}};
    default:
      return {{0, true, false}, {1, false, true}, {2, true, false},
              {3, false, true}, {4, false, true}, {5, true, false}};
  }
}

// Which catalog exercises each strength session (A, B, A, ...) holds in a
// phase, in session order.
std::vector<std::string> SessionTemplate(v1::Phase phase, int index) {
  const bool a = index % 2 == 0;
  switch (phase) {
    case v1::PHASE_LEARN:
      return a ? std::vector<std::string>{"sumo_squat", "copenhagen_plank"}
               : std::vector<std::string>{"sumo_squat", "lateral_lunge",
                                          "copenhagen_plank"};
    case v1::PHASE_ADD_RESISTANCE:
      return a ? std::vector<std::string>{"sumo_squat", "lateral_lunge",
                                          "copenhagen_plank"}
               : std::vector<std::string>{"sumo_deadlift", "lateral_lunge",
                                          "copenhagen_plank"};
    case v1::PHASE_HIGH_VOLUME:
      return a ? std::vector<std::string>{"sumo_squat", "lateral_lunge",
                                          "copenhagen_plank", "cable_adduction"}
               : std::vector<std::string>{"sumo_deadlift", "lateral_lunge",
                                          "copenhagen_plank",
                                          "cable_adduction"};
    default:  // maintenance: one heavy movement leads session A
      return a ? std::vector<std::string>{"sumo_deadlift", "copenhagen_plank",
                                          "cable_adduction"}
               : std::vector<std::string>{"sumo_squat", "lateral_lunge",
                                          "copenhagen_plank"};
  }
}

using rules::PhaseOf;

std::string PhaseText(v1::Phase phase) {
  switch (phase) {
    case v1::PHASE_LEARN:
      return "Weeks 1-2: learn the sumo squat and the Copenhagen plank "
             "(beginner version), twice a week; feel the stretch at the "
             "bottom.";
    case v1::PHASE_ADD_RESISTANCE:
      return "Weeks 3-4: add resistance: load on lunges and squats, longer "
             "plank holds.";
    case v1::PHASE_HIGH_VOLUME:
      return "Weeks 5-8: add high-volume adductor isolation; calories are "
             "re-evaluated if fat loss is a goal.";
    default:
      return "Maintenance: at least one heavy adductor movement every week "
             "keeps the result.";
  }
}

const char* PhaseRule(v1::Phase phase) {
  switch (phase) {
    case v1::PHASE_LEARN:
      return rules::kPhaseLearn;
    case v1::PHASE_ADD_RESISTANCE:
      return rules::kPhaseAddResistance;
    case v1::PHASE_HIGH_VOLUME:
      return rules::kPhaseHighVolume;
    default:
      return rules::kMaintenance;
  }
}

// What went up from `before` to `after`, for people.
std::string Progression(const CatalogExercise& exercise, const Dose& before,
                        const Dose& after, type::v1::MassUnit unit) {
  std::vector<std::string> changes;
  if (after.variant != before.variant) {
    changes.push_back(absl::StrCat("new variant: ",
                                   exercise.ladder(after.variant).variant()));
  } else if (after.load > before.load) {
    changes.push_back(
        absl::StrCat("+", LoadText(after.load - before.load, unit)));
  }
  if (after.variant == before.variant && after.reps > before.reps) {
    changes.push_back(absl::StrCat("+", after.reps - before.reps, " rep"));
  }
  if (after.variant == before.variant && after.hold > before.hold) {
    changes.push_back(absl::StrCat("+", after.hold - before.hold, " s hold"));
  }
  if (after.tempo > before.tempo) {
    changes.push_back(absl::StrCat("slower lowering: ", after.tempo, " s"));
  }
  if (after.sets > before.sets) {
    changes.push_back("+1 set");
  }
  return absl::StrJoin(changes, ", ");
}

// Whether `adjustment` changes the exercise `id` (placed for
// `original_id`): one naming it, or a repeated week.
bool Matches(const Adjustment& adjustment, const std::string& id,
             const std::string& original_id) {
  if (adjustment.kind() == Adjustment::KIND_CALORIES ||
      adjustment.kind() == Adjustment::KIND_SWAP) {
    return false;  // calories change no dose; swaps change the exercise
  }
  return adjustment.exercise_id().empty() || adjustment.exercise_id() == id ||
         adjustment.exercise_id() == original_id;
}

class PlanBuilder {
 public:
  PlanBuilder(const ExerciseCatalog& catalog, const PlanInputs& inputs,
              const Adjustments& adjustments)
      : catalog_(catalog),
        inputs_(inputs),
        adjustments_(adjustments),
        have_(EquipmentOf(inputs.equipment())),
        layout_(WeekLayout(inputs.days_per_week())),
        // Plans stored before the base was recorded use the running level.
        base_(inputs.running_base().typical_minutes() > 0
                  ? inputs.running_base()
                  : RunningBaseOf({}, 0, inputs.running_level())),
        start_(ToCivilDay(inputs.start_date())) {
    PlaceTemplates();
  }

  absl::StatusOr<v1::Plan> Build() {
    v1::Plan plan;
    *plan.mutable_start_date() = inputs_.start_date();
    plan.set_days_per_week(inputs_.days_per_week());
    plan.set_session_minutes(inputs_.session_minutes());
    plan.set_running_level(inputs_.running_level());
    plan.set_catalog_version(catalog_.version());
    *plan.mutable_running_base() = base_;

    *plan.add_why() = rules::Why(
        rules::kNoSpotReduction,
        "Training the inner thighs does not burn the fat on them: thigh fat "
        "falls only with whole-body fat loss, which comes from the calorie "
        "target and the runs.");
    *plan.add_why() = rules::Why(
        rules::kTwoProngs,
        "Firmer thighs need both: adductor muscle that grows under "
        "progressive load, and lower body fat. This plan trains one and "
        "targets the other.");
    if (Cautious()) {
      *plan.add_why() = rules::Why(
          rules::kReadinessCheck,
          absl::StrCat(
              "You answered yes to ", inputs_.readiness_yes_answers(),
              inputs_.readiness_yes_answers() == 1 ? " question" : " questions",
              " of the readiness check: please check with a doctor before "
              "you start. Until then every run stays easy and low-impact (",
              kCautiousModality,
              "), with no hard sessions. This is a precaution, not a "
              "diagnosis."));
    }
    *plan.add_why() = rules::Why(
        rules::kHeavyIsFine,
        "Heavy loads will not make thighs bulky without a large calorie "
        "surplus and years of heavy training, so loads keep going up.");
    int program_minutes = 0;
    LastWeek last;
    for (int week = 1; week <= rules::kProgramWeeks; ++week) {
      *plan.add_weeks() = BuildWeek(week, last);
      for (const v1::PlannedSession& session :
           plan.weeks().rbegin()->sessions()) {
        program_minutes += session.estimated_minutes();
      }
    }
    *plan.mutable_maintenance() = BuildWeek(rules::kMaintenanceWeek, last);
    // The activity factor reflects the planned training minutes.
    *plan.mutable_nutrition() = NutritionFor(
        inputs_, program_minutes / rules::kProgramWeeks, adjustments_);
    return plan;
  }

 private:
  struct Placed {
    const CatalogExercise* exercise;
    std::string original_id;
    // The user's swap that put `exercise` here, if any.
    const Adjustment* swap = nullptr;
  };

  // `placed` as the user's swaps leave it in `week`: the latest swap of its
  // exercise that covers the week replaces it with the substitute.
  Placed Swapped(Placed placed, int week) const {
    for (const Adjustment& a : adjustments_) {
      const bool covers =
          a.kind() == Adjustment::KIND_SWAP && week >= a.week_number() &&
          (a.last_week_number() == 0 || week <= a.last_week_number());
      if (covers && (a.exercise_id() == placed.exercise->id() ||
                     a.exercise_id() == placed.original_id)) {
        placed.exercise = catalog_.Find(a.substitute_id());
        placed.swap = &a;
      }
    }
    return placed;
  }

  // The exercise the user can do for catalog entry `id`.
  std::optional<Placed> Place(const std::string& id) const {
    const auto it = placements_.find(id);
    return it == placements_.end() ? std::nullopt : it->second;
  }

  // The first program week an exercise (as placed) appears in.
  int FirstWeek(const std::string& id) const {
    const auto it = first_week_.find(id);
    return it == first_week_.end() ? rules::kMaintenanceWeek : it->second;
  }

  // Placements and first weeks, worked out once per plan.
  void PlaceTemplates() {
    for (int week = 1; week <= rules::kMaintenanceWeek; ++week) {
      for (int s = 0; s < 2; ++s) {
        for (const std::string& entry : SessionTemplate(PhaseOf(week), s)) {
          if (!placements_.contains(entry)) {
            const CatalogExercise* exercise = catalog_.Available(entry, have_);
            placements_[entry] =
                exercise == nullptr
                    ? std::nullopt
                    : std::optional<Placed>(Placed{exercise, entry});
          }
          if (const auto& placed = placements_[entry]) {
            first_week_.emplace(placed->exercise->id(), week);
          }
        }
      }
    }
    // A substitute the user swapped in first appears where the swap starts,
    // unless the templates had it earlier.
    for (const Adjustment& a : adjustments_) {
      if (a.kind() == Adjustment::KIND_SWAP) {
        auto [it, added] =
            first_week_.emplace(a.substitute_id(), a.week_number());
        if (!added) {
          it->second = std::min(it->second, a.week_number());
        }
      }
    }
  }

  // Holds or deloads on `id` that start in weeks [from, to].
  int Pauses(const std::string& id, const std::string& original, int from,
             int to) const {
    int n = 0;
    for (const Adjustment& a : adjustments_) {
      if (a.week_number() >= from && a.week_number() <= to &&
          a.kind() != Adjustment::KIND_SET_DOSE && Matches(a, id, original)) {
        ++n;
      }
    }
    return n;
  }

  const Adjustment* AdjustmentAt(const std::string& id,
                                 const std::string& original, int week) const {
    const Adjustment* found = nullptr;
    for (const Adjustment& a : adjustments_) {
      const bool applies = week == rules::kMaintenanceWeek
                               ? a.week_number() >= week
                               : a.week_number() == week;
      if (applies && Matches(a, id, original) &&
          (found == nullptr || !a.exercise_id().empty())) {
        found = &a;
      }
    }
    return found;
  }

  // The dose of `placed` in `week`: one ladder step per week (as the week's
  // phase steps it) since it first appeared, or since the latest week whose
  // dose an adaptation set from the logs, skipping the weeks held; a deload
  // week is about 10% lighter.
  // Maintenance keeps week 8's dose, or the latest one its adaptations set,
  // deloaded when its latest adaptation was a deload.
  Dose DoseAt(const Placed& placed, int week) const {
    const CatalogExercise& exercise = *placed.exercise;
    const std::string& id = exercise.id();
    const DoseLadder ladder(exercise, inputs_, have_);
    const int last_progressing = std::min(week, rules::kProgramWeeks);
    int base_week = FirstWeek(id);
    Dose dose = ladder.Start();
    const Adjustment* set = nullptr;
    for (const Adjustment& a : adjustments_) {
      if (a.kind() == Adjustment::KIND_SET_DOSE &&
          a.week_number() <= last_progressing &&
          Matches(a, id, placed.original_id) &&
          (set == nullptr || a.week_number() >= set->week_number())) {
        set = &a;
      }
    }
    if (set != nullptr) {
      base_week = set->week_number();
      dose = ladder.FromRecord(set->dose());
    }
    for (int w = base_week + 1; w <= last_progressing; ++w) {
      if (Pauses(id, placed.original_id, w, w) == 0) {
        dose = ladder.NextInPhase(dose, PhaseOf(w), rules::PhaseStarts(w));
      }
    }
    if (week == rules::kMaintenanceWeek) {
      const Adjustment* latest = nullptr;
      for (const Adjustment& a : adjustments_) {
        if (a.week_number() < week || !Matches(a, id, placed.original_id)) {
          continue;
        }
        if (a.kind() == Adjustment::KIND_SET_DOSE) {
          dose = ladder.FromRecord(a.dose());
          latest = &a;
        } else if (a.kind() == Adjustment::KIND_DELOAD) {
          latest = &a;
        }
      }
      // Maintenance keeps a heavy movement every week (domain.md).
      dose = ladder.AtLeastHeavy(dose);
      if (latest != nullptr && latest->kind() == Adjustment::KIND_DELOAD) {
        dose = ladder.Deload(dose);
      }
      return dose;
    }
    const Adjustment* adjustment = AdjustmentAt(id, placed.original_id, week);
    if (adjustment != nullptr &&
        adjustment->kind() == Adjustment::KIND_DELOAD) {
      dose = ladder.Deload(dose);
    }
    return dose;
  }

  // The dose of `placed` in `week` as a prescription; Explain adds what
  // changed and why once the session's length is settled.
  v1::PrescribedExercise Prescribe(const Placed& placed, int week) const {
    const CatalogExercise& exercise = *placed.exercise;
    const Dose dose = DoseAt(placed, week);
    v1::PrescribedExercise out;
    out.set_exercise_id(exercise.id());
    out.set_variant(exercise.ladder(dose.variant).variant());
    out.set_sets(dose.sets);
    out.set_reps(dose.reps);
    if (dose.load > 0) {
      out.mutable_load()->set_value(dose.load);
      out.mutable_load()->set_unit(inputs_.load_unit());
    }
    out.set_hold_seconds(dose.hold);
    if (dose.tempo > 0) {
      out.mutable_tempo()->set_eccentric_seconds(dose.tempo);
      out.mutable_tempo()->set_concentric_seconds(1);
    }
    out.set_per_side(exercise.dosing().per_side());
    out.set_heavy(exercise.ladder(dose.variant).heavy());
    *out.mutable_cues() = exercise.cues();
    out.set_rest_seconds(exercise.dosing().rest_seconds());
    if (exercise.id() != placed.original_id) {
      out.set_substitutes_for(placed.original_id);
    }
    return out;
  }

  // What went up in `out` since `previous` (the same session's prescription
  // last week, as trimmed), or since the exercise's ladder dose last week
  // when the session did not have it; and why.
  void Explain(const Placed& placed, int week,
               const v1::PrescribedExercise* previous,
               v1::PrescribedExercise& out) const {
    const CatalogExercise& exercise = *placed.exercise;
    const DoseLadder ladder(exercise, inputs_, have_);
    const int first = FirstWeek(exercise.id());
    const int previous_week = std::min(week - 1, rules::kProgramWeeks);
    // In an exercise's first week only a dose set for it explains it: a
    // hold or deload has nothing before it to hold or lighten.
    const Adjustment* adjustment =
        AdjustmentAt(exercise.id(), placed.original_id, week);
    if (week <= first && adjustment != nullptr &&
        adjustment->kind() != Adjustment::KIND_SET_DOSE) {
      adjustment = nullptr;
    }
    if (week > first && week <= rules::kProgramWeeks) {
      out.set_progression(
          Progression(exercise,
                      previous != nullptr ? ladder.FromPrescribed(*previous)
                                          : DoseAt(placed, previous_week),
                      ladder.FromPrescribed(out), inputs_.load_unit()));
    }
    if (adjustment == nullptr && placed.swap != nullptr) {
      adjustment = placed.swap;
    }
    if (adjustment != nullptr) {
      *out.mutable_why() = adjustment->why();
      if (adjustment->kind() == Adjustment::KIND_DELOAD) {
        out.set_progression("deload: about 10% lighter this week");
      } else if (adjustment->kind() == Adjustment::KIND_HOLD) {
        out.set_progression("held at last week's dose");
      } else if (adjustment->kind() == Adjustment::KIND_SWAP) {
        out.set_progression(
            absl::StrCat("swapped in for ", adjustment->exercise_id()));
      } else if (adjustment->user_requested()) {
        out.set_progression(
            out.progression().empty()
                ? "as you asked"
                : absl::StrCat(out.progression(), ", as you asked"));
      } else if (out.progression().empty()) {
        out.set_progression("from your logged work");
      }
    } else if (!out.substitutes_for().empty()) {
      const CatalogExercise* original = catalog_.Find(placed.original_id);
      *out.mutable_why() = rules::Why(
          rules::kEquipmentSubstitution,
          absl::StrCat(exercise.display_name(), " replaces ",
                       original->display_name(),
                       ", which needs equipment you have not listed."));
    } else if (!out.progression().empty()) {
      *out.mutable_why() = rules::Why(
          rules::kProgressiveOverload,
          absl::StrCat("Something goes up every week (", out.progression(),
                       "): if you aren't getting stronger, you aren't getting "
                       "more toned."));
    } else {
      const v1::Phase phase = PhaseOf(week);
      *out.mutable_why() = rules::Why(PhaseRule(phase), PhaseText(phase));
    }
  }

  static int WorkSeconds(const v1::PrescribedExercise& e,
                         const CatalogExercise& exercise) {
    const int per_set =
        e.hold_seconds() > 0
            ? e.hold_seconds()
            : e.reps() * std::max(exercise.dosing().seconds_per_rep(),
                                  e.tempo().eccentric_seconds() + 1);
    return per_set * (e.per_side() ? 2 : 1);
  }

  int StrengthMinutes(const v1::PlannedSession& session) const {
    int seconds = 0;
    for (const auto& e : session.exercises()) {
      seconds += e.sets() * (WorkSeconds(e, *catalog_.Find(e.exercise_id())) +
                             e.rest_seconds());
    }
    return kWarmupMinutes + (seconds + 59) / 60;
  }

  // Fits the strength work into `budget` minutes (domain.md, "Time budgets
  // never cost the key work"): cuts isolation sets, then lunge sets, each
  // to two but never below `floor_sets` (last week's), then shortens rests
  // to two thirds (at least 30 s). Never drops an exercise. Returns what
  // it cut, for the session's why.
  std::vector<std::string> FitToLength(
      v1::PlannedSession& session, int budget,
      const std::vector<int>& floor_sets) const {
    std::vector<std::string> cuts;
    const auto over = [&] { return StrengthMinutes(session) > budget; };
    const auto cut_sets = [&](const auto& which) {
      for (int i = session.exercises_size() - 1; i >= 0 && over(); --i) {
        v1::PrescribedExercise& e = *session.mutable_exercises(i);
        if (!which(e)) {
          continue;
        }
        const int was = e.sets();
        while (over() &&
               e.sets() > std::max(kFewestTrimmedSets,
                                   std::min(e.sets(), floor_sets[i]))) {
          e.set_sets(e.sets() - 1);
        }
        if (e.sets() < was) {
          cuts.push_back(
              absl::StrCat(catalog_.Find(e.exercise_id())->display_name(), " ",
                           was, " -> ", e.sets(), " sets"));
        }
      }
    };
    cut_sets([&](const v1::PrescribedExercise& e) {
      return catalog_.Find(e.exercise_id())->slot() ==
             internal::plan::v1::SLOT_ISOLATION;
    });
    cut_sets([&](const v1::PrescribedExercise& e) {
      return e.exercise_id() == "lateral_lunge";
    });
    bool rests = false;
    for (auto& e : *session.mutable_exercises()) {
      const int shortest =
          std::max(kShortestRestSeconds, e.rest_seconds() * 2 / 3);
      while (over() && e.rest_seconds() > shortest) {
        e.set_rest_seconds(std::max(shortest, e.rest_seconds() - 15));
        rests = true;
      }
    }
    if (rests) {
      cuts.push_back("shorter rests");
    }
    return cuts;
  }

  // Minutes of each run in `week`: from the running base, +10% a week
  // (rounded down, so no run is over 110% of the last) until the cap; a
  // held week repeats.
  int RunMinutes(int week) const {
    // Week 1 starts at the typical run, never over 110% of the longest.
    int minutes = std::clamp(
        std::min(
            base_.typical_minutes(),
            static_cast<int>(std::floor(base_.longest_minutes() *
                                        rules::kMaxSingleRunVsRecentLongest))),
        rules::kFewestRunMinutes, rules::kLongestRunMinutes);
    // Weeks 1 and 2 stay within 30% above the weekly minutes logged.
    if (base_.weekly_minutes() > 0 && RunsPerWeek() > 0) {
      minutes = std::max(
          rules::kFewestRunMinutes,
          std::min(minutes,
                   static_cast<int>(std::floor(
                       (1 + rules::kMaxTwoWeekRunVolumeRise) *
                       base_.weekly_minutes() /
                       ((1 + rules::kWeeklyRunGrowth) * RunsPerWeek())))));
    }
    for (int w = 2; w <= std::min(week, rules::kProgramWeeks); ++w) {
      if (!RunsHeld(w)) {
        minutes = std::min(rules::kLongestRunMinutes,
                           static_cast<int>(std::floor(
                               minutes * (1 + rules::kWeeklyRunGrowth))));
      }
    }
    return minutes;
  }

  const Adjustment* RunsHeldBy(int week) const {
    for (const Adjustment& a : adjustments_) {
      if (a.kind() == Adjustment::KIND_HOLD && a.exercise_id().empty() &&
          a.week_number() == week) {
        return &a;
      }
    }
    return nullptr;
  }
  bool RunsHeld(int week) const { return RunsHeldBy(week) != nullptr; }

  int RunsPerWeek() const {
    return static_cast<int>(
        std::count_if(layout_.begin(), layout_.end(),
                      [](const DaySlot& d) { return d.run; }));
  }

  // Whether slot `i` may hold a hard run: a run-only day that does not
  // follow a strength day (domain.md: never the same day as, or the day
  // after, heavy lower-body work).
  bool HardSlot(size_t i) const {
    const DaySlot& slot = layout_[i];
    const bool after_strength = i > 0 && layout_[i - 1].strength &&
                                layout_[i - 1].offset == slot.offset - 1;
    return slot.run && !slot.strength && !after_strength;
  }

  // Weeks of running at least twice a week before `week`: the plan's own,
  // plus the base a regular runner brings (domain.md, "Base before
  // intensity").
  int BaseWeeks(int week) const {
    const int planned = RunsPerWeek() >= rules::kMinRunsForBase
                            ? std::min(week, rules::kMaintenanceWeek) - 1
                            : 0;
    return planned + (base_.has_base() ? rules::kRunningBaseWeeks : 0);
  }

  // A yes in the readiness check: easy, low-impact running only.
  bool Cautious() const { return inputs_.readiness_yes_answers() > 0; }

  // Whether the user cannot run 10 minutes yet: a new runner with nothing
  // logged or stated, or whose longest logged or stated run is shorter.
  bool RunWalk() const {
    return base_.source() == v1::RunningBase::SOURCE_RUNNING_LEVEL
               ? inputs_.running_level() == v1::RUNNING_LEVEL_NONE
               : base_.longest_minutes() < rules::kRunWalkUntilMinutes;
  }

  // Where week 1's runs come from, for people.
  std::string BaseText() const {
    switch (base_.source()) {
      case v1::RunningBase::SOURCE_LOGGED_RUNS:
        return absl::StrCat("Week 1 starts from your ", base_.runs(),
                            " runs of the last 30 days: typically ",
                            base_.typical_minutes(), " min, longest ",
                            base_.longest_minutes(), ".");
      case v1::RunningBase::SOURCE_STATED:
        return absl::StrCat("Week 1 starts from the ", base_.typical_minutes(),
                            " min you said you usually run; log runs and the "
                            "next plan starts from them.");
      default:
        return absl::StrCat(
            "Week 1 starts from ", base_.typical_minutes(),
            " min, the usual run for your running level; log runs (or say "
            "how long you usually run) and the next plan starts from them.");
    }
  }

  // Why the hard efforts are low-impact for this user; empty when not.
  std::string LowImpactReason() const {
    const double metres = inputs_.height_cm() / 100;
    if (inputs_.body_weight_kg() / (metres * metres) >=
        rules::kLowImpactFromBmi) {
      return "with a BMI of 30 or more";
    }
    if (inputs_.age_years() >= rules::kLowImpactFromAge) {
      return "at 60 or over";
    }
    if (inputs_.running_level() == v1::RUNNING_LEVEL_NONE &&
        !base_.has_base()) {
      return "without a running history";
    }
    return "";
  }

  // The week's hard session, if it has one: only from week 5, with a base,
  // a day to put it on, another run that week, and the week not held;
  // intervals, then hills in week 7 and sprints in week 8.
  std::string HardRunId(int week) const {
    bool slot = false;
    for (size_t i = 0; i < layout_.size(); ++i) {
      slot = slot || HardSlot(i);
    }
    // A hard session replaces one run of at least two: the easy running
    // goes on beside it.
    if (week < rules::kFirstHardRunWeek || RunsHeld(week) || !slot ||
        Cautious() || RunsPerWeek() < rules::kMinRunsForBase ||
        BaseWeeks(week) < rules::kRunningBaseWeeks) {
      return "";
    }
    if (week == 7) {
      return "hill_repeats";
    }
    return week == 8 ? "sprints" : "intervals";
  }

  // Repeats of the week's hard session: 4 in the first, one more each hard
  // week after, up to 8; never more than fit in the run's minutes.
  int HardRepeats(int week, int minutes, int warmup, int per_repeat) const {
    int earlier = 0;
    for (int w = 1; w < week; ++w) {
      earlier += HardRunId(w).empty() ? 0 : 1;
    }
    const int planned = std::min(
        rules::kMaxHardRepeats,
        rules::kFirstHardRepeats + rules::kHardRepeatsAddedPerWeek * earlier);
    return std::min(planned,
                    (minutes - warmup - kCoolDownMinutes) * 60 / per_repeat);
  }

  // `run`'s segments, from its structured fields, in order: warm-up,
  // work and recovery for each repetition, cool-down for what is left; an
  // easy run is one steady segment.
  static void AddSegments(v1::RunPrescription& run) {
    using Segment = v1::PlannedRunSegment;
    run.clear_segments();
    const auto add = [&run](Segment::Kind kind, int seconds, int effort) {
      if (seconds > 0) {
        Segment& segment = *run.add_segments();
        segment.set_kind(kind);
        segment.set_seconds(seconds);
        segment.set_effort(effort);
      }
    };
    if (run.repetitions() == 0) {
      add(Segment::KIND_STEADY, run.minutes() * 60, run.effort());
      return;
    }
    add(Segment::KIND_WARM_UP, run.warmup_minutes() * 60, 3);
    for (int i = 0; i < run.repetitions(); ++i) {
      add(Segment::KIND_WORK, run.work_seconds(), run.effort());
      add(Segment::KIND_RECOVERY, run.recovery_seconds(), 2);
    }
    add(Segment::KIND_COOL_DOWN,
        run.minutes() * 60 - run.warmup_minutes() * 60 -
            run.repetitions() * (run.work_seconds() + run.recovery_seconds()),
        2);
  }

  v1::RunPrescription EasyRun(int minutes, int week) const {
    v1::RunPrescription run;
    run.set_type(type::v1::RUN_TYPE_EASY);
    run.set_minutes(minutes);
    run.set_effort(4);
    if (RunsHeld(week)) {
      *run.mutable_why() =
          rules::Why(rules::kAdaptRepeatWeek, RunsHeldBy(week)->why().text());
    } else {
      *run.mutable_why() = rules::Why(
          rules::kRunProgression,
          absl::StrCat(minutes,
                       " min easy: running builds frequency and time first, "
                       "then intensity; it also adds to the calorie "
                       "deficit."));
    }
    if (RunWalk() && week <= rules::kRunWalkWeeks) {
      // Run-walk, structured so an app can time it.
      // A short run-walk keeps a third of its time for the warm-up walk.
      const int warmup = std::min(kWalkWarmupMinutes, minutes / 3);
      const int rounds = std::max(
          1, (minutes - warmup) * 60 /
                 (rules::kRunWalkRunSeconds + rules::kRunWalkWalkSeconds));
      run.set_run_walk(true);
      run.set_warmup_minutes(warmup);
      run.set_repetitions(rounds);
      run.set_work_seconds(rules::kRunWalkRunSeconds);
      run.set_recovery_seconds(rules::kRunWalkWalkSeconds);
      *run.mutable_why() = rules::Why(
          rules::kRunWalk,
          absl::StrCat(minutes, " min run-walk: ", warmup,
                       " min brisk walk, then ", rounds,
                       " rounds of 1 min "
                       "running and 1.5 min walking, until you can run 10 "
                       "minutes; time first, then intensity."));
    }
    if (week == 1 && !RunsHeld(week)) {
      absl::StrAppend(run.mutable_why()->mutable_text(), " ", BaseText());
    }
    if (Cautious()) {
      run.set_low_impact(true);
      run.set_modality(kCautiousModality);
      absl::StrAppend(run.mutable_why()->mutable_text(),
                      " Low-impact until a doctor has cleared you (your "
                      "readiness check): walk briskly, cycle or use an "
                      "elliptical for the time.");
    }
    AddSegments(run);
    return run;
  }

  // A hard session, or nullopt when its first repeats do not fit.
  std::optional<v1::RunPrescription> HardRun(const std::string& id, int minutes,
                                             int week) const {
    const CatalogExercise& exercise = *catalog_.Find(id);
    v1::RunPrescription run;
    run.set_type(exercise.run_type());
    int work = 60, recovery = 90;
    run.set_effort(8);
    if (exercise.run_type() == type::v1::RUN_TYPE_HILL_REPEATS) {
      work = 45;
    } else if (exercise.run_type() == type::v1::RUN_TYPE_SPRINTS) {
      work = 15;
      recovery = 105;
      run.set_effort(9);
    }
    const int warmup = minutes >= 30 ? 10 : 8;
    const int repeats = HardRepeats(week, minutes, warmup, work + recovery);
    if (repeats < rules::kFirstHardRepeats) {
      return std::nullopt;
    }
    run.set_warmup_minutes(warmup);
    run.set_work_seconds(work);
    run.set_recovery_seconds(recovery);
    run.set_repetitions(repeats);
    run.set_minutes(warmup + (repeats * (work + recovery) + 59) / 60 +
                    kCoolDownMinutes);
    std::string text = absl::StrCat(
        exercise.display_name(), ", ", repeats, " x ", work,
        " s: hard efforts recruit more muscle fibre than steady running. "
        "They start at 4 repeats and add one a week, after ",
        rules::kRunningBaseWeeks,
        " weeks of running twice a week, and never on or the day after a "
        "lower-body strength day.");
    const std::string low_impact = LowImpactReason();
    if (!low_impact.empty()) {
      run.set_low_impact(true);
      run.set_modality("brisk incline walking, cycling or an elliptical");
      run.set_effort(std::min(run.effort(), 8));
      absl::StrAppend(&text, " Low-impact ", low_impact,
                      ": do the efforts as brisk incline walking, cycling or "
                      "on an elliptical, the same fibres without the "
                      "pounding.");
    }
    *run.mutable_why() = rules::Why(rules::kHardRunSpacing, text);
    AddSegments(run);
    return run;
  }

  // Each strength session's prescriptions in the week before, by the
  // session's place in the week (A, B, ...) and exercise id.
  using LastWeek =
      std::map<std::pair<int, std::string>, v1::PrescribedExercise>;

  v1::PlanWeek BuildWeek(int week, LastWeek& last) const {
    const v1::Phase phase = PhaseOf(week);
    v1::PlanWeek out;
    out.set_week_number(week);
    out.set_phase(phase);
    const absl::CivilDay first_day = start_ + 7 * (week - 1);
    *out.mutable_start_date() = ToDate(first_day);
    const int run_minutes = RunMinutes(week);
    const std::string hard = HardRunId(week);
    bool hard_placed = false;
    int strength_index = 0;
    for (size_t i = 0; i < layout_.size(); ++i) {
      const DaySlot& slot = layout_[i];
      v1::PlannedSession session;
      std::vector<Placed> placed_here;
      const absl::CivilDay day = first_day + slot.offset;
      *session.mutable_date() = ToDate(day);
      const char* kind_name = "run";
      if (slot.strength) {
        session.set_kind(slot.run ? v1::PlannedSession::KIND_LOWER_BODY_AND_RUN
                                  : v1::PlannedSession::KIND_LOWER_BODY);
        kind_name = "lower";
        std::set<std::string> used;
        for (const std::string& entry :
             SessionTemplate(phase, strength_index)) {
          const auto placed = Place(entry);
          if (!placed) {
            continue;
          }
          const Placed here = Swapped(*placed, week);
          if (used.insert(here.exercise->id()).second) {
            *session.add_exercises() = Prescribe(here, week);
            placed_here.push_back(here);
          }
        }
      } else {
        session.set_kind(v1::PlannedSession::KIND_RUN);
      }
      if (slot.run) {
        *session.mutable_run() = EasyRun(run_minutes, week);
        const int beside_strength =
            std::max(kShortestRunMinutes,
                     inputs_.session_minutes() - kStrengthMinutesBesideARun);
        if (slot.strength && run_minutes > beside_strength) {
          // The run shares the session: it fits the minutes left.
          *session.mutable_run() = EasyRun(beside_strength, week);
          absl::StrAppend(
              session.mutable_run()->mutable_why()->mutable_text(),
              absl::StrCat(" Shortened from ", run_minutes,
                           " min so the strength work fits your ",
                           inputs_.session_minutes(), "-minute session."));
        }
        if (!hard.empty() && !hard_placed && HardSlot(i)) {
          if (auto run = HardRun(hard, run_minutes, week)) {
            *session.mutable_run() = *std::move(run);
            hard_placed = true;
          }
        }
      }
      const int run_part = slot.run ? session.run().minutes() : 0;
      std::vector<std::string> cuts;
      const int budget = std::max(kShortestStrengthMinutes,
                                  inputs_.session_minutes() - run_part);
      if (slot.strength) {
        // Last week's sets in this session are the floor trimming keeps.
        std::vector<int> floor_sets;
        for (const auto& e : session.exercises()) {
          const auto before = last.find({strength_index, e.exercise_id()});
          floor_sets.push_back(before == last.end()
                                   ? 1
                                   : std::min(e.sets(), before->second.sets()));
        }
        cuts = FitToLength(session, budget, floor_sets);
        for (int k = 0; k < session.exercises_size(); ++k) {
          v1::PrescribedExercise& e = *session.mutable_exercises(k);
          const auto before = last.find({strength_index, e.exercise_id()});
          Explain(placed_here[k], week,
                  before == last.end() ? nullptr : &before->second, e);
        }
        for (const auto& e : session.exercises()) {
          last[{strength_index, e.exercise_id()}] = e;
        }
        ++strength_index;
      }
      const int strength_minutes = slot.strength ? StrengthMinutes(session) : 0;
      session.set_estimated_minutes(strength_minutes + run_part);
      session.set_id(absl::StrCat(
          week <= rules::kProgramWeeks ? absl::StrCat("w", week) : "m", "-d",
          i + 1, "-", kind_name));
      if (slot.strength && strength_minutes > budget) {
        *session.mutable_why() = rules::Why(
            rules::kSessionLength,
            absl::StrCat(
                "About ", session.estimated_minutes(), " min, over your ",
                inputs_.session_minutes(), "-minute sessions",
                cuts.empty() ? "" : " after trimming (",
                absl::StrJoin(cuts, ", "), cuts.empty() ? "" : ")",
                ": the compound lift and the Copenhagen plank are never cut "
                "and no dose goes below last week's. Allow the extra "
                "minutes, or ask for fewer exercises."));
      } else if (slot.strength && !cuts.empty()) {
        *session.mutable_why() = rules::Why(
            rules::kSessionLength,
            absl::StrCat("Trimmed to fit your ", inputs_.session_minutes(),
                         "-minute sessions: ", absl::StrJoin(cuts, ", "),
                         ". Isolation volume goes first, then lunge sets, "
                         "then rest; the compound lift and the Copenhagen "
                         "plank are never cut."));
      } else if (slot.strength) {
        *session.mutable_why() = rules::Why(
            rules::kSessionOrder,
            "Compound lifts first while fresh, then Copenhagen work, then "
            "isolation; the inner-thigh work sits inside a lower-body "
            "session, never a separate inner-thigh day.");
      } else {
        *session.mutable_why() = session.run().why();
      }
      out.set_running_minutes(out.running_minutes() + run_part);
      bool adductors = false;
      for (const auto& e : session.exercises()) {
        for (int muscle : catalog_.Find(e.exercise_id())->muscles()) {
          adductors = adductors || (muscle >= type::v1::MUSCLE_PECTINEUS &&
                                    muscle <= type::v1::MUSCLE_GRACILIS);
        }
      }
      out.set_adductor_sessions(out.adductor_sessions() + (adductors ? 1 : 0));
      *out.add_sessions() = std::move(session);
    }
    *out.add_why() = rules::Why(PhaseRule(phase), PhaseText(phase));
    *out.add_why() = rules::Why(
        rules::kAdductorFrequency,
        absl::StrCat(out.adductor_sessions(),
                     " sessions load the adductors this week: at least 2 a "
                     "week during the program, 1 heavy one after it."));
    *out.add_why() = rules::Why(
        rules::kRunVolumeGuardrail,
        absl::StrCat(out.running_minutes(),
                     " running minutes: weekly volume rises at most 30% over "
                     "two weeks and no run is over 110% of your longest in "
                     "the last 30 days."));
    for (const Adjustment& a : adjustments_) {
      if (a.week_number() == week ||
          (week == rules::kMaintenanceWeek && a.week_number() > week)) {
        *out.add_why() = a.why();
      }
    }
    return out;
  }

  const ExerciseCatalog& catalog_;
  const PlanInputs& inputs_;
  const Adjustments& adjustments_;
  const EquipmentSet have_;
  const std::vector<DaySlot> layout_;
  const v1::RunningBase base_;
  const absl::CivilDay start_;
  std::map<std::string, std::optional<Placed>> placements_;
  std::map<std::string, int> first_week_;
};

}  // namespace

absl::CivilDay ToCivilDay(const type::v1::Date& date) {
  return absl::CivilDay(date.year(), date.month(), date.day());
}

type::v1::Date ToDate(absl::CivilDay day) {
  type::v1::Date date;
  date.set_year(static_cast<int>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

absl::Status ValidatePlanInputs(const PlanInputs& inputs) {
  Violations v;
  if (inputs.days_per_week() < 2 || inputs.days_per_week() > 6) {
    v.Add("days_per_week", "must be 2-6");
  }
  if (inputs.session_minutes() < 20 || inputs.session_minutes() > 120) {
    v.Add("session_minutes", "must be 20-120");
  }
  if (!v1::RunningLevel_IsValid(inputs.running_level()) ||
      inputs.running_level() == v1::RUNNING_LEVEL_UNSPECIFIED) {
    v.Add("running_level", "must be NONE, CASUAL or REGULAR");
  }
  for (int item : inputs.equipment()) {
    if (!type::v1::Equipment_IsValid(item) ||
        item == type::v1::EQUIPMENT_UNSPECIFIED) {
      v.Add("equipment", absl::StrCat("unknown equipment value ", item));
    }
  }
  if (!account::v1::Goal_IsValid(inputs.goal()) ||
      inputs.goal() == account::v1::GOAL_UNSPECIFIED) {
    v.Add("goal", "must be SLIM_THIGHS, TONE_INNER_THIGHS or SLIM_AND_TONE");
  }
  if (inputs.body_weight_kg() < 20 || inputs.body_weight_kg() > 500 ||
      inputs.height_cm() < 100 || inputs.height_cm() > 250 ||
      inputs.age_years() < 13 || inputs.age_years() > 100) {
    v.Add("profile", "body weight, height and age must be in range");
  }
  const type::v1::Date& start = inputs.start_date();
  const absl::CivilDay day = ToCivilDay(start);
  if (day.year() != start.year() || day.month() != start.month() ||
      day.day() != start.day()) {
    v.Add("start_date", "must be a valid date");
  }
  return v.ToStatus();
}

absl::StatusOr<v1::Plan> GeneratePlan(const ExerciseCatalog& catalog,
                                      const PlanInputs& inputs,
                                      const Adjustments& adjustments) {
  RETURN_IF_ERROR(ValidatePlanInputs(inputs));
  return PlanBuilder(catalog, inputs, adjustments).Build();
}

StoredWeek StoredWeekOf(const v1::Plan& plan, int week_number) {
  if (week_number <= plan.weeks_size()) {
    return {&plan.weeks(week_number - 1), 0};
  }
  return {&plan.maintenance(), 7 * (week_number - rules::kMaintenanceWeek)};
}

absl::StatusOr<v1::PlanWeek> PlanWeekOf(const v1::Plan& plan, int week_number) {
  if (week_number < 1) {
    return InvalidField("week_number", "must be 1 or more");
  }
  const StoredWeek stored = StoredWeekOf(plan, week_number);
  v1::PlanWeek week = *stored.week;
  const auto moved = [&stored](const type::v1::Date& date) {
    return ToDate(ToCivilDay(date) + stored.shift_days);
  };
  week.set_week_number(week_number);
  *week.mutable_start_date() = moved(week.start_date());
  for (auto& session : *week.mutable_sessions()) {
    *session.mutable_date() = moved(session.date());
  }
  return week;
}

absl::StatusOr<v1::PlanDay> PlanDayOf(const v1::Plan& plan,
                                      absl::CivilDay day) {
  const absl::CivilDay start = ToCivilDay(plan.start_date());
  if (day < start) {
    return absl::FailedPreconditionError(
        absl::StrFormat("the plan starts on %04d-%02d-%02d", start.year(),
                        start.month(), start.day()));
  }
  const int week_number = static_cast<int>((day - start) / 7) + 1;
  absl::StatusOr<v1::PlanWeek> week = PlanWeekOf(plan, week_number);
  if (!week.ok()) {
    return week.status();
  }
  v1::PlanDay out;
  *out.mutable_date() = ToDate(day);
  out.set_day_of_week(static_cast<type::v1::DayOfWeek>(
      static_cast<int>(absl::GetWeekday(day)) + 1));
  out.set_week_number(week_number);
  for (const auto& session : week->sessions()) {
    if (ToCivilDay(session.date()) == day) {
      *out.add_sessions() = session;
    }
  }
  out.set_rest_day(out.sessions().empty());
  return out;
}

}  // namespace gracilis::plan
