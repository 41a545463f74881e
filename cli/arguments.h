#pragma once

// Values typed on the command line, shared by every command: enum words
// ("resistance_band" for EQUIPMENT_RESISTANCE_BAND) and quantities with
// units ("62kg", "3.1mi"). Errors name the argument and the accepted form.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "gracilis/type/v1/units.pb.h"

namespace gracilis::cli {

// "EQUIPMENT_RESISTANCE_BAND" -> "resistance_band"; "-" for 0 or unknown.
std::string EnumWord(const google::protobuf::EnumDescriptor& descriptor,
                     int number);
// Every word but the UNSPECIFIED one, comma separated.
std::string EnumWords(const google::protobuf::EnumDescriptor& descriptor);
// "resistance_band" or "resistance-band" -> its number (never 0).
absl::StatusOr<int> ParseEnum(
    const google::protobuf::EnumDescriptor& descriptor, absl::string_view key,
    absl::string_view text);

// "62kg" | "136lb".
absl::StatusOr<type::v1::Mass> ParseMass(absl::string_view key,
                                         absl::string_view text);
// Body lengths: "168cm" | "1.68m" | "66in".
absl::StatusOr<type::v1::Length> ParseBodyLength(absl::string_view key,
                                                 absl::string_view text);
// Distances: "800m" | "5km" | "3.1mi".
absl::StatusOr<type::v1::Length> ParseDistance(absl::string_view key,
                                               absl::string_view text);
// Durations: "25m", "90s", "1h5m" (absl::ParseDuration) -> whole seconds.
absl::StatusOr<int> ParseSeconds(absl::string_view key, absl::string_view text);

}  // namespace gracilis::cli
