#include "services/plan/domain/dose_ladder.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/units/units.h"
#include "services/plan/domain/coaching_rules.h"

namespace gracilis::plan {
namespace {

constexpr int kDefaultTempoSeconds = 2;
constexpr int kMaxPrescribedReps = 100;

}  // namespace

Dose DoseLadder::Start() const {
  const auto& d = exercise_.dosing();
  Dose dose;
  dose.sets = d.sets();
  dose.reps = d.reps_max() > 0 ? d.reps_min() : 0;
  dose.hold = d.hold_max_seconds() > 0 ? d.hold_start_seconds() : 0;
  dose.tempo = d.tempo_eccentric_max_seconds() > 0 ? kDefaultTempoSeconds : 0;
  // Beginners and holds start at the first step; others at the first
  // loaded step they have the equipment for.
  if (inputs_.experience_level() != type::v1::EXPERIENCE_LEVEL_BEGINNER &&
      dose.hold == 0 && CanStep(0) && exercise_.ladder(1).loaded()) {
    dose.variant = 1;
  }
  if (exercise_.ladder(dose.variant).loaded()) {
    dose.load = StartLoad();
  }
  return dose;
}

Dose DoseLadder::Next(Dose dose) const {
  const auto& d = exercise_.dosing();
  const bool loaded = exercise_.ladder(dose.variant).loaded();
  if (dose.reps > 0 && dose.reps < d.reps_max()) {
    ++dose.reps;
  } else if (dose.hold > 0 && dose.hold < d.hold_max_seconds()) {
    dose.hold =
        std::min(d.hold_max_seconds(), dose.hold + d.hold_step_seconds());
  } else if (CanStep(dose.variant)) {
    dose = StepUp(dose);
  } else if (loaded) {
    dose.load += LoadStep();
    dose.reps = d.reps_min();
  } else if (dose.tempo > 0 && dose.tempo < d.tempo_eccentric_max_seconds()) {
    ++dose.tempo;
  } else if (dose.sets < rules::kMaxSets) {
    ++dose.sets;
  }
  return dose;
}

Dose DoseLadder::NextInPhase(Dose dose, v1::Phase phase,
                             bool phase_starts) const {
  const bool loaded = exercise_.ladder(dose.variant).loaded();
  if (phase == v1::PHASE_ADD_RESISTANCE) {
    if (loaded) {
      dose.load += LoadStep();
      return dose;
    }
    if (dose.hold == 0 && CanStep(dose.variant) &&
        exercise_.ladder(dose.variant + 1).loaded()) {
      return StepUp(dose);
    }
  }
  if (phase_starts && dose.hold > 0 && CanStep(dose.variant) &&
      inputs_.experience_level() == type::v1::EXPERIENCE_LEVEL_ADVANCED) {
    return StepUp(dose);
  }
  return Next(dose);
}

Dose DoseLadder::StepUp(Dose dose) const {
  const auto& d = exercise_.dosing();
  const bool was_loaded = exercise_.ladder(dose.variant).loaded();
  ++dose.variant;
  dose.reps = dose.reps > 0 ? d.reps_min() : 0;
  dose.hold = dose.hold > 0 ? d.hold_start_seconds() : 0;
  if (!exercise_.ladder(dose.variant).loaded()) {
    dose.load = 0;
  } else if (!was_loaded) {
    dose.load = StartLoad();
  }
  return dose;
}

std::optional<Dose> DoseLadder::Previous(Dose dose) const {
  const auto& d = exercise_.dosing();
  if (dose.sets > d.sets()) {
    --dose.sets;
  } else if (dose.tempo > kDefaultTempoSeconds) {
    --dose.tempo;
  } else if (dose.reps > d.reps_min() && dose.reps > 1) {
    --dose.reps;
  } else if (dose.hold > d.hold_start_seconds()) {
    dose.hold =
        std::max(d.hold_start_seconds(), dose.hold - d.hold_step_seconds());
  } else if (exercise_.ladder(dose.variant).loaded() &&
             dose.load > LoadStep()) {
    dose.load -= LoadStep();
    dose.reps = d.reps_max() > 0 ? d.reps_max() : dose.reps;
  } else if (dose.variant > 0) {
    --dose.variant;
    dose.reps = dose.reps > 0 ? d.reps_max() : 0;
    dose.hold = dose.hold > 0 ? d.hold_max_seconds() : 0;
    if (!exercise_.ladder(dose.variant).loaded()) {
      dose.load = 0;
    }
  } else {
    return std::nullopt;
  }
  return dose;
}

Dose DoseLadder::AtLeastHeavy(Dose dose) const {
  const auto& d = exercise_.dosing();
  for (int v = dose.variant; v < exercise_.ladder_size(); ++v) {
    const auto& step = exercise_.ladder(v);
    if (!Allows(step.equipment_options(), have_)) {
      break;
    }
    if (!step.heavy()) {
      continue;
    }
    if (v != dose.variant) {
      dose.variant = v;
      dose.reps = dose.reps > 0 ? d.reps_min() : 0;
      dose.hold = dose.hold > 0 ? d.hold_start_seconds() : 0;
      dose.load = step.loaded() ? std::max(dose.load, StartLoad()) : 0;
    }
    return dose;
  }
  return dose;
}

Dose DoseLadder::Deload(Dose dose) const {
  const auto& d = exercise_.dosing();
  if (dose.load > 0) {
    dose.load = std::max(
        LoadStep(),
        std::floor(dose.load * (1 - coaching::kDeloadFraction) / LoadStep()) *
            LoadStep());
  } else if (dose.reps > 0) {
    dose.reps = std::max(1, static_cast<int>(std::floor(
                                dose.reps * (1 - coaching::kDeloadFraction))));
  } else if (dose.hold > 0) {
    dose.hold = std::max(d.hold_start_seconds() / 2,
                         static_cast<int>(std::floor(
                             dose.hold * (1 - coaching::kDeloadFraction))));
  }
  return dose;
}

double DoseLadder::LoadStep() const {
  return inputs_.load_unit() == type::v1::MASS_UNIT_POUND ? rules::kLoadStepLb
                                                          : rules::kLoadStepKg;
}

bool DoseLadder::CanStep(int variant) const {
  return variant + 1 < exercise_.ladder_size() &&
         Allows(exercise_.ladder(variant + 1).equipment_options(), have_);
}

double DoseLadder::StartLoad() const {
  const auto& d = exercise_.dosing();
  double fraction = d.start_load_beginner();
  if (inputs_.experience_level() == type::v1::EXPERIENCE_LEVEL_INTERMEDIATE) {
    fraction = d.start_load_intermediate();
  } else if (inputs_.experience_level() ==
             type::v1::EXPERIENCE_LEVEL_ADVANCED) {
    fraction = d.start_load_advanced();
  }
  const double body_weight = inputs_.load_unit() == type::v1::MASS_UNIT_POUND
                                 ? inputs_.body_weight_kg() * kLbPerKg
                                 : inputs_.body_weight_kg();
  return std::max(LoadStep(),
                  std::round(body_weight * fraction / LoadStep()) * LoadStep());
}

bool DoseLadder::pounds() const {
  return inputs_.load_unit() == type::v1::MASS_UNIT_POUND;
}

Dose DoseLadder::Apply(Dose dose, const coaching::MicroStep& step) const {
  const auto& d = exercise_.dosing();
  switch (step.dimension) {
    case coaching::Dimension::kLoad:
      if (exercise_.ladder(dose.variant).loaded()) {
        dose.load += LoadStep();
      } else {
        ++dose.reps;
      }
      break;
    case coaching::Dimension::kReps:
      dose.reps = std::min(kMaxPrescribedReps, dose.reps + 1);
      break;
    case coaching::Dimension::kHold:
      dose.hold += coaching::kHoldStepSeconds;
      break;
    case coaching::Dimension::kTempo:
      dose.tempo = std::max(
          coaching::kSlowTempoSeconds,
          std::min(dose.tempo + 1, std::max(d.tempo_eccentric_max_seconds(),
                                            coaching::kSlowTempoSeconds)));
      break;
    case coaching::Dimension::kDeload:
      return Deload(dose);
    default:
      break;
  }
  return dose;
}

int DoseLadder::VariantIndex(const std::string& variant) const {
  for (int i = 0; i < exercise_.ladder_size(); ++i) {
    if (exercise_.ladder(i).variant() == variant) {
      return i;
    }
  }
  return 0;
}

double DoseLadder::InKilograms(double load) const {
  return pounds() ? load * kKgPerLb : load;
}

Dose DoseLadder::FromLogged(const v1::LoggedWork& logged) const {
  Dose dose;
  dose.variant = VariantIndex(logged.variant());
  while (dose.variant > 0 &&
         !Allows(exercise_.ladder(dose.variant).equipment_options(), have_)) {
    --dose.variant;
  }
  const auto& d = exercise_.dosing();
  dose.sets = std::clamp(logged.sets(), 1, rules::kMaxSets);
  dose.reps = std::min(kMaxPrescribedReps, logged.reps());
  dose.hold = logged.hold_seconds();
  dose.tempo = logged.tempo_seconds();
  if (d.reps_max() > 0 && dose.reps == 0) {
    dose.reps = d.reps_min();
  }
  if (d.hold_max_seconds() > 0 && dose.hold == 0) {
    dose.hold = d.hold_start_seconds();
  }
  if (exercise_.ladder(dose.variant).loaded()) {
    const double kg = Kilograms(logged.load()).value_or(0);
    const double in_unit = pounds() ? kg * kLbPerKg : kg;
    dose.load =
        std::max(LoadStep(), std::round(in_unit / LoadStep()) * LoadStep());
  }
  return dose;
}

Dose DoseLadder::FromPrescribed(
    const v1::PrescribedExercise& prescribed) const {
  Dose dose;
  dose.variant = VariantIndex(prescribed.variant());
  dose.sets = prescribed.sets();
  dose.reps = prescribed.reps();
  dose.load = prescribed.load().value();
  dose.hold = prescribed.hold_seconds();
  dose.tempo = prescribed.tempo().eccentric_seconds();
  return dose;
}

Dose DoseLadder::FromRecord(const internal::plan::v1::Dose& record) const {
  Dose dose;
  dose.variant = VariantIndex(record.variant());
  dose.sets = record.sets();
  dose.reps = record.reps();
  dose.load = record.load();
  dose.hold = record.hold_seconds();
  dose.tempo = record.tempo_seconds();
  return dose;
}

internal::plan::v1::Dose DoseLadder::ToRecord(const Dose& dose) const {
  internal::plan::v1::Dose record;
  record.set_variant(exercise_.ladder(dose.variant).variant());
  record.set_sets(dose.sets);
  record.set_reps(dose.reps);
  record.set_load(dose.load);
  record.set_hold_seconds(dose.hold);
  record.set_tempo_seconds(dose.tempo);
  return record;
}

coaching::LiftPerformance DoseLadder::PerformanceOf(const Dose& dose) const {
  return {.variant_rank = dose.variant,
          .variant = exercise_.ladder(dose.variant).variant(),
          .load_kg = InKilograms(dose.load),
          .reps = dose.reps,
          .hold_seconds = dose.hold,
          .tempo_seconds = dose.tempo,
          .sets = dose.sets};
}

std::string LoadText(double load, type::v1::MassUnit unit) {
  return absl::StrCat(absl::StrFormat("%g", load),
                      unit == type::v1::MASS_UNIT_POUND ? " lb" : " kg");
}

}  // namespace gracilis::plan
