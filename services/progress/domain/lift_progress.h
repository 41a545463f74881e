#pragma once

// Strength measures of one week (domain.md, "What the product measures"):
// per lift the Epley estimated 1RM from sets of 10 reps or fewer, the rep
// record at the heaviest load for higher-rep work, the best hold for planks
// and the volume load; the trend against earlier weeks, "stalled" after two
// or more weeks without progress, with one concrete suggestion; and the
// adductor sessions that count toward the frequency goal. Pure and
// deterministic: loads are the stored load_kg.

#include <string>
#include <vector>

#include "gracilis/progress/v1/progress.pb.h"
#include "gracilis/workout/v1/workout.pb.h"
#include "services/plan/domain/catalog.h"

namespace gracilis::progress {

// Workouts of a week, by pointer into the history they were picked from.
using WorkoutRefs = std::vector<const workout::v1::Workout*>;

// Epley is trusted for 1-10 reps; higher-rep work is tracked as rep records.
inline constexpr int kMaxRepsForOneRepMax = 10;
// No progress for this many weeks in a row is a stall (domain.md).
inline constexpr int kStallWeeks = 2;
// Stalls this long or longer call for a deload rather than a small step.
inline constexpr int kDeloadAfterWeeks = 4;

// load x (1 + reps / 30); a single rep is the load itself. 0 outside 1-10
// reps or without load.
double EpleyOneRepMaxKg(int reps, double load_kg);

// One lift's measures from its sets of one week (trend fields unset).
// Loads are reported in kilograms.
v1::LiftProgress MeasureLift(const std::string& exercise_id,
                             const std::vector<workout::v1::StrengthSet>& sets);

// Whether `week` beat `before` on any measure the lift has: a higher 1RM
// estimate, more reps at the same or a heavier record load, a longer hold.
bool Progressed(const v1::LiftProgress& before, const v1::LiftProgress& week);

// Fills trend, weeks_without_progress, stalled and suggestion of `week`
// from the same lift's previous week (nullptr: first week with data).
void ApplyTrend(const v1::LiftProgress* previous, v1::LiftProgress& week);

// Per exercise id, in id order, the lifts of the week's workouts (finished
// ones only; abandoned and active workouts do not count).
std::vector<v1::LiftProgress> MeasureLifts(const WorkoutRefs& workouts);

// Finished workouts with at least one set of an exercise that loads an
// inner-thigh muscle (pectineus, adductors, gracilis); `heavy_only` counts
// only those with a set of a heavy exercise (the maintenance goal).
int AdductorSessions(const WorkoutRefs& workouts,
                     const plan::ExerciseCatalog& catalog, bool heavy_only);

}  // namespace gracilis::progress
