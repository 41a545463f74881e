#pragma once

// Account rules, pure: what a valid email, password and profile are, and how
// a field-masked update applies. No gRPC or Redis here.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/status/client_id.h"
#include "gracilis/account/v1/account.pb.h"

namespace gracilis::account {

// Body weight 20-500 kg, height 100-250 cm, age 13-100, 2-6 days a week.
inline constexpr double kMinBodyWeightKg = 20;
inline constexpr double kMaxBodyWeightKg = 500;
inline constexpr double kMinHeightCm = 100;
inline constexpr double kMaxHeightCm = 250;
inline constexpr int kMinAge = 13;
inline constexpr int kMaxAge = 100;
inline constexpr int kMinTrainingDays = 2;
// Request bounds: an update names each Profile field at most once, and
// equipment lists each item at most once.
inline constexpr size_t kMaxMaskPaths = 20;
inline constexpr int kMaxEquipmentItems = 16;
inline constexpr int kMaxTrainingDays = 6;
inline constexpr size_t kMinPasswordLength = 10;
inline constexpr size_t kMaxPasswordBytes = 512;
inline constexpr size_t kMaxDeviceNameBytes = 64;
inline constexpr size_t kMaxEmailLength = 254;

// Lower-cased, trimmed email.
std::string NormalizeEmail(absl::string_view email);

// INVALID_ARGUMENT naming each bad field of a registration.
absl::Status ValidateRegistration(absl::string_view request_id,
                                  absl::string_view email,
                                  absl::string_view password,
                                  absl::string_view device_name = "");

// INVALID_ARGUMENT naming `field` unless `email` may be an account's email
// (Register, RequestPasswordReset).
absl::Status ValidateEmail(absl::string_view field, absl::string_view email);

// INVALID_ARGUMENT naming `field` unless `password` may be an account's
// password (Register, ChangePassword).
absl::Status ValidateNewPassword(absl::string_view field,
                                 absl::string_view password);

// INVALID_ARGUMENT naming `field` unless `name` may name a device: at most
// kMaxDeviceNameBytes, no control characters.
absl::Status ValidateDeviceName(absl::string_view field,
                                absl::string_view name);

// A client address as its owner sees it in ListSessions, coarsened so that
// it tells the network, not the household: an IPv4 address's /24
// ("203.0.113.0/24"), an IPv6 address's /48 ("2001:db8:1::/48"). Anything
// else (a test's "local") is kept as it is, up to 64 bytes.
std::string CoarseAddress(absl::string_view address);

// Applies `update` to `current` for the paths in `mask` (when empty, the
// fields `update` sets: UpdatePaths, AIP-134), checking each changed value.
// `current_year` bounds the birth year. Output-only paths and unknown paths
// in a mask are INVALID_ARGUMENT.
absl::StatusOr<v1::Profile> ApplyProfileUpdate(
    const v1::Profile& current, const v1::Profile& update,
    const std::vector<std::string>& mask, int current_year);

}  // namespace gracilis::account
