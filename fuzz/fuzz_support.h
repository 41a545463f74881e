#pragma once

// What the fuzz targets share: the built-in catalog, a fixed clock (so a
// finding replays the same way), and Require, which reports a broken
// property the way a sanitizer reports a bug: a message and an abort that
// libFuzzer records as a crash with its input.

#include <cstdio>
#include <cstdlib>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/plan/domain/catalog.h"

namespace gracilis::fuzz {

inline const plan::ExerciseCatalog& Catalog() {
  static const auto* catalog = new plan::ExerciseCatalog(
      *plan::ExerciseCatalog::Parse(plan::BuiltInCatalogText()));
  return *catalog;
}

// Noon UTC, `days` (taken modulo 3650) after Monday 2026-01-05.
inline absl::CivilDay Today(int days) {
  return absl::CivilDay(2026, 1, 5) + (days % 3650 + 3650) % 3650;
}
inline absl::Time NoonOf(absl::CivilDay day) {
  return absl::FromCivil(
      absl::CivilHour(day.year(), day.month(), day.day(), 12),
      absl::UTCTimeZone());
}

inline void Require(bool holds, const char* property) {
  if (!holds) {
    std::fprintf(stderr, "broken property: %s\n", property);
    std::abort();
  }
}

}  // namespace gracilis::fuzz
