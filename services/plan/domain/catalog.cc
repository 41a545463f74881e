#include "services/plan/domain/catalog.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/errors.h"
#include "common/status/status_macros.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace gracilis::plan {
namespace {

using internal::plan::v1::Slot;

class ParseErrors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    errors.push_back(
        absl::StrCat("line ", line + 1, ":", column + 1, ": ", message));
  }
  std::vector<std::string> errors;
};

void CheckDosing(const CatalogExercise& exercise, Violations& v) {
  const auto& d = exercise.dosing();
  const std::string field = absl::StrCat(exercise.id(), ".dosing");
  if (d.sets() < 1 || d.sets() > 6) {
    v.Add(field, "sets must be 1-6");
  }
  const bool reps = d.reps_max() > 0;
  const bool hold = d.hold_max_seconds() > 0;
  if (reps == hold) {
    v.Add(field, "must prescribe either reps or a hold");
  }
  if (reps && (d.reps_min() < 1 || d.reps_min() > d.reps_max() ||
               d.reps_max() > 100 || d.seconds_per_rep() < 1)) {
    v.Add(field,
          "reps need 1 <= reps_min <= reps_max <= 100 and "
          "seconds_per_rep >= 1");
  }
  if (hold && (d.hold_start_seconds() < 5 ||
               d.hold_start_seconds() > d.hold_max_seconds() ||
               d.hold_step_seconds() < 1)) {
    v.Add(field, "holds need 5 <= hold_start <= hold_max and a step >= 1");
  }
  bool loaded = false;
  for (const auto& step : exercise.ladder()) {
    loaded = loaded || step.loaded();
  }
  if (loaded && !(d.start_load_beginner() > 0 &&
                  d.start_load_beginner() <= d.start_load_intermediate() &&
                  d.start_load_intermediate() <= d.start_load_advanced() &&
                  d.start_load_advanced() < 2)) {
    v.Add(field,
          "loaded ladders need 0 < start_load_beginner <= "
          "intermediate <= advanced < 2 (fractions of body weight)");
  }
}

}  // namespace

const std::vector<std::string>& ExerciseCatalog::RequiredIds() {
  static const auto* ids = new std::vector<std::string>{
      "sumo_squat",    "sumo_deadlift",   "copenhagen_plank",
      "lateral_lunge", "cable_adduction", "easy_run",
      "intervals",     "hill_repeats",    "sprints"};
  return *ids;
}

bool Allows(
    const google::protobuf::RepeatedPtrField<v1::EquipmentOption>& options,
    const EquipmentSet& have) {
  if (options.empty()) {
    return true;
  }
  for (const v1::EquipmentOption& option : options) {
    bool all = true;
    for (int item : option.equipment()) {
      all = all && have.contains(static_cast<type::v1::Equipment>(item));
    }
    if (all) {
      return true;
    }
  }
  return false;
}

absl::StatusOr<ExerciseCatalog> ExerciseCatalog::Parse(
    absl::string_view textproto) {
  ExerciseCatalog catalog;
  google::protobuf::TextFormat::Parser parser;
  ParseErrors errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(textproto), &catalog.catalog_)) {
    return absl::InvalidArgumentError(
        absl::StrCat("exercise catalog does not parse: ",
                     absl::StrJoin(errors.errors, "; ")));
  }
  Violations v;
  if (catalog.version().empty()) {
    v.Add("version", "must be set");
  }
  for (int i = 0; i < catalog.catalog_.exercises_size(); ++i) {
    const CatalogExercise& exercise = catalog.catalog_.exercises(i);
    if (exercise.id().empty() ||
        !catalog.index_.emplace(exercise.id(), i).second) {
      v.Add(absl::StrCat("exercises[", i, "].id"), "must be set and unique");
    }
    // The contract promises apps that exercise ids and variants are at most
    // 64 characters (so requests naming longer ones are simply wrong).
    if (exercise.id().size() > kMaxCatalogIdChars) {
      v.Add(
          absl::StrCat("exercises[", i, "].id"),
          absl::StrCat("must be at most ", kMaxCatalogIdChars, " characters"));
    }
    for (const auto& step : exercise.ladder()) {
      if (step.variant().size() > kMaxCatalogIdChars) {
        v.Add(absl::StrCat(exercise.id(), ".ladder"),
              absl::StrCat("variants must be at most ", kMaxCatalogIdChars,
                           " characters"));
      }
    }
  }
  for (const CatalogExercise& exercise : catalog.catalog_.exercises()) {
    const std::string& id = exercise.id();
    if (exercise.display_name().empty() || exercise.muscles().empty() ||
        exercise.ladder().empty() ||
        exercise.slot() == internal::plan::v1::SLOT_UNSPECIFIED ||
        exercise.pattern() == v1::Exercise::PATTERN_UNSPECIFIED) {
      v.Add(id, "needs display_name, pattern, slot, muscles and a ladder");
    }
    if ((exercise.slot() == internal::plan::v1::SLOT_RUN) !=
        (exercise.run_type() != type::v1::RUN_TYPE_UNSPECIFIED)) {
      v.Add(id, "runs (slot SLOT_RUN) and only runs have a run_type");
    }
    if (exercise.slot() != internal::plan::v1::SLOT_RUN) {
      CheckDosing(exercise, v);
    }
    for (const std::string& substitute : exercise.substitutes()) {
      if (substitute == id || catalog.Find(substitute) == nullptr) {
        v.Add(absl::StrCat(id, ".substitutes"),
              absl::StrCat("'", substitute, "' is not another catalog entry"));
      }
    }
  }
  for (const std::string& id : RequiredIds()) {
    if (catalog.Find(id) == nullptr) {
      v.Add("exercises", absl::StrCat("must include '", id, "'"));
    }
  }
  if (v.empty()) {
    for (const CatalogExercise& exercise : catalog.catalog_.exercises()) {
      if (catalog.Available(exercise.id(), EquipmentSet()) == nullptr) {
        v.Add(absl::StrCat(exercise.id(), ".substitutes"),
              "must lead to an exercise needing no equipment");
      }
    }
  }
  RETURN_IF_ERROR(v.ToStatus());
  return catalog;
}

const CatalogExercise* ExerciseCatalog::Find(absl::string_view id) const {
  const auto it = index_.find(id);
  return it == index_.end() ? nullptr : &catalog_.exercises(it->second);
}

const CatalogExercise* ExerciseCatalog::Available(
    absl::string_view id, const EquipmentSet& have) const {
  // Breadth-first over substitutes; `seen` stops cycles.
  std::vector<std::string> queue = {std::string(id)};
  std::set<std::string> seen;
  for (size_t i = 0; i < queue.size(); ++i) {
    const CatalogExercise* exercise = Find(queue[i]);
    if (exercise == nullptr || !seen.insert(queue[i]).second) {
      continue;
    }
    if (Allows(exercise->equipment_options(), have) &&
        Allows(exercise->ladder(0).equipment_options(), have)) {
      return exercise;
    }
    for (const std::string& substitute : exercise->substitutes()) {
      queue.push_back(substitute);
    }
  }
  return nullptr;
}

v1::Exercise ExerciseCatalog::ToApi(const CatalogExercise& exercise) const {
  v1::Exercise api;
  api.set_id(exercise.id());
  api.set_display_name(exercise.display_name());
  api.set_pattern(exercise.pattern());
  *api.mutable_muscles() = exercise.muscles();
  *api.mutable_equipment_options() = exercise.equipment_options();
  *api.mutable_cues() = exercise.cues();
  for (const auto& step : exercise.ladder()) {
    v1::LadderStep* out = api.add_ladder();
    out->set_variant(step.variant());
    out->set_description(step.description());
    *out->mutable_equipment_options() = step.equipment_options();
    out->set_loaded(step.loaded());
    out->set_heavy(step.heavy());
  }
  *api.mutable_substitutes() = exercise.substitutes();
  api.set_catalog_version(version());
  return api;
}

}  // namespace gracilis::plan
