#pragma once

// GPX files made by tests: tracks along a meridian, whose distances are
// checkable by hand.

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace gracilis::workout::gpx_testing {

// One degree of latitude along a meridian: exactly R * pi / 180 by the
// haversine formula, so tracks that run north and south have distances
// checkable by hand.
inline constexpr double kMetresPerDegreeLat = 6'371'008.8 * M_PI / 180;
inline const absl::Time kStart =
    absl::FromUnixSeconds(1764483123);  // 2025-11-30

struct Pt {
  double north_m;  // from 45.0 N, 7.0 E
  double seconds;  // after kStart
  double ele;
};

inline std::string TrackPoint(const Pt& p) {
  return absl::StrFormat(
      "<trkpt lat=\"%.9f\" lon=\"7.0\"><ele>%.2f</ele><time>%s</time>"
      "<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>150</gpxtpx:hr>"
      "</gpxtpx:TrackPointExtension></extensions></trkpt>\n",
      45.0 + p.north_m / kMetresPerDegreeLat, p.ele,
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ",
                       kStart + absl::Seconds(p.seconds), absl::UTCTimeZone()));
}

// A GPX 1.1 file as watches write it (namespaces, extensions), one
// <trkseg> per list.
inline std::string Gpx(const std::vector<std::vector<Pt>>& segments) {
  std::string gpx =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<gpx version=\"1.1\" creator=\"test watch\" "
      "xmlns=\"http://www.topografix.com/GPX/1/1\" "
      "xmlns:gpxtpx=\"http://www.garmin.com/xmlschemas/"
      "TrackPointExtension/v1\">\n<metadata><time>2025-11-30T06:12:03Z</time>"
      "</metadata>\n<trk><name>Morning run</name><type>running</type>\n";
  for (const std::vector<Pt>& segment : segments) {
    gpx += "<trkseg>\n";
    for (const Pt& p : segment) {
      gpx += TrackPoint(p);
    }
    gpx += "</trkseg>\n";
  }
  return gpx + "</trk>\n</gpx>\n";
}

// Out 2.5 km north and back at 2.5 m/s (a point every 5 s, 12.5 m apart),
// climbing a staircase of 3 m steps to 27 m on the way out and back down,
// with a 2-minute stop at the turn.
inline std::vector<Pt> OutAndBack() {
  std::vector<Pt> points;
  double t = 0;
  for (int i = 0; i <= 200; ++i, t += 5) {
    points.push_back({12.5 * i, t, 3.0 * std::min(i / 20, 9)});
  }
  for (int i = 1; i <= 24; ++i, t += 5) {  // standing: 120 s
    points.push_back({2500, t, 27});
  }
  for (int i = 199; i >= 0; --i, t += 5) {
    points.push_back({12.5 * i, t, 3.0 * std::min(i / 20, 9)});
  }
  return points;
}

}  // namespace gracilis::workout::gpx_testing
