#pragma once

// Conversions of the contract's Mass and Length (gracilis.type.v1) to the
// SI units domain code computes in. Exact factors: 1 lb = 0.45359237 kg,
// 1 in = 2.54 cm, 1 mi = 1609.344 m.

#include <optional>

#include "gracilis/type/v1/units.pb.h"

namespace gracilis {

inline constexpr double kKgPerLb = 0.45359237;
inline constexpr double kLbPerKg = 1 / kKgPerLb;
inline constexpr double kCmPerInch = 2.54;
inline constexpr double kMetresPerMile = 1609.344;

// nullopt when the unit is unset or unknown.
inline std::optional<double> Kilograms(const type::v1::Mass& mass) {
  switch (mass.unit()) {
    case type::v1::MASS_UNIT_KILOGRAM:
      return mass.value();
    case type::v1::MASS_UNIT_POUND:
      return mass.value() * kKgPerLb;
    default:
      return std::nullopt;
  }
}

// Body heights only: centimetres, metres or inches; nullopt otherwise.
inline std::optional<double> Centimetres(const type::v1::Length& length) {
  switch (length.unit()) {
    case type::v1::LENGTH_UNIT_CENTIMETER:
      return length.value();
    case type::v1::LENGTH_UNIT_METER:
      return length.value() * 100;
    case type::v1::LENGTH_UNIT_INCH:
      return length.value() * kCmPerInch;
    default:
      return std::nullopt;
  }
}

// Distances run: metres, kilometres or miles; nullopt otherwise.
inline std::optional<double> Metres(const type::v1::Length& length) {
  switch (length.unit()) {
    case type::v1::LENGTH_UNIT_METER:
      return length.value();
    case type::v1::LENGTH_UNIT_KILOMETER:
      return length.value() * 1000;
    case type::v1::LENGTH_UNIT_MILE:
      return length.value() * kMetresPerMile;
    default:
      return std::nullopt;
  }
}

}  // namespace gracilis
