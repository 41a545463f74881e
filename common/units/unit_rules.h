#pragma once

// Range checks of entered quantities, in one place for every service: the
// value is converted to the unit the rule is stated in, and a violation names
// the field and the range (also in the other units a user may type).

#include <optional>
#include <string>

#include "common/status/errors.h"
#include "common/units/units.h"

namespace gracilis {

// `mass` in kilograms if its unit is set and it lies in [min_kg, max_kg];
// otherwise adds a violation for `field` and returns nullopt.
std::optional<double> KilogramsIn(const type::v1::Mass& mass,
                                  const std::string& field, double min_kg,
                                  double max_kg, Violations& violations);

// Body lengths (cm, m, in) in centimetres, checked against [min_cm, max_cm].
std::optional<double> CentimetresIn(const type::v1::Length& length,
                                    const std::string& field, double min_cm,
                                    double max_cm, Violations& violations);

// Distances (m, km, mi) in metres, checked against [min_m, max_m].
std::optional<double> MetresIn(const type::v1::Length& length,
                               const std::string& field, double min_m,
                               double max_m, Violations& violations);

}  // namespace gracilis
