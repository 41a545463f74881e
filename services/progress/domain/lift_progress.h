#pragma once

// Strength measures of one week (domain.md, "What the product measures" and
// "Judging progress"): per lift its best work (hardest variant, heaviest
// load, most reps at it, longest hold, slowest lowering, most sets in one
// workout), the Epley estimated 1RM from loaded sets of 10 reps or fewer,
// the rep record for higher-rep loaded work, and the volume load; against
// the week before, which dimension moved and by how much; "stalled" and the
// one concrete step from the shared coaching rules (coaching/). Adductor
// sessions toward the frequency goal. Pure and deterministic: loads are the
// stored load_kg; masses are shown in the user's unit.

#include <string>
#include <vector>

#include "coaching/progress_rules.h"
#include "gracilis/progress/v1/progress.pb.h"
#include "gracilis/workout/v1/workout.pb.h"
#include "services/plan/domain/catalog.h"

namespace gracilis::progress {

// Workouts of a week, by pointer into the history they were picked from.
using WorkoutRefs = std::vector<const workout::v1::Workout*>;

using coaching::EpleyOneRepMaxKg;
using coaching::kDeloadAfterWeeks;
using coaching::kMaxRepsForOneRepMax;
using coaching::kStallWeeks;

// `kg` as a Mass in `unit` (kilograms unless pounds), to 0.1.
type::v1::Mass MassIn(double kg, type::v1::MassUnit unit);

// Position of `variant` on the exercise's catalog ladder; 0 when unknown.
int VariantRank(const plan::ExerciseCatalog& catalog,
                const std::string& exercise_id, const std::string& variant);

// One lift's measures from its sets of one week, each tagged with the
// workout it was done in (trend fields unset).
struct TaggedSet {
  const workout::v1::StrengthSet* set;
  int workout;
};
v1::LiftProgress MeasureLift(const std::string& exercise_id,
                             const std::vector<TaggedSet>& sets,
                             const plan::ExerciseCatalog& catalog,
                             type::v1::MassUnit unit);

// The best work a measured lift records, for the coaching rules.
coaching::LiftPerformance PerformanceOf(const v1::LiftProgress& lift,
                                        const plan::ExerciseCatalog& catalog);

// Fills trend, progress, weeks_without_progress, stalled and suggestion of
// `week` from the same lift's last trained week (nullptr: first week with
// data, a baseline).
void ApplyTrend(const v1::LiftProgress* previous, v1::LiftProgress& week,
                const plan::ExerciseCatalog& catalog, type::v1::MassUnit unit);

// Per exercise id, in id order, the lifts of the week's workouts (finished
// ones only; abandoned and active workouts do not count).
std::vector<v1::LiftProgress> MeasureLifts(const WorkoutRefs& workouts,
                                           const plan::ExerciseCatalog& catalog,
                                           type::v1::MassUnit unit);

// Finished workouts with at least one set of an exercise that loads an
// inner-thigh muscle (pectineus, adductors, gracilis); `heavy_only` counts
// only those with a heavy set (the maintenance goal): a heavy ladder step
// (goblet or deficit squat, sumo deadlift, long-lever Copenhagen plank).
int AdductorSessions(const WorkoutRefs& workouts,
                     const plan::ExerciseCatalog& catalog, bool heavy_only);

}  // namespace gracilis::progress
