#include "cli/arguments.h"

#include <cmath>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/status/errors.h"

namespace gracilis::cli {

using google::protobuf::EnumDescriptor;

namespace {

// "SEX_UNSPECIFIED" -> "SEX_": every enum in the contract names its zero
// value <PREFIX>UNSPECIFIED.
std::string EnumPrefix(const EnumDescriptor& descriptor) {
  return std::string(
      absl::StripSuffix(descriptor.value(0)->name(), "UNSPECIFIED"));
}

// "62.5kg" -> {62.5, "kg"}.
bool SplitQuantity(absl::string_view text, double* value, std::string* unit) {
  size_t end = 0;
  while (end < text.size() &&
         (absl::ascii_isdigit(text[end]) || text[end] == '.')) {
    ++end;
  }
  *unit = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text.substr(end)));
  return end > 0 && absl::SimpleAtod(text.substr(0, end), value) &&
         std::isfinite(*value);
}

template <typename Quantity, typename Unit>
absl::StatusOr<Quantity> ParseQuantity(absl::string_view key,
                                       absl::string_view text,
                                       const std::map<std::string, Unit>& units,
                                       const char* form) {
  Quantity quantity;
  double value = 0;
  std::string unit;
  if (!SplitQuantity(text, &value, &unit) || !units.contains(unit)) {
    return InvalidField(std::string(key), form);
  }
  quantity.set_value(value);
  quantity.set_unit(units.at(unit));
  return quantity;
}

}  // namespace

// "EQUIPMENT_RESISTANCE_BAND" -> "resistance_band".
std::string EnumWord(const EnumDescriptor& descriptor, int number) {
  const auto* value = descriptor.FindValueByNumber(number);
  if (value == nullptr || number == 0) {
    return "-";
  }
  return absl::AsciiStrToLower(
      absl::StripPrefix(value->name(), EnumPrefix(descriptor)));
}

std::string EnumWords(const EnumDescriptor& descriptor) {
  std::vector<std::string> words;
  for (int i = 1; i < descriptor.value_count(); ++i) {
    words.push_back(EnumWord(descriptor, descriptor.value(i)->number()));
  }
  return absl::StrJoin(words, ", ");
}

absl::StatusOr<int> ParseEnum(const EnumDescriptor& descriptor,
                              absl::string_view key, absl::string_view text) {
  const std::string name = absl::StrCat(
      EnumPrefix(descriptor),
      absl::AsciiStrToUpper(absl::StrReplaceAll(text, {{"-", "_"}})));
  const auto* value = descriptor.FindValueByName(name);
  if (value == nullptr || value->number() == 0) {
    return InvalidField(std::string(key),
                        absl::StrCat("one of: ", EnumWords(descriptor)));
  }
  return value->number();
}

absl::StatusOr<type::v1::Mass> ParseMass(absl::string_view key,
                                         absl::string_view text) {
  return ParseQuantity<type::v1::Mass, type::v1::MassUnit>(
      key, text,
      {{"kg", type::v1::MASS_UNIT_KILOGRAM},
       {"lb", type::v1::MASS_UNIT_POUND},
       {"lbs", type::v1::MASS_UNIT_POUND}},
      "a number with kg or lb, e.g. 62kg");
}

absl::StatusOr<type::v1::Length> ParseBodyLength(absl::string_view key,
                                                 absl::string_view text) {
  return ParseQuantity<type::v1::Length, type::v1::LengthUnit>(
      key, text,
      {{"cm", type::v1::LENGTH_UNIT_CENTIMETER},
       {"m", type::v1::LENGTH_UNIT_METER},
       {"in", type::v1::LENGTH_UNIT_INCH}},
      "a number with cm, m or in, e.g. 168cm");
}

absl::StatusOr<type::v1::Length> ParseDistance(absl::string_view key,
                                               absl::string_view text) {
  return ParseQuantity<type::v1::Length, type::v1::LengthUnit>(
      key, text,
      {{"m", type::v1::LENGTH_UNIT_METER},
       {"km", type::v1::LENGTH_UNIT_KILOMETER},
       {"mi", type::v1::LENGTH_UNIT_MILE}},
      "a number with m, km or mi, e.g. 5km");
}

absl::StatusOr<int> ParseSeconds(absl::string_view key,
                                 absl::string_view text) {
  absl::Duration duration;
  if (!absl::ParseDuration(std::string(text), &duration) ||
      duration < absl::ZeroDuration() || duration > absl::Hours(24)) {
    return InvalidField(std::string(key), "a duration like 25m, 90s or 1h5m");
  }
  return static_cast<int>(absl::ToInt64Seconds(duration));
}

}  // namespace gracilis::cli
