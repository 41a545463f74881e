#include "services/account/domain/account_rules.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/grpc/field_mask.h"
#include "common/status/errors.h"
#include "common/units/unit_rules.h"

namespace gracilis::account {
namespace {

using type::v1::Equipment;
using type::v1::ExperienceLevel;

const std::vector<std::string>& OutputOnlyPaths() {
  static const auto* paths = new std::vector<std::string>{
      "name", "email", "create_time", "update_time", "email_verified"};
  return *paths;
}

bool IsOutputOnly(absl::string_view path) {
  const std::vector<std::string>& paths = OutputOnlyPaths();
  return std::find(paths.begin(), paths.end(), path) != paths.end();
}

void CheckNewPassword(absl::string_view field, absl::string_view password,
                      Violations& v) {
  if (password.size() < kMinPasswordLength) {
    v.Add(std::string(field),
          absl::StrCat("must be at least ", kMinPasswordLength, " characters"));
  } else if (password.size() > kMaxPasswordBytes) {
    v.Add(std::string(field),
          absl::StrCat("must be at most ", kMaxPasswordBytes, " bytes"));
  }
}

void CheckDeviceName(absl::string_view field, absl::string_view name,
                     Violations& v) {
  const bool control = std::any_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_iscntrl(static_cast<unsigned char>(c));
  });
  if (name.size() > kMaxDeviceNameBytes || control) {
    v.Add(std::string(field),
          absl::StrCat("must be at most ", kMaxDeviceNameBytes,
                       " bytes with no control characters"));
  }
}

void CheckTimeZone(const std::string& zone, Violations& v) {
  absl::TimeZone tz;
  // Bounded before the lookup (IANA names are at most 32 characters).
  if (zone.size() > 64 || !absl::LoadTimeZone(zone, &tz)) {
    v.Add("profile.time_zone",
          "must be an IANA time zone such as Europe/Berlin (at most 64 "
          "characters)");
  }
}

}  // namespace

std::string NormalizeEmail(absl::string_view email) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(email));
}

namespace {

void CheckEmail(absl::string_view field, absl::string_view email,
                Violations& v) {
  const std::string e = NormalizeEmail(email);
  const size_t at = e.find('@');
  bool email_ok = e.size() >= 3 && e.size() <= kMaxEmailLength &&
                  at != std::string::npos && at > 0 &&
                  e.find('@', at + 1) == std::string::npos &&
                  e.find('.', at) != std::string::npos && e.back() != '.';
  for (char c : e) {
    if (absl::ascii_isspace(c) || absl::ascii_iscntrl(c) || c == '{' ||
        c == '}') {
      email_ok = false;
    }
  }
  if (!email_ok) {
    v.Add(std::string(field),
          "must be an address like name@example.com (3-254 characters, one @, "
          "a dot in the domain, no spaces or braces)");
  }
}

}  // namespace

absl::Status ValidateRegistration(absl::string_view request_id,
                                  absl::string_view email,
                                  absl::string_view password,
                                  absl::string_view device_name) {
  Violations v;
  if (!IsValidClientId(request_id)) {
    v.Add("request_id", kClientIdRule);
  }
  CheckEmail("email", email, v);
  CheckNewPassword("password", password, v);
  CheckDeviceName("device_name", device_name, v);
  return v.ToStatus();
}

absl::Status ValidateEmail(absl::string_view field, absl::string_view email) {
  Violations v;
  CheckEmail(field, email, v);
  return v.ToStatus();
}

absl::Status ValidateNewPassword(absl::string_view field,
                                 absl::string_view password) {
  Violations v;
  CheckNewPassword(field, password, v);
  return v.ToStatus();
}

absl::Status ValidateDeviceName(absl::string_view field,
                                absl::string_view name) {
  Violations v;
  CheckDeviceName(field, name, v);
  return v.ToStatus();
}

std::string CoarseAddress(absl::string_view address) {
  const std::string text(address.substr(0, 64));
  unsigned char bytes[16] = {};
  char out[INET6_ADDRSTRLEN] = {};
  if (inet_pton(AF_INET, text.c_str(), bytes) == 1) {
    bytes[3] = 0;
    inet_ntop(AF_INET, bytes, out, sizeof(out));
    return absl::StrCat(out, "/24");
  }
  if (inet_pton(AF_INET6, text.c_str(), bytes) == 1) {
    if (IN6_IS_ADDR_V4MAPPED(reinterpret_cast<const in6_addr*>(bytes))) {
      inet_ntop(AF_INET, bytes + 12, out, sizeof(out));
      return CoarseAddress(out);
    }
    std::fill(bytes + 6, bytes + 16, 0);
    inet_ntop(AF_INET6, bytes, out, sizeof(out));
    return absl::StrCat(out, "/48");
  }
  return text;
}

absl::StatusOr<v1::Profile> ApplyProfileUpdate(
    const v1::Profile& current, const v1::Profile& update,
    const std::vector<std::string>& mask, int current_year) {
  Violations v;
  // Bounded before anything else: a mask names each field at most once.
  if (mask.size() > kMaxMaskPaths) {
    return InvalidField("update_mask", absl::StrCat("must name at most ",
                                                    kMaxMaskPaths, " paths"));
  }
  const std::vector<std::string> paths =
      UpdatePaths(mask, update, OutputOnlyPaths());
  // Output-only fields are ignored, but bounded like any request string.
  if (update.email().size() > kMaxEmailLength) {
    v.Add("profile.email", absl::StrCat("is output only, and at most ",
                                        kMaxEmailLength, " characters"));
  }
  v1::Profile next = current;
  std::set<std::string> seen;
  for (const std::string& path : paths) {
    if (!seen.insert(path).second) {
      continue;
    }
    if (path == "body_weight") {
      KilogramsIn(update.body_weight(), "profile.body_weight", kMinBodyWeightKg,
                  kMaxBodyWeightKg, v);
      *next.mutable_body_weight() = update.body_weight();
    } else if (path == "height") {
      CentimetresIn(update.height(), "profile.height", kMinHeightCm,
                    kMaxHeightCm, v);
      *next.mutable_height() = update.height();
    } else if (path == "birth_year") {
      // In 64 bits: any int32 year must give an answer, not an overflow.
      const int64_t age = int64_t{current_year} - update.birth_year();
      if (age < kMinAge || age > kMaxAge) {
        v.Add("profile.birth_year",
              absl::StrCat("must make the user ", kMinAge, "-", kMaxAge,
                           " years old (", current_year - kMaxAge, "-",
                           current_year - kMinAge, ")"));
      }
      next.set_birth_year(update.birth_year());
    } else if (path == "sex") {
      if (!v1::Sex_IsValid(update.sex()) ||
          update.sex() == v1::SEX_UNSPECIFIED) {
        v.Add("profile.sex", "must be SEX_FEMALE or SEX_MALE");
      }
      next.set_sex(update.sex());
    } else if (path == "experience_level") {
      if (!type::v1::ExperienceLevel_IsValid(update.experience_level()) ||
          update.experience_level() == type::v1::EXPERIENCE_LEVEL_UNSPECIFIED) {
        v.Add("profile.experience_level",
              "must be BEGINNER, INTERMEDIATE or ADVANCED");
      }
      next.set_experience_level(update.experience_level());
    } else if (path == "equipment" &&
               update.equipment_size() > kMaxEquipmentItems) {
      v.Add("profile.equipment",
            absl::StrCat("must list at most ", kMaxEquipmentItems, " items"));
    } else if (path == "equipment") {
      std::set<int> distinct;
      for (int e : update.equipment()) {
        if (!type::v1::Equipment_IsValid(e) ||
            e == type::v1::EQUIPMENT_UNSPECIFIED) {
          v.Add("profile.equipment",
                absl::StrCat("has unknown equipment value ", e));
        } else if (!distinct.insert(e).second) {
          v.Add("profile.equipment", "must not list an item twice");
        }
      }
      *next.mutable_equipment() = update.equipment();
    } else if (path == "training_days_per_week") {
      if (update.training_days_per_week() < kMinTrainingDays ||
          update.training_days_per_week() > kMaxTrainingDays) {
        v.Add(
            "profile.training_days_per_week",
            absl::StrCat("must be ", kMinTrainingDays, "-", kMaxTrainingDays));
      }
      next.set_training_days_per_week(update.training_days_per_week());
    } else if (path == "goal") {
      if (!v1::Goal_IsValid(update.goal()) ||
          update.goal() == v1::GOAL_UNSPECIFIED) {
        v.Add("profile.goal",
              "must be GOAL_SLIM_THIGHS, GOAL_TONE_INNER_THIGHS or "
              "GOAL_SLIM_AND_TONE");
      }
      next.set_goal(update.goal());
    } else if (path == "time_zone") {
      CheckTimeZone(update.time_zone(), v);
      next.set_time_zone(update.time_zone());
    } else if (path == "readiness") {
      const v1::Readiness& r = update.readiness();
      for (const auto& [name, answer] :
           {std::pair{"heart_condition", r.heart_condition()},
            std::pair{"chest_pain", r.chest_pain()},
            std::pair{"dizziness", r.dizziness()},
            std::pair{"bone_or_joint_problem", r.bone_or_joint_problem()},
            std::pair{"heart_or_blood_pressure_medication",
                      r.heart_or_blood_pressure_medication()},
            std::pair{"other_reason", r.other_reason()}}) {
        if (!v1::Readiness::Answer_IsValid(answer)) {
          v.Add(absl::StrCat("profile.readiness.", name),
                "must be ANSWER_NO, ANSWER_YES or unset");
        }
      }
      *next.mutable_readiness() = r;
    } else if (IsOutputOnly(path)) {
      v.Add("update_mask", absl::StrCat("'", path, "' is output only"));
    } else {
      // Echoed, but never more than 64 characters of it.
      v.Add("update_mask",
            absl::StrCat("'", path.substr(0, 64), path.size() > 64 ? "..." : "",
                         "' is not a Profile field"));
    }
  }
  if (!v.empty()) {
    return v.ToStatus();
  }
  return next;
}

}  // namespace gracilis::account
