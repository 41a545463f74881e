#include "services/workout/domain/gpx.h"

#include <sodium.h>

#include <array>
#include <cmath>
#include <optional>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/clock/timestamp.h"
#include "common/compress/gzip.h"
#include "common/status/errors.h"
#include "pugixml.hpp"
#include "services/workout/domain/workout_rules.h"

namespace gracilis::workout {
namespace {

constexpr double kEarthRadiusM = 6'371'008.8;

absl::Status Bad(absl::string_view field, std::string why) {
  return InvalidField(std::string(field), std::move(why));
}

// An element's name without its namespace prefix ("gpx:trkpt" -> "trkpt").
absl::string_view LocalName(const pugi::xml_node& node) {
  absl::string_view name = node.name();
  const size_t colon = name.rfind(':');
  return colon == absl::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node Child(const pugi::xml_node& node, absl::string_view name) {
  for (pugi::xml_node child : node.children()) {
    if (LocalName(child) == name) {
      return child;
    }
  }
  return {};
}

struct Point {
  double lat = 0;
  double lon = 0;
  std::optional<double> elevation;
  absl::Time time;
};

// A track point, or why it is not one. `n` counts from 1 for messages.
absl::StatusOr<Point> ReadPoint(const pugi::xml_node& node, int n,
                                absl::string_view field) {
  Point point;
  if (!absl::SimpleAtod(node.attribute("lat").value(), &point.lat) ||
      !absl::SimpleAtod(node.attribute("lon").value(), &point.lon) ||
      !(std::abs(point.lat) <= 90) || !(std::abs(point.lon) <= 180)) {
    return Bad(field, absl::StrCat("track point ", n,
                                   " needs lat (-90 to 90) and lon (-180 to "
                                   "180) in degrees"));
  }
  const pugi::xml_node time = Child(node, "time");
  std::string error;
  if (time.empty()) {
    return Bad(field, absl::StrCat("track point ", n,
                                   " has no <time>: a run needs the time of "
                                   "each point"));
  }
  // xsd:dateTime; a time without a zone (some exporters write one) is UTC.
  if (!absl::ParseTime(absl::RFC3339_full, time.child_value(), &point.time,
                       &error) &&
      !absl::ParseTime("%Y-%m-%d%ET%H:%M:%E*S", time.child_value(),
                       absl::UTCTimeZone(), &point.time, &error)) {
    return Bad(field, absl::StrCat("track point ", n,
                                   ": <time> must be ISO 8601 such as "
                                   "2026-11-30T06:12:03Z"));
  }
  const pugi::xml_node ele = Child(node, "ele");
  double metres = 0;
  if (!ele.empty() && absl::SimpleAtod(ele.child_value(), &metres) &&
      std::abs(metres) < 20'000) {
    point.elevation = metres;
  }
  return point;
}

// Adds one step's measures to the splits, cutting it at split boundaries
// in proportion to its distance.
class Splitter {
 public:
  explicit Splitter(double split_m) : split_m_(split_m) {}

  void Add(double distance_m, double moving_s, double gain_m) {
    if (splits_.empty()) {
      splits_.emplace_back();
    }
    double left = distance_m;
    while (left > 0 && splits_.back().distance_m + left > split_m_) {
      const double room = split_m_ - splits_.back().distance_m;
      const double share = room / distance_m;
      Put(room, moving_s * share, gain_m * share);
      left -= room;
      splits_.emplace_back();
    }
    const double share = distance_m > 0 ? left / distance_m : 1;
    Put(left, moving_s * share, gain_m * share);
  }

  std::vector<GpxSplit> Take() {
    // A track ending on a boundary leaves a last split of rounding error.
    if (splits_.size() > 1 && splits_.back().distance_m < 1) {
      const GpxSplit last = splits_.back();
      splits_.pop_back();
      splits_.back().distance_m += last.distance_m;
      splits_.back().moving_seconds += last.moving_seconds;
      splits_.back().elevation_gain_m += last.elevation_gain_m;
    }
    return std::move(splits_);
  }

 private:
  void Put(double distance_m, double moving_s, double gain_m) {
    GpxSplit& split = splits_.back();
    split.distance_m += distance_m;
    split.moving_seconds += moving_s;
    split.elevation_gain_m += gain_m;
  }

  const double split_m_;
  std::vector<GpxSplit> splits_;
};

}  // namespace

double HaversineMetres(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kRadiansPerDegree = M_PI / 180;
  const double phi1 = lat1 * kRadiansPerDegree;
  const double phi2 = lat2 * kRadiansPerDegree;
  const double dphi = (lat2 - lat1) * kRadiansPerDegree;
  const double dlambda = (lon2 - lon1) * kRadiansPerDegree;
  const double a = std::sin(dphi / 2) * std::sin(dphi / 2) +
                   std::cos(phi1) * std::cos(phi2) * std::sin(dlambda / 2) *
                       std::sin(dlambda / 2);
  return 2 * kEarthRadiusM * std::asin(std::min(1.0, std::sqrt(a)));
}

std::string GpxContentId(absl::string_view xml) {
  static const bool ready = sodium_init() >= 0;
  (void)ready;
  std::array<unsigned char, 16> hash;
  crypto_generichash(hash.data(), hash.size(),
                     reinterpret_cast<const unsigned char*>(xml.data()),
                     xml.size(), nullptr, 0);
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(hash.data()), hash.size()));
}

absl::StatusOr<std::string> UnpackGpx(absl::string_view bytes,
                                      absl::string_view field) {
  if (bytes.empty()) {
    return Bad(field, "is required: a GPX file's bytes, or gzip of them");
  }
  if (!IsGzip(bytes)) {
    if (bytes.size() > kMaxGpxUnpackedBytes) {
      return Bad(field, "must be at most 16 MiB");
    }
    return std::string(bytes);
  }
  absl::StatusOr<std::string> unpacked = Gunzip(bytes, kMaxGpxUnpackedBytes);
  if (absl::IsOutOfRange(unpacked.status())) {
    return Bad(field, "must unpack to at most 16 MiB");
  }
  if (!unpacked.ok()) {
    return Bad(field, "starts like gzip but does not unpack");
  }
  return unpacked;
}

absl::StatusOr<GpxRun> ParseGpxRun(absl::string_view xml,
                                   absl::string_view field) {
  pugi::xml_document document;
  // pugixml reads no DTD and expands no custom entities, so a hostile file
  // cannot make it fetch anything or grow without bound.
  const pugi::xml_parse_result parsed =
      document.load_buffer(xml.data(), xml.size(), pugi::parse_default);
  if (!parsed) {
    return Bad(field,
               absl::StrCat("is not well-formed XML (", parsed.description(),
                            " at byte ", parsed.offset, ")"));
  }
  const pugi::xml_node root = document.document_element();
  if (LocalName(root) != "gpx") {
    return Bad(field, "must be a GPX file (root element <gpx>)");
  }

  GpxRun run;
  std::vector<std::vector<Point>> segments;
  std::optional<absl::Time> previous;  // the time of the point before
  for (pugi::xml_node track : root.children()) {
    if (LocalName(track) != "trk") {
      continue;
    }
    for (pugi::xml_node segment : track.children()) {
      if (LocalName(segment) != "trkseg") {
        continue;
      }
      segments.emplace_back();
      for (pugi::xml_node node : segment.children()) {
        if (LocalName(node) != "trkpt") {
          continue;
        }
        if (++run.points > kMaxGpxPoints) {
          return Bad(field, absl::StrCat("has more than ", kMaxGpxPoints,
                                         " track points"));
        }
        absl::StatusOr<Point> point = ReadPoint(node, run.points, field);
        if (!point.ok()) {
          return point.status();
        }
        if (previous.has_value() && point->time < *previous) {
          return Bad(field, absl::StrCat(
                                "time goes backwards at track point ",
                                run.points, " (",
                                absl::FormatTime(absl::RFC3339_sec, point->time,
                                                 absl::UTCTimeZone()),
                                " after ",
                                absl::FormatTime(absl::RFC3339_sec, *previous,
                                                 absl::UTCTimeZone()),
                                ")"));
        }
        previous = point->time;
        run.start_time = run.points == 1 ? point->time : run.start_time;
        run.end_time = point->time;
        segments.back().push_back(*point);
      }
    }
  }
  if (run.points < 2) {
    return Bad(field, run.points == 0
                          ? "has no track points (<trkpt> in <trk><trkseg>)"
                          : "needs at least 2 track points");
  }

  // First the distance, to choose the split length.
  for (const std::vector<Point>& segment : segments) {
    for (size_t i = 1; i < segment.size(); ++i) {
      run.distance_m += HaversineMetres(segment[i - 1].lat, segment[i - 1].lon,
                                        segment[i].lat, segment[i].lon);
    }
  }
  if (run.distance_m > kMaxRunMetres) {
    return Bad(field,
               absl::StrFormat("is a track of %.1f km; a run is at most "
                               "%.0f km",
                               run.distance_m / 1000, kMaxRunMetres / 1000));
  }
  const double split_m =
      kSplitMetres *
      std::max(1.0,
               std::ceil(run.distance_m / (kSplitMetres * kMaxSegmentsPerRun)));
  Splitter splits(split_m);
  std::optional<double> low;  // the lowest elevation since the last climb
  for (const std::vector<Point>& segment : segments) {
    for (size_t i = 0; i < segment.size(); ++i) {
      const Point& point = segment[i];
      double gain = 0;
      if (point.elevation.has_value()) {
        if (!low.has_value() || *point.elevation < *low) {
          low = point.elevation;
        } else if (*point.elevation - *low > kElevationNoiseM) {
          gain = *point.elevation - *low;
          low = point.elevation;
        }
      }
      if (i == 0) {
        continue;
      }
      const Point& before = segment[i - 1];
      const double metres =
          HaversineMetres(before.lat, before.lon, point.lat, point.lon);
      const double seconds = absl::ToDoubleSeconds(point.time - before.time);
      const bool moving = seconds > 0 && metres / seconds >= kMovingSpeedMps;
      run.moving_seconds += moving ? seconds : 0;
      run.elevation_gain_m += gain;
      splits.Add(metres, moving ? seconds : 0, gain);
    }
  }
  run.splits = splits.Take();
  for (size_t i = 0; i < run.splits.size(); ++i) {
    if (run.splits[i].elevation_gain_m > kMaxElevationGainM) {
      return Bad(field,
                 absl::StrFormat("climbs %.0f m within split %d; a run climbs "
                                 "at most %.0f m in one, so its elevation "
                                 "data cannot be right",
                                 run.splits[i].elevation_gain_m, i + 1,
                                 kMaxElevationGainM));
    }
  }
  if (run.end_time - run.start_time > absl::Seconds(kMaxRunSeconds)) {
    return Bad(field, "spans more than 24 hours; a run is at most 24 h");
  }
  if (run.moving_seconds < 1) {
    return Bad(field,
               "never moves: no step of the track is at running or "
               "walking speed");
  }
  return run;
}

v1::Workout ImportedWorkout(const GpxRun& run, const std::string& content_id,
                            type::v1::RunType type) {
  const std::string id = absl::StrCat("gpx-", content_id);
  v1::Workout workout;
  workout.set_workout_id(id);
  workout.set_state(v1::Workout::STATE_FINISHED);
  *workout.mutable_start_time() = ToTimestamp(run.start_time);
  *workout.mutable_end_time() = ToTimestamp(run.end_time);
  v1::Run& out = *workout.add_runs();
  out.set_run_id(id);
  out.set_type(type == type::v1::RUN_TYPE_UNSPECIFIED ? type::v1::RUN_TYPE_EASY
                                                      : type);
  out.mutable_distance()->set_value(std::round(run.distance_m) / 1000);
  out.mutable_distance()->set_unit(type::v1::LENGTH_UNIT_KILOMETER);
  *out.mutable_start_time() = ToTimestamp(run.start_time);
  // Whole seconds by rounding the running total, so that they add up to
  // the run's own.
  double before = 0;
  for (const GpxSplit& split : run.splits) {
    v1::RunSegment& segment = *out.add_segments();
    segment.set_kind(v1::RunSegment::KIND_STEADY);
    segment.mutable_distance()->set_value(std::round(split.distance_m));
    segment.mutable_distance()->set_unit(type::v1::LENGTH_UNIT_METER);
    const double after = before + split.moving_seconds;
    segment.set_duration_seconds(
        static_cast<int32_t>(std::round(after) - std::round(before)));
    segment.set_elevation_gain_m(std::round(split.elevation_gain_m * 10) / 10);
    before = after;
  }
  out.set_duration_seconds(
      static_cast<int32_t>(std::max(1.0, std::round(before))));
  return workout;
}

}  // namespace gracilis::workout
