#include "services/plan/domain/plan_rules_check.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/units/units.h"

namespace gracilis::plan {
namespace {

using internal::plan::v1::Adjustment;
using internal::plan::v1::PlanInputs;

absl::CivilDay Day(const type::v1::Date& date) {
  return absl::CivilDay(date.year(), date.month(), date.day());
}

bool LoadsAdductors(const CatalogExercise& exercise) {
  for (int muscle : exercise.muscles()) {
    if (muscle == type::v1::MUSCLE_PECTINEUS ||
        muscle == type::v1::MUSCLE_ADDUCTOR_BREVIS ||
        muscle == type::v1::MUSCLE_ADDUCTOR_LONGUS ||
        muscle == type::v1::MUSCLE_ADDUCTOR_MAGNUS ||
        muscle == type::v1::MUSCLE_GRACILIS) {
      return true;
    }
  }
  return false;
}

bool Hard(const v1::RunPrescription& run) {
  return run.type() == type::v1::RUN_TYPE_INTERVALS ||
         run.type() == type::v1::RUN_TYPE_SPRINTS ||
         run.type() == type::v1::RUN_TYPE_HILL_REPEATS;
}

// The slot the exercise fills: a substitute fills its original's slot.
int SlotOf(const v1::PrescribedExercise& e, const ExerciseCatalog& catalog) {
  const CatalogExercise* as = catalog.Find(
      e.substitutes_for().empty() ? e.exercise_id() : e.substitutes_for());
  return as == nullptr ? 0 : as->slot();
}

int VariantIndex(const CatalogExercise& exercise, const std::string& variant) {
  for (int i = 0; i < exercise.ladder_size(); ++i) {
    if (exercise.ladder(i).variant() == variant) {
      return i;
    }
  }
  return -1;
}

// How `after` compares with `before` on the ladder's first two rungs: a
// different variant, else a different load, decides (true: harder);
// nullopt when both are the same and the dose decides.
std::optional<bool> VariantOrLoadDecides(const CatalogExercise& exercise,
                                         const v1::PrescribedExercise& before,
                                         const v1::PrescribedExercise& after) {
  const int vb = VariantIndex(exercise, before.variant());
  const int va = VariantIndex(exercise, after.variant());
  if (va != vb) {
    return va > vb;
  }
  if (after.load().value() != before.load().value()) {
    return after.load().value() > before.load().value();
  }
  return std::nullopt;
}

// Whether `after` is a harder prescription than `before`.
bool Harder(const CatalogExercise& exercise,
            const v1::PrescribedExercise& before,
            const v1::PrescribedExercise& after) {
  if (auto decided = VariantOrLoadDecides(exercise, before, after)) {
    return *decided;
  }
  return (after.reps() > before.reps() ||
          after.hold_seconds() > before.hold_seconds() ||
          after.tempo().eccentric_seconds() >
              before.tempo().eccentric_seconds() ||
          after.sets() > before.sets()) &&
         after.reps() >= before.reps() &&
         after.hold_seconds() >= before.hold_seconds();
}

// Whether `after` is no easier than `before`: a harder variant, or the
// same one with no less load, and at the same load no fewer reps, no
// shorter hold or lowering and no fewer sets.
bool NotEasier(const CatalogExercise& exercise,
               const v1::PrescribedExercise& before,
               const v1::PrescribedExercise& after) {
  if (auto decided = VariantOrLoadDecides(exercise, before, after)) {
    return *decided;
  }
  return after.reps() >= before.reps() &&
         after.hold_seconds() >= before.hold_seconds() &&
         after.tempo().eccentric_seconds() >=
             before.tempo().eccentric_seconds() &&
         after.sets() >= before.sets();
}

// Whether the user has the equipment for a loaded step of `exercise`.
bool CanLoad(const CatalogExercise& exercise, const EquipmentSet& have) {
  for (const auto& step : exercise.ladder()) {
    if (step.loaded() && Allows(step.equipment_options(), have)) {
      return true;
    }
  }
  return false;
}

// The longest run before the plan: the inputs' running base, or for a plan
// stored before it was recorded, the running level's usual run.
double BaselineLongestRun(const PlanInputs& inputs) {
  if (inputs.running_base().longest_minutes() > 0) {
    return inputs.running_base().longest_minutes();
  }
  switch (inputs.running_level()) {
    case v1::RUNNING_LEVEL_REGULAR:
      return 35;
    case v1::RUNNING_LEVEL_CASUAL:
      return 25;
    default:
      return 15;
  }
}

}  // namespace

std::vector<std::string> CheckCoachingRules(
    const v1::Plan& plan, const ExerciseCatalog& catalog,
    const PlanInputs& inputs,
    const google::protobuf::RepeatedPtrField<Adjustment>& adjustments) {
  std::vector<std::string> broken;
  const auto fail = [&](const std::string& where, const std::string& what) {
    broken.push_back(absl::StrCat(where, ": ", what));
  };
  const EquipmentSet have = EquipmentOf(inputs.equipment());
  if (plan.weeks_size() != 8) {
    fail("plan", "must have 8 program weeks");
    return broken;
  }
  std::vector<v1::PlanWeek> weeks(plan.weeks().begin(), plan.weeks().end());
  weeks.push_back(plan.maintenance());

  // Every run with its date, for the 30-day longest-run rule.
  std::vector<std::pair<absl::CivilDay, int>> runs;
  std::map<int, int> weekly_minutes;
  // Before the plan: the weekly minutes logged, else the usual run on
  // each of week 1's run days; never under 5 minutes a run day.
  int first_week_runs = 0;
  for (const auto& s : plan.weeks(0).sessions()) {
    first_week_runs += s.has_run() ? 1 : 0;
  }
  weekly_minutes[-1] = weekly_minutes[0] =
      inputs.running_base().weekly_minutes() > 0
          ? std::max(inputs.running_base().weekly_minutes(),
                     5 * first_week_runs)
          : static_cast<int>(BaselineLongestRun(inputs)) * first_week_runs;

  // Running safety (domain.md, "Running that starts from the runner").
  const double bmi =
      inputs.body_weight_kg() / std::pow(inputs.height_cm() / 100, 2);
  const v1::RunningBase& base = inputs.running_base();
  const bool recorded = base.longest_minutes() > 0;
  const bool has_base =
      recorded ? base.has_base()
               : inputs.running_level() == v1::RUNNING_LEVEL_REGULAR;
  const bool needs_low_impact =
      bmi >= 30 || inputs.age_years() >= 60 ||
      (inputs.running_level() == v1::RUNNING_LEVEL_NONE && !has_base);
  // Who cannot run 10 minutes (by the logs or their word) run-walks.
  const bool run_walk =
      recorded && base.source() != v1::RunningBase::SOURCE_RUNNING_LEVEL
          ? base.longest_minutes() < 10
          : inputs.running_level() == v1::RUNNING_LEVEL_NONE;
  if (recorded && (base.typical_minutes() > base.longest_minutes() ||
                   base.typical_minutes() < 1)) {
    fail("running base", "typical run outside 1 min to the longest");
  }
  if (base.source() == v1::RunningBase::SOURCE_LOGGED_RUNS &&
      base.has_base() != (base.runs() >= 8)) {
    fail("running base", "a base is 8 or more runs in 30 days");
  }
  int base_weeks = has_base ? 4 : 0;
  int previous_repeats = 0;

  for (const v1::PlanWeek& week : weeks) {
    const bool maintenance = week.phase() == v1::PHASE_MAINTENANCE;
    int runs_this_week = 0;
    const std::string w =
        maintenance ? "maintenance" : absl::StrCat("week ", week.week_number());
    if (week.why().empty()) {
      fail(w, "has no why");
    }
    int adductor_sessions = 0, heavy = 0, minutes = 0;
    std::set<absl::CivilDay> strength_days;
    for (const auto& session : week.sessions()) {
      const std::string s = absl::StrCat(w, " ", session.id());
      if (!session.exercises().empty()) {
        strength_days.insert(Day(session.date()));
      }
      if (session.why().rule().empty() || session.why().text().empty()) {
        fail(s, "has no why");
      }
      int previous_slot = 0;
      bool adductors = false, compound = false;
      for (const auto& e : session.exercises()) {
        const CatalogExercise* exercise = catalog.Find(e.exercise_id());
        if (exercise == nullptr) {
          fail(s, absl::StrCat("unknown exercise ", e.exercise_id()));
          continue;
        }
        const int slot = SlotOf(e, catalog);
        if (slot < previous_slot) {
          fail(s,
               "order must be compound, then Copenhagen work, then isolation");
        }
        previous_slot = slot;
        adductors = adductors || LoadsAdductors(*exercise);
        compound = compound || slot == internal::plan::v1::SLOT_COMPOUND;
        const int variant = VariantIndex(*exercise, e.variant());
        // Heavy by the step done (domain.md, "Heavy"), checked against
        // the catalog rather than the prescription's own flag.
        heavy += variant >= 0 && exercise->ladder(variant).heavy() ? 1 : 0;
        if (variant < 0 || !Allows(exercise->equipment_options(), have) ||
            !Allows(exercise->ladder(variant).equipment_options(), have)) {
          fail(s, absl::StrCat(e.exercise_id(), " (", e.variant(),
                               ") needs equipment the user lacks"));
        }
        // A substitute needs a reason: missing equipment, or the user's
        // own swap covering this week.
        const bool swapped = std::any_of(
            adjustments.begin(), adjustments.end(), [&](const Adjustment& a) {
              return a.kind() == Adjustment::KIND_SWAP &&
                     a.substitute_id() == e.exercise_id() &&
                     week.week_number() >= a.week_number() &&
                     (a.last_week_number() == 0 ||
                      week.week_number() <= a.last_week_number());
            });
        if (!e.substitutes_for().empty() && !swapped &&
            Allows(catalog.Find(e.substitutes_for())->equipment_options(),
                   have)) {
          fail(s, absl::StrCat(e.exercise_id(), " substitutes for ",
                               e.substitutes_for(), " without need"));
        }
        if (e.why().rule().empty() || e.why().text().empty()) {
          fail(s, absl::StrCat(e.exercise_id(), " has no why"));
        }
        if (e.sets() < 1 || (e.reps() < 1 && e.hold_seconds() < 1) ||
            e.reps() > 100) {
          fail(s, absl::StrCat(e.exercise_id(), " has no valid dose"));
        }
      }
      if (adductors) {
        ++adductor_sessions;
        if (!compound) {
          fail(s,
               "an inner-thigh-only session: adductor work must sit in a "
               "lower-body session with a compound lift");
        }
      }
      if (session.has_run()) {
        minutes += session.run().minutes();
        if (session.run().why().text().empty()) {
          fail(s, "run has no why");
        }
        runs.emplace_back(Day(session.date()), session.run().minutes());
        ++runs_this_week;
        const v1::RunPrescription& run = session.run();
        if (Hard(run) && strength_days.contains(Day(session.date()) - 1)) {
          fail(s, "hard run the day after a heavy lower-body session");
        }
        if (Hard(run) && !session.exercises().empty()) {
          fail(s, "hard run in the same session as strength work");
        }
        // Segments an app can time: they add up to the minutes (within
        // one), with one work segment per repetition.
        int segment_seconds = 0, work_segments = 0;
        for (const auto& segment : run.segments()) {
          segment_seconds += segment.seconds();
          work_segments +=
              segment.kind() == v1::PlannedRunSegment::KIND_WORK ? 1 : 0;
          if (segment.seconds() < 1 || segment.effort() < 1 ||
              segment.effort() > 10) {
            fail(s, "a run segment without time or effort");
          }
        }
        if (segment_seconds > run.minutes() * 60 ||
            segment_seconds < run.minutes() * 60 - 60 ||
            work_segments != run.repetitions()) {
          fail(s, absl::StrCat("run segments (", segment_seconds, " s, ",
                               work_segments, " work) do not match ",
                               run.minutes(), " min and ", run.repetitions(),
                               " repetitions"));
        }
        // A yes in the readiness check: easy and low-impact only.
        if (inputs.readiness_yes_answers() > 0 &&
            (Hard(run) || !run.low_impact() || run.modality().empty())) {
          fail(s,
               "after a yes in the readiness check, runs are easy and "
               "low-impact");
        }
        if (Hard(run) && base_weeks < 4) {
          fail(s, absl::StrCat("hard run after only ", base_weeks,
                               " weeks of running twice a week"));
        }
        if (Hard(run)) {
          const int first_max = previous_repeats == 0 ? 6 : 10;
          if (run.repetitions() < 4 || run.repetitions() > first_max ||
              (previous_repeats > 0 &&
               run.repetitions() > previous_repeats + 2)) {
            fail(s, absl::StrCat(run.repetitions(), " repeats after ",
                                 previous_repeats,
                                 " (start 4-6, add 1-2 a "
                                 "week, at most 10)"));
          }
          previous_repeats = run.repetitions();
          if (needs_low_impact &&
              (!run.low_impact() || run.modality().empty())) {
            fail(s, "hard efforts must be low-impact for this user");
          }
        }
        // Week 1 starts at or below the typical run.
        if (week.week_number() == 1 && recorded &&
            run.minutes() > std::max(5, base.typical_minutes())) {
          fail(s, absl::StrCat(run.minutes(), " min in week 1, over the ",
                               base.typical_minutes(), " min typical run"));
        }
        if (!Hard(run) && run_walk && week.week_number() <= 4 &&
            (!run.run_walk() || run.repetitions() < 1 ||
             run.work_seconds() < 1 || run.recovery_seconds() < 1)) {
          fail(s, "a new runner's run must be a timed run-walk");
        }
      }
    }
    int hard_runs = 0;
    for (const auto& session : week.sessions()) {
      hard_runs += session.has_run() && Hard(session.run()) ? 1 : 0;
    }
    if (hard_runs > 0 && runs_this_week - hard_runs < 1) {
      fail(w, "a hard session with no easy run beside it that week");
    }
    base_weeks += runs_this_week >= 2 ? 1 : 0;
    if (!maintenance && adductor_sessions < 2) {
      fail(w, "fewer than 2 adductor sessions");
    }
    if (maintenance && heavy < 1) {
      fail(w, "no heavy adductor movement in maintenance");
    }
    if (minutes != week.running_minutes()) {
      fail(w, "running_minutes does not add up");
    }
    const int n = maintenance ? 9 : week.week_number();
    weekly_minutes[n] = minutes;
    if (minutes > weekly_minutes[n - 2] * 1.3 + 1e-9) {
      fail(w, absl::StrCat("running minutes rose over 30% in two weeks (",
                           weekly_minutes[n - 2], " -> ", minutes, ")"));
    }
  }

  // No run over 110% of the longest in the previous 30 days (the running
  // level's usual run stands in before the plan).
  for (const auto& [day, minutes] : runs) {
    double longest = BaselineLongestRun(inputs);
    for (const auto& [other_day, other_minutes] : runs) {
      if (other_day < day && day - other_day <= 30) {
        longest = std::max<double>(longest, other_minutes);
      }
    }
    if (minutes > longest * 1.1 + 1e-9) {
      fail(absl::StrCat("run on day ", day - Day(plan.start_date())),
           absl::StrCat(minutes, " min is over 110% of the longest recent (",
                        longest, ")"));
    }
  }

  // Phase content, variant steps and no regression (domain.md, "The 8-week
  // program and after"), week by week against the week before, each
  // strength session against the same session (A, B, ...) of last week.
  const auto adjusted = [&](int week, const std::string& id) {
    return std::any_of(
        adjustments.begin(), adjustments.end(), [&](const Adjustment& a) {
          return a.week_number() <= week &&
                 a.kind() != Adjustment::KIND_CALORIES &&
                 (a.exercise_id().empty() || a.exercise_id() == id ||
                  a.substitute_id() == id);
        });
  };
  const auto strength_sessions = [](const v1::PlanWeek& week) {
    std::vector<const v1::PlannedSession*> out;
    for (const auto& session : week.sessions()) {
      if (!session.exercises().empty()) {
        out.push_back(&session);
      }
    }
    return out;
  };
  for (int i = 0; i < 8; ++i) {
    const int number = i + 1;
    const std::string w = absl::StrCat("week ", number);
    const auto now = strength_sessions(weeks[i]);
    const auto before = i > 0 ? strength_sessions(weeks[i - 1])
                              : std::vector<const v1::PlannedSession*>{};
    for (size_t k = 0; k < now.size(); ++k) {
      const v1::PlannedSession& session = *now[k];
      const std::string s = absl::StrCat(w, " ", session.id());
      bool copenhagen = false, isolation = false;
      for (const auto& e : session.exercises()) {
        const CatalogExercise* exercise = catalog.Find(e.exercise_id());
        if (exercise == nullptr) {
          continue;
        }
        const int slot = SlotOf(e, catalog);
        copenhagen = copenhagen || slot == internal::plan::v1::SLOT_COPENHAGEN;
        if (slot == internal::plan::v1::SLOT_ISOLATION) {
          isolation = true;
          if (e.reps() < 15 || e.reps() > 20) {
            fail(s, absl::StrCat(e.exercise_id(), " at ", e.reps(),
                                 " reps: isolation is 15-20"));
          }
        }
        if (e.rest_seconds() < 30) {
          fail(s, absl::StrCat(e.exercise_id(), " rests under 30 s"));
        }
        const v1::PrescribedExercise* last = nullptr;
        if (k < before.size()) {
          for (const auto& b : before[k]->exercises()) {
            last = b.exercise_id() == e.exercise_id() ? &b : last;
          }
        }
        if (last == nullptr || adjusted(number, e.exercise_id())) {
          continue;
        }
        if (!NotEasier(*exercise, *last, e)) {
          fail(s, absl::StrCat(e.exercise_id(), " is easier than last week (",
                               last->ShortDebugString(), ")"));
        }
        if (absl::StrContains(e.progression(), "+1 set") &&
            e.sets() <= last->sets()) {
          fail(s, absl::StrCat(e.exercise_id(), " says +1 set without one"));
        }
        const int variant = VariantIndex(*exercise, last->variant());
        const bool can_step =
            variant >= 0 && variant + 1 < exercise->ladder_size() &&
            Allows(exercise->ladder(variant + 1).equipment_options(), have);
        // Weeks 3-4 add resistance: load where the equipment allows.
        const bool resistance = (number == 3 || number == 4) &&
                                (e.exercise_id() == "sumo_squat" ||
                                 e.exercise_id() == "lateral_lunge") &&
                                CanLoad(*exercise, have);
        if (resistance && !(e.has_load() &&
                            (e.load().value() > last->load().value() ||
                             VariantIndex(*exercise, e.variant()) > variant))) {
          fail(s, absl::StrCat(e.exercise_id(),
                               " gains no resistance in weeks 3-4"));
        }
        // At the top of its reps, a loaded step moves up the ladder.
        const bool top = exercise->dosing().reps_max() > 0 &&
                         last->reps() >= exercise->dosing().reps_max();
        if (number >= 5 && top && can_step && last->has_load() &&
            VariantIndex(*exercise, e.variant()) <= variant) {
          fail(s, absl::StrCat(e.exercise_id(),
                               " at the top of its reps did "
                               "not move to the harder "
                               "variant"));
        }
      }
      if (!copenhagen) {
        fail(s, "no Copenhagen work: it is never dropped");
      }
      if (number >= 5 && !isolation) {
        fail(s, "weeks 5-8 add high-volume isolation to every session");
      }
      if (session.estimated_minutes() > inputs.session_minutes() &&
          session.why().rule() != "session_length") {
        fail(s, absl::StrCat("about ", session.estimated_minutes(),
                             " min against ", inputs.session_minutes(),
                             " without saying so"));
      }
    }
  }
  // Advanced users reach the Copenhagen plank with pulses.
  if (inputs.experience_level() == type::v1::EXPERIENCE_LEVEL_ADVANCED &&
      adjustments.empty()) {
    bool pulses = false;
    for (const auto& session : weeks[7].sessions()) {
      for (const auto& e : session.exercises()) {
        pulses = pulses || e.variant() == "foot_with_pulses";
      }
    }
    if (!pulses) {
      fail("week 8",
           "an advanced user never reached the Copenhagen plank "
           "with pulses");
    }
  }

  // Every program week something progresses, unless the week was held.
  for (int i = 1; i < 8; ++i) {
    bool held = false;
    for (const Adjustment& a : adjustments) {
      held = held || (a.week_number() == i + 1 &&
                      a.kind() != Adjustment::KIND_CALORIES);
    }
    if (held) {
      continue;
    }
    bool progressed = false;
    for (const auto& now : weeks[i].sessions()) {
      for (const auto& e : now.exercises()) {
        for (const auto& before_session : weeks[i - 1].sessions()) {
          for (const auto& b : before_session.exercises()) {
            if (b.exercise_id() == e.exercise_id() &&
                Harder(*catalog.Find(e.exercise_id()), b, e)) {
              progressed = true;
            }
          }
        }
      }
    }
    if (!progressed) {
      fail(absl::StrCat("week ", i + 1), "nothing progressed");
    }
  }

  // Nutrition: protein 0.8-1.0 g/lb, 200-300 kcal deficit from Mifflin-St
  // Jeor x an activity factor of 1.2-1.9, water up to 4 litres.
  // From a BMI of 30 on the weight at BMI 25 for the height.
  const auto& n = plan.nutrition();
  const double metres = inputs.height_cm() / 100;
  const bool obese = inputs.body_weight_kg() / (metres * metres) >= 30;
  const double pounds =
      (obese ? 25 * metres * metres : inputs.body_weight_kg()) * kLbPerKg;
  if (n.protein_basis() != (obese ? v1::PROTEIN_BASIS_ADJUSTED_BODY_WEIGHT
                                  : v1::PROTEIN_BASIS_BODY_WEIGHT) ||
      n.protein_grams_min() < std::floor(pounds * 0.8) ||
      n.protein_grams_max() > std::ceil(pounds * 1.0) ||
      n.protein_grams_min() > n.protein_grams_max()) {
    fail("nutrition", obese ? "protein must be 0.8-1.0 g per lb of the "
                              "weight at BMI 25"
                            : "protein must be 0.8-1.0 g per lb of body "
                              "weight");
  }
  if (n.water_ml() > 4000) {
    fail("nutrition", "water is capped at 4 litres");
  }
  const double bmr = 10 * inputs.body_weight_kg() + 6.25 * inputs.height_cm() -
                     5 * inputs.age_years() +
                     (inputs.sex() == account::v1::SEX_MALE ? 5 : -161);
  // Re-estimates from the logs (in order): each moves the target at most
  // 150 kcal, never above maintenance, and toward 200-300 below it.
  int target = 0;
  int maintenance = 0;
  for (const Adjustment& a : adjustments) {
    if (a.kind() != Adjustment::KIND_CALORIES) {
      continue;
    }
    if (target > 0 && (std::abs(a.target_kcal() - target) > 150 ||
                       a.target_kcal() > a.maintenance_kcal() ||
                       (a.maintenance_kcal() - a.target_kcal() > 300 &&
                        a.target_kcal() - target != 150))) {
      fail("nutrition", absl::StrCat("calorie target moved from ", target,
                                     " to ", a.target_kcal(), " (maintenance ",
                                     a.maintenance_kcal(), ")"));
    }
    target = a.target_kcal();
    maintenance = a.maintenance_kcal();
  }
  if (maintenance > 0) {
    if (n.maintenance_kcal() != maintenance || n.target_kcal() != target) {
      fail("nutrition", "targets are not the latest re-estimate");
    }
  } else {
    if (n.maintenance_kcal() < bmr * 1.2 - 1 ||
        n.maintenance_kcal() > bmr * 1.9 + 1) {
      fail("nutrition", "maintenance is not Mifflin-St Jeor x 1.2-1.9");
    }
    const int deficit = n.maintenance_kcal() - n.target_kcal();
    if (deficit < 200 || deficit > 300) {
      fail("nutrition",
           absl::StrCat("deficit ", deficit, " is outside 200-300"));
    }
  }
  if (n.water_ml() <= 0 || n.why_size() < 3) {
    fail("nutrition", "needs a water target and a why for each target");
  }
  bool spot = false, doctor = false;
  for (const auto& why : plan.why()) {
    spot = spot || why.rule() == "no_spot_reduction";
    doctor = doctor || (why.rule() == "readiness_check" &&
                        absl::StrContains(why.text(), "doctor"));
  }
  if (inputs.readiness_yes_answers() > 0 && !doctor) {
    fail("plan", "a yes in the readiness check must suggest a doctor first");
  }
  if (!spot) {
    fail("plan", "must state that there is no spot reduction");
  }
  return broken;
}

}  // namespace gracilis::plan
