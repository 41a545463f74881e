#include "services/progress/domain/lift_progress.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"

namespace gracilis::progress {
namespace {

using workout::v1::StrengthSet;
using workout::v1::Workout;

type::v1::Mass Kilograms(double kg) {
  type::v1::Mass mass;
  mass.set_value(std::round(kg * 10) / 10);
  mass.set_unit(type::v1::MASS_UNIT_KILOGRAM);
  return mass;
}

bool LoadsInnerThigh(const plan::CatalogExercise& exercise) {
  for (int muscle : exercise.muscles()) {
    switch (muscle) {
      case type::v1::MUSCLE_PECTINEUS:
      case type::v1::MUSCLE_ADDUCTOR_BREVIS:
      case type::v1::MUSCLE_ADDUCTOR_LONGUS:
      case type::v1::MUSCLE_ADDUCTOR_MAGNUS:
      case type::v1::MUSCLE_GRACILIS:
        return true;
      default:
        break;
    }
  }
  return false;
}

}  // namespace

double EpleyOneRepMaxKg(int reps, double load_kg) {
  if (reps < 1 || reps > kMaxRepsForOneRepMax || load_kg <= 0) {
    return 0;
  }
  return reps == 1 ? load_kg : load_kg * (1 + reps / 30.0);
}

v1::LiftProgress MeasureLift(const std::string& exercise_id,
                             const std::vector<StrengthSet>& sets) {
  v1::LiftProgress lift;
  lift.set_exercise_id(exercise_id);
  double best_one_rep_max = 0;
  double record_load = -1;
  int record_reps = 0;
  for (const StrengthSet& set : sets) {
    const double load = set.load_kg();
    best_one_rep_max =
        std::max(best_one_rep_max, EpleyOneRepMaxKg(set.reps(), load));
    if (set.reps() > kMaxRepsForOneRepMax &&
        (load > record_load ||
         (load == record_load && set.reps() > record_reps))) {
      record_load = load;
      record_reps = set.reps();
    }
    lift.set_best_hold_seconds(
        std::max(lift.best_hold_seconds(), set.hold_seconds()));
    // Sets done on each side count twice.
    const int sides = set.side() == type::v1::SIDE_BOTH ? 2 : 1;
    lift.set_volume_load_kg(lift.volume_load_kg() + sides * set.reps() * load);
  }
  if (best_one_rep_max > 0) {
    *lift.mutable_estimated_one_rep_max() = Kilograms(best_one_rep_max);
  }
  if (record_reps > 0) {
    lift.set_rep_record_reps(record_reps);
    *lift.mutable_rep_record_load() = Kilograms(record_load);
  }
  lift.set_volume_load_kg(std::round(lift.volume_load_kg() * 10) / 10);
  return lift;
}

bool Progressed(const v1::LiftProgress& before, const v1::LiftProgress& week) {
  if (week.estimated_one_rep_max().value() >
      before.estimated_one_rep_max().value()) {
    return true;
  }
  const double load = week.rep_record_load().value();
  const double before_load = before.rep_record_load().value();
  if (week.rep_record_reps() > 0 &&
      (load > before_load ||
       (load == before_load &&
        week.rep_record_reps() > before.rep_record_reps()))) {
    return true;
  }
  return week.best_hold_seconds() > before.best_hold_seconds();
}

void ApplyTrend(const v1::LiftProgress* previous, v1::LiftProgress& week) {
  if (previous == nullptr) {
    week.set_trend(v1::LIFT_TREND_NEW);
    week.set_weeks_without_progress(0);
    return;
  }
  if (Progressed(*previous, week)) {
    week.set_trend(v1::LIFT_TREND_UP);
    week.set_weeks_without_progress(0);
  } else {
    week.set_trend(Progressed(week, *previous) ? v1::LIFT_TREND_DOWN
                                               : v1::LIFT_TREND_FLAT);
    week.set_weeks_without_progress(previous->weeks_without_progress() + 1);
  }
  week.set_stalled(week.weeks_without_progress() >= kStallWeeks);
  if (!week.stalled()) {
    return;
  }
  // One concrete next step, by what the lift is measured in (domain.md,
  // progressive overload: +2.5 kg / +5 lb, one more rep, +5 s, slower tempo).
  if (week.weeks_without_progress() >= kDeloadAfterWeeks) {
    week.set_suggestion(
        "deload: take about 10% off for a week, then build back up");
  } else if (week.best_hold_seconds() > 0 && week.volume_load_kg() == 0) {
    week.set_suggestion("hold 5 s longer, or move to the next variant");
  } else if (week.rep_record_reps() > 0) {
    week.set_suggestion("add one rep per set at the same load");
  } else if (week.has_estimated_one_rep_max()) {
    week.set_suggestion(
        week.weeks_without_progress() == kStallWeeks
            ? "add 2.5 kg (5 lb)"
            : "keep the load and slow the lowering to 3 seconds");
  } else {
    week.set_suggestion("add one rep per set");
  }
}

std::vector<v1::LiftProgress> MeasureLifts(const WorkoutRefs& workouts) {
  std::map<std::string, std::vector<StrengthSet>> by_exercise;
  for (const Workout* workout : workouts) {
    if (workout->state() != Workout::STATE_FINISHED) {
      continue;
    }
    for (const StrengthSet& set : workout->sets()) {
      by_exercise[set.exercise_id()].push_back(set);
    }
  }
  std::vector<v1::LiftProgress> lifts;
  for (const auto& [id, sets] : by_exercise) {
    lifts.push_back(MeasureLift(id, sets));
  }
  return lifts;
}

int AdductorSessions(const WorkoutRefs& workouts,
                     const plan::ExerciseCatalog& catalog, bool heavy_only) {
  int sessions = 0;
  for (const Workout* workout : workouts) {
    if (workout->state() != Workout::STATE_FINISHED) {
      continue;
    }
    const bool counts = std::any_of(
        workout->sets().begin(), workout->sets().end(),
        [&](const StrengthSet& set) {
          const plan::CatalogExercise* exercise =
              catalog.Find(set.exercise_id());
          return exercise != nullptr && LoadsInnerThigh(*exercise) &&
                 (!heavy_only || exercise->heavy());
        });
    sessions += counts ? 1 : 0;
  }
  return sessions;
}

}  // namespace gracilis::progress
