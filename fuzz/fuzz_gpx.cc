// Fuzzes GPX import (ImportRun): any bytes, packed or not. Properties: no
// crash or sanitizer report; a file that is accepted makes a workout the
// sync rules accept (so ImportRun never answers an error of its own
// making), with its splits adding up to the run.

#include <cmath>

#include "fuzz/fuzz_support.h"
#include "services/workout/domain/gpx.h"
#include "services/workout/domain/workout_rules.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gracilis;
  using namespace gracilis::workout;
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::string> xml = UnpackGpx(bytes, "gpx");
  if (!xml.ok()) {
    return 0;
  }
  absl::StatusOr<GpxRun> run = ParseGpxRun(*xml, "gpx");
  if (!run.ok()) {
    fuzz::Require(absl::IsInvalidArgument(run.status()),
                  "a refused file is INVALID_ARGUMENT");
    return 0;
  }
  fuzz::Require(std::isfinite(run->distance_m) && run->distance_m >= 0 &&
                    run->distance_m <= kMaxRunMetres,
                "distance within 0-300 km");
  double split_metres = 0;
  for (const GpxSplit& split : run->splits) {
    split_metres += split.distance_m;
  }
  fuzz::Require(std::abs(split_metres - run->distance_m) <=
                    1e-6 * std::max(1.0, run->distance_m),
                "the splits add up to the distance");
  const v1::Workout workout =
      ImportedWorkout(*run, GpxContentId(*xml), type::v1::RUN_TYPE_EASY);
  const WorkoutRules rules(fuzz::Catalog());
  // Now is the run's end: any track in the past is a valid upload.
  absl::StatusOr<v1::Workout> synced =
      rules.Synced(workout, "gpx", run->end_time);
  if (!synced.ok()) {
    std::fprintf(stderr, "%s\n", synced.status().ToString().c_str());
  }
  fuzz::Require(synced.ok(), "an accepted track makes a valid workout");
  return 0;
}
