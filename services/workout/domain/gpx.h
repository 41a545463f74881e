#pragma once

// Runs from a watch: a GPX file's track read into the measures a run keeps.
// Pure (no gRPC or Redis); ImportRun stores what this returns.
//
// What counts:
//   - distance: the great-circle (haversine) length of each track segment,
//     point to point; the gap between two segments (a paused recording) is
//     not distance;
//   - moving time: the steps of a segment at kMovingSpeedMps or faster
//     (standing at a crossing is not running);
//   - elevation gain: climbs that rise more than kElevationNoiseM above the
//     lowest point since the last counted climb, so GPS altitude jitter
//     adds nothing while a real hill counts whole;
//   - splits: every kSplitMetres of distance (the last one shorter), each
//     with its moving time and gain; longer splits when there would be more
//     than a run's 100 segments.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gracilis/workout/v1/workout.pb.h"

namespace gracilis::workout {

inline constexpr size_t kMaxGpxUnpackedBytes = 16 << 20;
inline constexpr int kMaxGpxPoints = 50'000;
inline constexpr double kMovingSpeedMps = 0.5;
inline constexpr double kElevationNoiseM = 2.0;
inline constexpr double kSplitMetres = 1000;

struct GpxSplit {
  double distance_m = 0;
  double moving_seconds = 0;
  double elevation_gain_m = 0;
};

struct GpxRun {
  absl::Time start_time;  // the first track point's
  absl::Time end_time;    // the last one's
  double distance_m = 0;
  double moving_seconds = 0;
  double elevation_gain_m = 0;
  int points = 0;
  std::vector<GpxSplit> splits;
};

// The file's bytes, unpacked when they are gzip (magic 1f 8b); at most
// kMaxGpxUnpackedBytes. INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<std::string> UnpackGpx(absl::string_view bytes,
                                      absl::string_view field);

// The run a GPX document's tracks record. INVALID_ARGUMENT naming `field`
// with the reason: not XML, not GPX, no track points, a point without a
// valid position or time, time going backwards, more than kMaxGpxPoints
// points, a track longer than a run may be (300 km, 24 h), or a split
// climbing more than a run segment may (2000 m: broken elevation data).
absl::StatusOr<GpxRun> ParseGpxRun(absl::string_view xml,
                                   absl::string_view field);

// Metres between two positions in degrees, on a sphere of the Earth's mean
// radius (6,371,008.8 m).
double HaversineMetres(double lat1, double lon1, double lat2, double lon2);

// 32 hex digits naming the unpacked file's content (BLAKE2b-128), so that
// the same file always imports as the same workout.
std::string GpxContentId(absl::string_view xml);

// The finished workout an imported run is stored as: id and run id
// "gpx-<content_id>", start and end the track's, one run of `type`
// (RUN_TYPE_EASY when unspecified) with the track's distance in km, moving
// time, and the splits as KIND_STEADY segments whose whole seconds add up
// to the run's.
v1::Workout ImportedWorkout(const GpxRun& run, const std::string& content_id,
                            type::v1::RunType type);

}  // namespace gracilis::workout
