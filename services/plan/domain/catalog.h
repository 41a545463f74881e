#pragma once

// The exercise catalog: data in services/plan/catalog/exercises.textproto,
// parsed and validated once at start. A catalog that breaks a rule below
// stops the service with the rule named.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gracilis/internal/plan/v1/catalog.pb.h"
#include "gracilis/plan/v1/plan.pb.h"

namespace gracilis::plan {

using CatalogExercise = internal::plan::v1::CatalogExercise;
using EquipmentSet = std::set<type::v1::Equipment>;

// The catalog compiled into the binary (the file above, at build time).
absl::string_view BuiltInCatalogText();

// A user's equipment from the repeated enum field of a profile or inputs.
template <typename Repeated>
EquipmentSet EquipmentOf(const Repeated& items) {
  EquipmentSet set;
  for (int item : items) {
    set.insert(static_cast<type::v1::Equipment>(item));
  }
  return set;
}

// Whether `have` satisfies one of `options`; no options means bodyweight.
bool Allows(
    const google::protobuf::RepeatedPtrField<v1::EquipmentOption>& options,
    const EquipmentSet& have);

// Exercise ids and ladder variants are at most this long (the contract
// states it).
inline constexpr size_t kMaxCatalogIdChars = 64;

class ExerciseCatalog {
 public:
  // Exercises the plan generator places by id; a catalog must have them.
  static const std::vector<std::string>& RequiredIds();

  // Parses and validates: unique ids, a ladder on every exercise, sane
  // dosing, substitutes that exist, and for every exercise a chain of
  // substitutes that ends in one needing no equipment.
  static absl::StatusOr<ExerciseCatalog> Parse(absl::string_view textproto);

  const std::string& version() const { return catalog_.version(); }
  // nullptr if unknown.
  const CatalogExercise* Find(absl::string_view id) const;
  const google::protobuf::RepeatedPtrField<CatalogExercise>& exercises() const {
    return catalog_.exercises();
  }
  // The public API's view of an entry.
  v1::Exercise ToApi(const CatalogExercise& exercise) const;

  // `id` if `have` allows it, else the first substitute (recursively) that
  // it allows; nullptr if none.
  const CatalogExercise* Available(absl::string_view id,
                                   const EquipmentSet& have) const;

 private:
  internal::plan::v1::Catalog catalog_;
  std::map<std::string, int, std::less<>> index_;
};

}  // namespace gracilis::plan
