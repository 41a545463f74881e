#include "services/workout/domain/prescribed_work.h"

namespace gracilis::workout {

PrescribedWork AsPrescribed(const plan::v1::PlannedSession& session) {
  PrescribedWork work;
  for (const plan::v1::PrescribedExercise& exercise : session.exercises()) {
    for (int i = 0; i < exercise.sets(); ++i) {
      v1::StrengthSet set;
      set.set_exercise_id(exercise.exercise_id());
      set.set_variant(exercise.variant());
      set.set_reps(exercise.reps());
      set.set_hold_seconds(exercise.hold_seconds());
      if (exercise.has_load()) {
        *set.mutable_load() = exercise.load();
      }
      *set.mutable_tempo() = exercise.tempo();
      if (exercise.per_side()) {
        set.set_side(type::v1::SIDE_BOTH);
      }
      work.sets.push_back(std::move(set));
    }
  }
  if (session.has_run()) {
    v1::Run run;
    run.set_type(session.run().type());
    run.set_duration_seconds(session.run().minutes() * 60);
    run.mutable_distance()->set_value(session.run().minutes() /
                                      kAssumedEasyMinutesPerKm);
    run.mutable_distance()->set_unit(type::v1::LENGTH_UNIT_KILOMETER);
    work.run = std::move(run);
  }
  return work;
}

}  // namespace gracilis::workout
