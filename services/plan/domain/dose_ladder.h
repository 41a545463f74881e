#pragma once

// One exercise's dose and the ladder it climbs (domain fact 4 and "Variants
// are part of the ladder"): reps, then load or the next variant, then a
// slower lowering, then a set; and the deload. Shared by the generator,
// which climbs it week by week, and the adaptation, which starts it again
// from what was logged.

#include <optional>

#include "coaching/progress_rules.h"
#include "gracilis/internal/plan/v1/plan_record.pb.h"
#include "gracilis/plan/v1/plan.pb.h"
#include "services/plan/domain/catalog.h"

namespace gracilis::plan {

// One exercise's prescription in a week.
struct Dose {
  int variant = 0;  // index on the exercise's ladder
  int sets = 0;
  int reps = 0;
  double load = 0;  // in the user's unit; 0 when unloaded
  int hold = 0;
  int tempo = 0;  // lowering seconds; 0 when not prescribed
};

class DoseLadder {
 public:
  DoseLadder(const CatalogExercise& exercise,
             const internal::plan::v1::PlanInputs& inputs,
             const EquipmentSet& have)
      : exercise_(exercise), inputs_(inputs), have_(have) {}

  // Week 1's dose.
  Dose Start() const;
  // One week's progression, by the ladder: reps, then load or the harder
  // variant (a loaded one at the top of its reps moves up when the
  // equipment allows: goblet -> deficit), then slower lowering, then a set.
  // Unchanged when everything is at its top.
  Dose Next(Dose dose) const;
  // One week's progression into a week of `phase` (domain.md, "The 8-week
  // program"): weeks 3-4 add resistance first (+5 lb / +2.5 kg, or the
  // first loaded variant the equipment allows, or +5 s on a hold); when a
  // phase starts, an advanced user's hold moves to the harder variant.
  // Otherwise Next.
  Dose NextInPhase(Dose dose, v1::Phase phase, bool phase_starts) const;
  // One step back down the ladder (Next's inverse): a set, then the
  // lowering, reps, hold, load, then the easier variant; nullopt at the
  // bottom.
  std::optional<Dose> Previous(Dose dose) const;
  // About 10% easier: load, else reps, else hold time.
  Dose Deload(Dose dose) const;
  // `dose`, or the first heavy step above it the equipment allows, started
  // at its first dose (maintenance keeps a heavy movement every week).
  Dose AtLeastHeavy(Dose dose) const;
  // A stalled lift's micro-step (coaching::StallStep) on `dose`.
  Dose Apply(Dose dose, const coaching::MicroStep& step) const;

  // +2.5 kg or +5 lb, in the user's unit.
  double LoadStep() const;
  bool pounds() const;

  // Conversions. A logged variant the user has no equipment for becomes the
  // hardest one they have; loads are rounded to the user's load step; reps
  // are capped at 100 (the contract's limit for a prescription).
  Dose FromLogged(const v1::LoggedWork& logged) const;
  Dose FromPrescribed(const v1::PrescribedExercise& prescribed) const;
  Dose FromRecord(const internal::plan::v1::Dose& record) const;
  internal::plan::v1::Dose ToRecord(const Dose& dose) const;
  coaching::LiftPerformance PerformanceOf(const Dose& dose) const;

 private:
  bool CanStep(int variant) const;
  // The next variant, its dose restarted lower: a loaded step keeps the
  // load it had, a first loaded one starts at the start load.
  Dose StepUp(Dose dose) const;
  int VariantIndex(const std::string& variant) const;
  double StartLoad() const;
  double InKilograms(double load) const;

  const CatalogExercise& exercise_;
  const internal::plan::v1::PlanInputs& inputs_;
  const EquipmentSet& have_;
};

// "2.5 kg" / "5 lb".
std::string LoadText(double load, type::v1::MassUnit unit);

}  // namespace gracilis::plan
