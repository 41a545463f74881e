#include "common/units/unit_rules.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace gracilis {
namespace {

// The converted value if the unit was known and the value in range.
std::optional<double> InRange(std::optional<double> converted,
                              const std::string& field, double min, double max,
                              const char* units, const std::string& range,
                              Violations& violations) {
  if (!converted) {
    violations.Add(field + ".unit", absl::StrCat("must be ", units));
    return std::nullopt;
  }
  if (!std::isfinite(*converted) || *converted < min || *converted > max) {
    violations.Add(field + ".value", absl::StrCat("must be ", range));
    return std::nullopt;
  }
  return converted;
}

}  // namespace

std::optional<double> KilogramsIn(const type::v1::Mass& mass,
                                  const std::string& field, double min_kg,
                                  double max_kg, Violations& violations) {
  return InRange(Kilograms(mass), field, min_kg, max_kg,
                 "MASS_UNIT_KILOGRAM or MASS_UNIT_POUND",
                 absl::StrCat(min_kg, "-", max_kg, " kg (", min_kg / kKgPerLb,
                              "-", std::round(max_kg / kKgPerLb), " lb)"),
                 violations);
}

std::optional<double> CentimetresIn(const type::v1::Length& length,
                                    const std::string& field, double min_cm,
                                    double max_cm, Violations& violations) {
  return InRange(
      Centimetres(length), field, min_cm, max_cm,
      "LENGTH_UNIT_CENTIMETER, LENGTH_UNIT_METER or LENGTH_UNIT_INCH",
      absl::StrCat(min_cm, "-", max_cm, " cm (",
                   std::round(min_cm / kCmPerInch * 10) / 10, "-",
                   std::round(max_cm / kCmPerInch * 10) / 10, " in)"),
      violations);
}

std::optional<double> MetresIn(const type::v1::Length& length,
                               const std::string& field, double min_m,
                               double max_m, Violations& violations) {
  return InRange(
      Metres(length), field, min_m, max_m,
      "LENGTH_UNIT_METER, LENGTH_UNIT_KILOMETER or LENGTH_UNIT_MILE",
      absl::StrCat(min_m / 1000, "-", max_m / 1000, " km (",
                   std::round(min_m / kMetresPerMile * 10) / 10, "-",
                   std::round(max_m / kMetresPerMile * 10) / 10, " mi)"),
      violations);
}

}  // namespace gracilis
