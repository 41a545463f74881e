#include "services/workout/domain/gpx.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/compress/gzip.h"
#include "common/status/status_matchers.h"
#include "gtest/gtest.h"
#include "services/workout/domain/gpx_testing.h"

namespace gracilis::workout {
namespace {

using ::gracilis::testing::IsOk;
using ::gracilis::testing::IsOkAndHolds;
using ::gracilis::testing::StatusIs;
using ::testing::HasSubstr;

using gpx_testing::Gpx;
using gpx_testing::kMetresPerDegreeLat;
using gpx_testing::kStart;
using gpx_testing::OutAndBack;
using gpx_testing::Pt;

TEST(GpxTest, HaversineAlongAMeridianIsTheArc) {
  EXPECT_NEAR(HaversineMetres(45, 7, 46, 7), kMetresPerDegreeLat, 1e-6);
  EXPECT_NEAR(kMetresPerDegreeLat, 111'195.08, 0.01);
  // Along the equator too; and a diagonal as a spherical-law check.
  EXPECT_NEAR(HaversineMetres(0, 0, 0, 1), kMetresPerDegreeLat, 1e-6);
  EXPECT_NEAR(HaversineMetres(51.5007, -0.1246, 48.8584, 2.2945), 340'550,
              1000);  // Big Ben to the Eiffel Tower, about 340.5 km
}

TEST(GpxTest, AnOutAndBackWithAHillAndAStop) {
  absl::StatusOr<GpxRun> run = ParseGpxRun(Gpx({OutAndBack()}), "gpx");
  ASSERT_THAT(run, IsOk());
  EXPECT_EQ(run->points, 201 + 24 + 200);
  EXPECT_NEAR(run->distance_m, 5000, 0.01);
  // 400 steps of 5 s moving; the 24 standing steps (120 s) are not.
  EXPECT_NEAR(run->moving_seconds, 2000, 1e-9);
  EXPECT_EQ(run->end_time - run->start_time, absl::Seconds(2120));
  EXPECT_EQ(run->start_time, kStart);
  EXPECT_NEAR(run->elevation_gain_m, 27, 1e-9);  // nine 3 m steps
  ASSERT_EQ(run->splits.size(), 5u);
  double gain = 0;
  for (const GpxSplit& split : run->splits) {
    EXPECT_NEAR(split.distance_m, 1000, 0.01);
    EXPECT_NEAR(split.moving_seconds, 400, 0.01);
    gain += split.elevation_gain_m;
  }
  EXPECT_NEAR(gain, 27, 1e-9);
  // 3, 6, 9 and 12 m (the last at the boundary, within rounding).
  EXPECT_NEAR(run->splits[0].elevation_gain_m, 12, 1e-3);
  EXPECT_NEAR(run->splits[4].elevation_gain_m, 0, 1e-9);  // downhill
}

TEST(GpxTest, TimesMayHaveAnOffsetFractionsOrNoZone) {
  absl::StatusOr<GpxRun> run = ParseGpxRun(
      "<gpx><trk><trkseg>"
      "<trkpt lat=\"45\" lon=\"7\"><time>2025-11-30T07:00:00+01:00</time>"
      "</trkpt><trkpt lat=\"45.001\" lon=\"7\"><time>2025-11-30T06:01:00.5"
      "</time></trkpt><trkpt lat=\"45.002\" lon=\"7\"><time>"
      "2025-11-30T06:02:00.500Z</time></trkpt></trkseg></trk></gpx>",
      "gpx");
  ASSERT_THAT(run, IsOk());
  EXPECT_EQ(run->start_time, absl::FromUnixSeconds(1764482400));
  EXPECT_EQ(run->end_time - run->start_time, absl::Milliseconds(120'500));
}

TEST(GpxTest, APausedRecordingsGapIsNotDistance) {
  std::vector<Pt> first;
  std::vector<Pt> second;
  for (int i = 0; i <= 80; ++i) {  // 1 km in 400 s
    first.push_back({12.5 * i, 5.0 * i, 10});
  }
  for (int i = 0; i <= 80; ++i) {  // resumed 500 m further, 10 min later
    second.push_back({1500 + 12.5 * i, 1000 + 5.0 * i, 10});
  }
  absl::StatusOr<GpxRun> run = ParseGpxRun(Gpx({first, second}), "gpx");
  ASSERT_THAT(run, IsOk());
  EXPECT_NEAR(run->distance_m, 2000, 0.01);
  EXPECT_NEAR(run->moving_seconds, 800, 1e-9);
  EXPECT_EQ(run->end_time - run->start_time, absl::Seconds(1400));
  EXPECT_EQ(run->splits.size(), 2u);
}

TEST(GpxTest, AltitudeJitterAddsNoClimb) {
  std::vector<Pt> flat;
  for (int i = 0; i <= 400; ++i) {
    flat.push_back({12.5 * i, 5.0 * i, 100 + (i % 2 == 0 ? 0 : 1.8)});
  }
  absl::StatusOr<GpxRun> run = ParseGpxRun(Gpx({flat}), "gpx");
  ASSERT_THAT(run, IsOk());
  EXPECT_EQ(run->elevation_gain_m, 0);
}

TEST(GpxTest, LongRunsHaveLongerSplitsSoThatTheyFitARun) {
  std::vector<Pt> ultra;  // 150 km, a point every 500 m at 3 m/s
  for (int i = 0; i <= 300; ++i) {
    ultra.push_back({500.0 * i, 500.0 / 3 * i, 0});
  }
  absl::StatusOr<GpxRun> run = ParseGpxRun(Gpx({ultra}), "gpx");
  ASSERT_THAT(run, IsOk());
  ASSERT_EQ(run->splits.size(), 75u);  // 2 km each: at most 100
  EXPECT_NEAR(run->splits[0].distance_m, 2000, 0.01);
}

TEST(GpxTest, BadFilesSayWhy) {
  auto why = [](const std::string& xml) {
    absl::StatusOr<GpxRun> run = ParseGpxRun(xml, "gpx");
    EXPECT_THAT(run, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(run.status().message(), HasSubstr("gpx"));
    return std::string(run.status().message());
  };
  EXPECT_THAT(why("not xml at all <"), HasSubstr("not well-formed XML"));
  EXPECT_THAT(why("<html><body/></html>"), HasSubstr("root element <gpx>"));
  EXPECT_THAT(why(Gpx({})), HasSubstr("no track points"));
  EXPECT_THAT(why(Gpx({{{0, 0, 0}}})), HasSubstr("at least 2 track points"));
  EXPECT_THAT(why("<gpx><trk><trkseg><trkpt lat=\"45\" lon=\"7\"/><trkpt "
                  "lat=\"45.1\" lon=\"7\"/></trkseg></trk></gpx>"),
              HasSubstr("track point 1 has no <time>"));
  EXPECT_THAT(why("<gpx><trk><trkseg><trkpt lat=\"95\" lon=\"7\"><time>"
                  "2025-11-30T06:12:03Z</time></trkpt></trkseg></trk></gpx>"),
              HasSubstr("track point 1 needs lat"));
  EXPECT_THAT(why("<gpx><trk><trkseg><trkpt lat=\"45\" lon=\"7\"><time>"
                  "yesterday</time></trkpt></trkseg></trk></gpx>"),
              HasSubstr("ISO 8601"));
  EXPECT_THAT(why(Gpx({{{0, 0, 0}, {100, 60, 0}, {200, 30, 0}}})),
              HasSubstr("time goes backwards at track point 3"));
  // 500 km, north in 10 hours.
  EXPECT_THAT(why(Gpx({{{0, 0, 0}, {500'000, 36'000, 0}}})),
              HasSubstr("track of 500.0 km; a run is at most 300 km"));
  EXPECT_THAT(why(Gpx({{{0, 0, 0}, {0, 600, 0}}})), HasSubstr("never moves"));
  // Found by fuzz_gpx: a glitch of 10 km in altitude.
  EXPECT_THAT(why(Gpx({{{0, 0, 100}, {100, 40, 10'710}, {200, 80, 100}}})),
              HasSubstr("climbs 10610 m within split 1"));
  std::vector<Pt> many;
  for (int i = 0; i <= kMaxGpxPoints; ++i) {
    many.push_back({0.1 * i, 0.1 * i, 0});
  }
  EXPECT_THAT(why(Gpx({many})), HasSubstr("more than 50000 track points"));
}

TEST(GpxTest, GzipIsUnpackedWithinItsLimit) {
  const std::string gpx = Gpx({OutAndBack()});
  const std::string packed = Gzip(gpx);
  EXPECT_LT(packed.size() * 5, gpx.size());
  EXPECT_THAT(UnpackGpx(packed, "gpx"), IsOkAndHolds(gpx));
  EXPECT_THAT(UnpackGpx(gpx, "gpx"), IsOkAndHolds(gpx));
  EXPECT_THAT(UnpackGpx("", "gpx"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("gpx")));
  EXPECT_THAT(UnpackGpx(packed.substr(0, packed.size() / 2), "gpx"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("does not unpack")));
  // A gzip bomb: 17 MiB of spaces packs into a few KiB.
  EXPECT_THAT(UnpackGpx(Gzip(std::string(17 << 20, ' ')), "gpx"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("at most 16 MiB")));
}

TEST(GpxTest, TheImportedWorkoutHoldsTheRunAndItsSplits) {
  absl::StatusOr<GpxRun> run = ParseGpxRun(Gpx({OutAndBack()}), "gpx");
  ASSERT_THAT(run, IsOk());
  const v1::Workout workout = ImportedWorkout(
      *run, "00112233445566778899aabbccddeeff", type::v1::RUN_TYPE_UNSPECIFIED);
  EXPECT_EQ(workout.workout_id(), "gpx-00112233445566778899aabbccddeeff");
  EXPECT_EQ(workout.state(), v1::Workout::STATE_FINISHED);
  EXPECT_EQ(workout.start_time().seconds(), absl::ToUnixSeconds(kStart));
  EXPECT_EQ(workout.end_time().seconds(), absl::ToUnixSeconds(kStart) + 2120);
  ASSERT_EQ(workout.runs_size(), 1);
  const v1::Run& imported = workout.runs(0);
  EXPECT_EQ(imported.run_id(), workout.workout_id());
  EXPECT_EQ(imported.type(), type::v1::RUN_TYPE_EASY);
  EXPECT_EQ(imported.distance().value(), 5);
  EXPECT_EQ(imported.distance().unit(), type::v1::LENGTH_UNIT_KILOMETER);
  EXPECT_EQ(imported.duration_seconds(), 2000);
  ASSERT_EQ(imported.segments_size(), 5);
  int seconds = 0;
  double climbed = 0;
  for (const v1::RunSegment& segment : imported.segments()) {
    EXPECT_EQ(segment.kind(), v1::RunSegment::KIND_STEADY);
    EXPECT_EQ(segment.distance().value(), 1000);
    seconds += segment.duration_seconds();
    climbed += segment.elevation_gain_m();
  }
  EXPECT_EQ(seconds, imported.duration_seconds());
  EXPECT_NEAR(climbed, 27, 1e-9);
}

TEST(GpxTest, TheSameFileHasTheSameId) {
  const std::string gpx = Gpx({OutAndBack()});
  EXPECT_EQ(GpxContentId(gpx), GpxContentId(std::string(gpx)));
  EXPECT_EQ(GpxContentId(gpx).size(), 32u);
  EXPECT_NE(GpxContentId(gpx), GpxContentId(gpx + " "));
}

}  // namespace
}  // namespace gracilis::workout
