#pragma once

// google.protobuf.Timestamp <-> absl::Time, in one place.

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"

namespace gracilis {

inline google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  return google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
      absl::ToUnixNanos(time));
}

// `timestamp` must be valid (IsValidTimestamp) for the result to mean
// anything.
inline absl::Time ToTime(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixNanos(
      google::protobuf::util::TimeUtil::TimestampToNanoseconds(timestamp));
}

// Within Timestamp's range (years 1-9999); the Debian protobuf's TimeUtil
// has no IsTimestampValid.
inline bool IsValidTimestamp(const google::protobuf::Timestamp& timestamp) {
  using google::protobuf::util::TimeUtil;
  return timestamp.seconds() >= TimeUtil::kTimestampMinSeconds &&
         timestamp.seconds() <= TimeUtil::kTimestampMaxSeconds &&
         timestamp.nanos() >= 0 && timestamp.nanos() <= 999'999'999;
}

}  // namespace gracilis
