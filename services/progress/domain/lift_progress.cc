#include "services/progress/domain/lift_progress.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "common/units/units.h"

namespace gracilis::progress {
namespace {

using workout::v1::StrengthSet;
using workout::v1::Workout;

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

double RoundTenth(double value) { return std::round(value * 10) / 10; }

// Domain.md, "Heavy": by the ladder step done (a loaded compound adductor
// lift, or the long-lever Copenhagen plank); a set without a known variant
// counts when a heavy-capable lift carried a load.
bool Heavy(const plan::CatalogExercise& exercise, const StrengthSet& set) {
  for (const auto& step : exercise.ladder()) {
    if (step.variant() == set.variant()) {
      return step.heavy();
    }
  }
  return exercise.heavy() && set.load_kg() > 0;
}

v1::ProgressDimension ToApi(coaching::Dimension dimension) {
  switch (dimension) {
    case coaching::Dimension::kVariant:
      return v1::PROGRESS_DIMENSION_VARIANT;
    case coaching::Dimension::kLoad:
      return v1::PROGRESS_DIMENSION_LOAD;
    case coaching::Dimension::kReps:
      return v1::PROGRESS_DIMENSION_REPS;
    case coaching::Dimension::kHold:
      return v1::PROGRESS_DIMENSION_HOLD;
    case coaching::Dimension::kTempo:
      return v1::PROGRESS_DIMENSION_TEMPO;
    case coaching::Dimension::kSets:
      return v1::PROGRESS_DIMENSION_SETS;
    default:
      return v1::PROGRESS_DIMENSION_UNSPECIFIED;
  }
}

}  // namespace

type::v1::Mass MassIn(double kg, type::v1::MassUnit unit) {
  type::v1::Mass mass;
  const bool pounds = unit == type::v1::MASS_UNIT_POUND;
  mass.set_value(RoundTenth(pounds ? kg * kLbPerKg : kg));
  mass.set_unit(pounds ? type::v1::MASS_UNIT_POUND
                       : type::v1::MASS_UNIT_KILOGRAM);
  return mass;
}

int VariantRank(const plan::ExerciseCatalog& catalog,
                const std::string& exercise_id, const std::string& variant) {
  const plan::CatalogExercise* exercise = catalog.Find(exercise_id);
  if (exercise == nullptr) {
    return 0;
  }
  for (int i = 0; i < exercise->ladder_size(); ++i) {
    if (exercise->ladder(i).variant() == variant) {
      return i;
    }
  }
  return 0;
}

v1::LiftProgress MeasureLift(const std::string& exercise_id,
                             const std::vector<TaggedSet>& sets,
                             const plan::ExerciseCatalog& catalog,
                             type::v1::MassUnit unit) {
  v1::LiftProgress lift;
  lift.set_exercise_id(exercise_id);
  double best_one_rep_max = 0;
  double record_load = -1;
  int record_reps = 0;
  double volume = 0;
  std::vector<coaching::SetRecord> records;
  for (const TaggedSet& tagged : sets) {
    const StrengthSet& set = *tagged.set;
    const double load = set.load_kg();
    best_one_rep_max =
        std::max(best_one_rep_max, EpleyOneRepMaxKg(set.reps(), load));
    if (load > 0 && set.reps() > kMaxRepsForOneRepMax &&
        (load > record_load ||
         (load == record_load && set.reps() > record_reps))) {
      record_load = load;
      record_reps = set.reps();
    }
    // Sets done on each side count twice.
    const int sides = set.side() == type::v1::SIDE_BOTH ? 2 : 1;
    volume += sides * set.reps() * load;
    records.push_back(
        {.variant_rank = VariantRank(catalog, exercise_id, set.variant()),
         .variant = set.variant(),
         .load_kg = load,
         .reps = set.reps(),
         .hold_seconds = set.hold_seconds(),
         .tempo_seconds = set.tempo().eccentric_seconds(),
         .session = tagged.workout});
  }
  if (best_one_rep_max > 0) {
    *lift.mutable_estimated_one_rep_max() = MassIn(best_one_rep_max, unit);
    lift.set_estimated_one_rep_max_kg(RoundTenth(best_one_rep_max));
  }
  if (record_reps > 0) {
    lift.set_rep_record_reps(record_reps);
    *lift.mutable_rep_record_load() = MassIn(record_load, unit);
  }
  lift.set_volume_load_kg(RoundTenth(volume));
  if (const auto best = coaching::PerformanceOf(records)) {
    lift.set_variant(best->variant);
    if (best->load_kg > 0) {
      *lift.mutable_top_load() = MassIn(best->load_kg, unit);
      lift.set_top_load_kg(best->load_kg);
    }
    lift.set_best_reps(best->reps);
    lift.set_best_hold_seconds(best->hold_seconds);
    lift.set_slowest_tempo_seconds(best->tempo_seconds);
    lift.set_sets(best->sets);
  }
  return lift;
}

coaching::LiftPerformance PerformanceOf(const v1::LiftProgress& lift,
                                        const plan::ExerciseCatalog& catalog) {
  return {
      .variant_rank = VariantRank(catalog, lift.exercise_id(), lift.variant()),
      .variant = lift.variant(),
      .load_kg = lift.top_load_kg(),
      .reps = lift.best_reps(),
      .hold_seconds = lift.best_hold_seconds(),
      .tempo_seconds = lift.slowest_tempo_seconds(),
      .sets = lift.sets()};
}

void ApplyTrend(const v1::LiftProgress* previous, v1::LiftProgress& week,
                const plan::ExerciseCatalog& catalog, type::v1::MassUnit unit) {
  // A lift stored before the best work was recorded (no sets) cannot be
  // compared: this week is its baseline again.
  if (previous != nullptr && previous->sets() == 0) {
    previous = nullptr;
  }
  const bool pounds = unit == type::v1::MASS_UNIT_POUND;
  const coaching::LiftPerformance now = PerformanceOf(week, catalog);
  coaching::Comparison comparison;
  if (previous == nullptr) {
    week.set_trend(v1::LIFT_TREND_NEW);
    week.set_progress("baseline: the first week with this lift");
  } else {
    comparison =
        coaching::Compare(PerformanceOf(*previous, catalog), now, pounds);
    week.set_progress_dimension(ToApi(comparison.improved));
    if (comparison.improved != coaching::Dimension::kNone) {
      week.set_trend(v1::LIFT_TREND_UP);
      week.set_progress(comparison.text);
    } else if (coaching::DeloadDue(previous->weeks_without_progress())) {
      week.set_trend(comparison.regressed ? v1::LIFT_TREND_DOWN
                                          : v1::LIFT_TREND_FLAT);
      week.set_progress("deload week: lighter on purpose, then build back up");
    } else {
      week.set_trend(comparison.regressed ? v1::LIFT_TREND_DOWN
                                          : v1::LIFT_TREND_FLAT);
      week.set_progress(comparison.regressed ? "below the last trained week"
                                             : "same as the last trained week");
    }
  }
  week.set_weeks_without_progress(coaching::WeeksWithoutProgress(
      previous == nullptr ? 0 : previous->weeks_without_progress(),
      previous == nullptr, comparison.improved != coaching::Dimension::kNone));
  week.set_stalled(coaching::Stalled(week.weeks_without_progress()));
  week.set_suggestion(
      coaching::StallStep(now, week.weeks_without_progress(), pounds).text);
}

std::vector<v1::LiftProgress> MeasureLifts(const WorkoutRefs& workouts,
                                           const plan::ExerciseCatalog& catalog,
                                           type::v1::MassUnit unit) {
  std::map<std::string, std::vector<TaggedSet>> by_exercise;
  for (size_t i = 0; i < workouts.size(); ++i) {
    const Workout* workout = workouts[i];
    if (workout->state() != Workout::STATE_FINISHED) {
      continue;
    }
    for (const StrengthSet& set : workout->sets()) {
      by_exercise[set.exercise_id()].push_back({&set, static_cast<int>(i)});
    }
  }
  std::vector<v1::LiftProgress> lifts;
  for (const auto& [id, sets] : by_exercise) {
    lifts.push_back(MeasureLift(id, sets, catalog, unit));
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
                 (!heavy_only || Heavy(*exercise, set));
        });
    sessions += counts ? 1 : 0;
  }
  return sessions;
}

}  // namespace gracilis::progress
