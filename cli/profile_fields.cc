#include "cli/profile_fields.h"

#include <cmath>
#include <functional>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "cli/arguments.h"
#include "common/status/errors.h"
#include "common/status/status_macros.h"
#include "google/protobuf/descriptor.h"

namespace gracilis::cli {
namespace {

using account::v1::Profile;
using google::protobuf::EnumDescriptor;
using type::v1::Equipment;
using type::v1::Equipment_descriptor;
using type::v1::LengthUnit;
using type::v1::MassUnit;

using Assign = std::function<absl::Status(absl::string_view key,
                                          absl::string_view text, Profile&)>;

struct Key {
  std::string mask_path;
  std::string form;  // for help and errors
  Assign assign;
};

absl::Status AssignWeight(absl::string_view key, absl::string_view text,
                          Profile& profile) {
  ASSIGN_OR_RETURN(*profile.mutable_body_weight(), ParseMass(key, text));
  return absl::OkStatus();
}

absl::Status AssignHeight(absl::string_view key, absl::string_view text,
                          Profile& profile) {
  ASSIGN_OR_RETURN(*profile.mutable_height(), ParseBodyLength(key, text));
  return absl::OkStatus();
}

// "no,no,no,yes,no,no": the readiness check's answers in question order.
absl::Status AssignReadiness(absl::string_view key, absl::string_view text,
                             Profile& profile) {
  const std::vector<std::string> words =
      absl::StrSplit(absl::AsciiStrToLower(text), ',');
  using R = account::v1::Readiness;
  std::vector<R::Answer> answers;
  for (const std::string& word : words) {
    if (word != "yes" && word != "no") {
      break;
    }
    answers.push_back(word == "yes" ? R::ANSWER_YES : R::ANSWER_NO);
  }
  if (answers.size() != 6 || words.size() != 6) {
    return InvalidField(std::string(key),
                        "six answers, each yes or no, separated by commas");
  }
  R& r = *profile.mutable_readiness();
  r.set_heart_condition(answers[0]);
  r.set_chest_pain(answers[1]);
  r.set_dizziness(answers[2]);
  r.set_bone_or_joint_problem(answers[3]);
  r.set_heart_or_blood_pressure_medication(answers[4]);
  r.set_other_reason(answers[5]);
  return absl::OkStatus();
}

// "not answered", "all no" or the questions answered yes.
std::string ReadinessText(const account::v1::Readiness& r) {
  using R = account::v1::Readiness;
  std::vector<std::string> yes;
  bool answered = false;
  for (const auto& [name, answer] :
       {std::pair{"heart condition", r.heart_condition()},
        std::pair{"chest pain", r.chest_pain()},
        std::pair{"dizziness", r.dizziness()},
        std::pair{"bone or joint problem", r.bone_or_joint_problem()},
        std::pair{"heart or blood pressure medication",
                  r.heart_or_blood_pressure_medication()},
        std::pair{"other reason", r.other_reason()}}) {
    answered = answered || answer != R::ANSWER_UNSPECIFIED;
    if (answer == R::ANSWER_YES) {
      yes.push_back(name);
    }
  }
  if (!answered) {
    return "not answered";
  }
  return yes.empty() ? "all no"
                     : absl::StrCat("yes: ", absl::StrJoin(yes, ", "),
                                    " (check with a doctor first)");
}

Assign AssignInt(void (Profile::*set)(int32_t)) {
  return [set](absl::string_view key, absl::string_view text,
               Profile& profile) -> absl::Status {
    int32_t value = 0;
    if (!absl::SimpleAtoi(text, &value)) {
      return InvalidField(std::string(key), "a whole number");
    }
    (profile.*set)(value);
    return absl::OkStatus();
  };
}

template <typename EnumT>
Assign AssignEnum(const EnumDescriptor* descriptor,
                  void (Profile::*set)(EnumT)) {
  return [descriptor, set](absl::string_view key, absl::string_view text,
                           Profile& profile) -> absl::Status {
    absl::StatusOr<int> number = ParseEnum(*descriptor, key, text);
    if (!number.ok()) {
      return number.status();
    }
    (profile.*set)(static_cast<EnumT>(*number));
    return absl::OkStatus();
  };
}

absl::Status AssignEquipment(absl::string_view key, absl::string_view text,
                             Profile& profile) {
  profile.clear_equipment();
  if (absl::AsciiStrToLower(text) == "none") {
    return absl::OkStatus();
  }
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    absl::StatusOr<int> number = ParseEnum(*Equipment_descriptor(), key,
                                           absl::StripAsciiWhitespace(item));
    if (!number.ok()) {
      return InvalidField(std::string(key),
                          absl::StrCat("none, or a comma-separated list of: ",
                                       EnumWords(*Equipment_descriptor())));
    }
    profile.add_equipment(static_cast<Equipment>(*number));
  }
  return absl::OkStatus();
}

const std::map<std::string, Key>& Keys() {
  static const auto* keys = new std::map<std::string, Key>{
      {"weight", {"body_weight", "62kg | 136lb", AssignWeight}},
      {"height", {"height", "168cm | 1.68m | 66in", AssignHeight}},
      {"birth_year",
       {"birth_year", "1992", AssignInt(&Profile::set_birth_year)}},
      {"sex",
       {"sex", EnumWords(*account::v1::Sex_descriptor()),
        AssignEnum(account::v1::Sex_descriptor(), &Profile::set_sex)}},
      {"experience",
       {"experience_level", EnumWords(*type::v1::ExperienceLevel_descriptor()),
        AssignEnum(type::v1::ExperienceLevel_descriptor(),
                   &Profile::set_experience_level)}},
      {"equipment",
       {"equipment",
        absl::StrCat("none | list of ", EnumWords(*Equipment_descriptor())),
        AssignEquipment}},
      {"days",
       {"training_days_per_week", "2-6",
        AssignInt(&Profile::set_training_days_per_week)}},
      {"goal",
       {"goal", EnumWords(*account::v1::Goal_descriptor()),
        AssignEnum(account::v1::Goal_descriptor(), &Profile::set_goal)}},
      {"time_zone",
       {"time_zone", "Europe/Berlin",
        [](absl::string_view, absl::string_view text, Profile& profile) {
          profile.set_time_zone(std::string(text));
          return absl::OkStatus();
        }}},
      {"readiness",
       {"readiness",
        "six yes|no answers, in order: heart condition, chest pain, "
        "dizziness, bone or joint problem, heart or blood pressure "
        "medication, other reason (e.g. no,no,no,yes,no,no)",
        AssignReadiness}},
  };
  return *keys;
}

std::string Quantity(double value, absl::string_view unit) {
  return absl::StrCat(absl::StrFormat("%.4g", value), " ", unit);
}

std::string FormatTime(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0) {
    return "-";
  }
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC",
                          absl::FromUnixSeconds(time.seconds()),
                          absl::UTCTimeZone());
}

}  // namespace

absl::StatusOr<account::v1::UpdateProfileRequest> ParseProfileAssignments(
    const std::vector<std::string>& assignments) {
  account::v1::UpdateProfileRequest request;
  if (assignments.empty()) {
    return InvalidField("profile set", "needs at least one key=value");
  }
  Violations violations;
  for (const std::string& assignment : assignments) {
    const std::vector<std::string> parts =
        absl::StrSplit(assignment, absl::MaxSplits('=', 1));
    const auto key = Keys().find(parts[0]);
    if (parts.size() != 2 || key == Keys().end()) {
      violations.Add(
          assignment,
          absl::StrCat("expected key=value with key one of: ",
                       absl::StrJoin(Keys(), ", ",
                                     [](std::string* out, const auto& entry) {
                                       out->append(entry.first);
                                     })));
      continue;
    }
    absl::Status assigned =
        key->second.assign(parts[0], parts[1], *request.mutable_profile());
    if (!assigned.ok()) {
      for (const FieldViolation& violation : FieldViolationsOf(assigned)) {
        violations.Add(violation.field, violation.rule);
      }
      continue;
    }
    request.mutable_update_mask()->add_paths(key->second.mask_path);
  }
  if (!violations.empty()) {
    return violations.ToStatus();
  }
  return request;
}

std::string ProfileAssignmentHelp() {
  std::string help;
  for (const auto& [key, entry] : Keys()) {
    absl::StrAppend(&help, "    ", key, "=", entry.form, "\n");
  }
  return help;
}

std::string FormatProfile(const Profile& profile) {
  const auto mass = [](const type::v1::Mass& mass) {
    return mass.value() == 0
               ? std::string("-")
               : Quantity(mass.value(), mass.unit() == type::v1::MASS_UNIT_POUND
                                            ? "lb"
                                            : "kg");
  };
  const auto length = [](const type::v1::Length& length) {
    switch (length.unit()) {
      case type::v1::LENGTH_UNIT_METER:
        return Quantity(length.value(), "m");
      case type::v1::LENGTH_UNIT_INCH:
        return Quantity(length.value(), "in");
      default:
        return length.value() == 0 ? std::string("-")
                                   : Quantity(length.value(), "cm");
    }
  };
  std::vector<std::string> equipment;
  for (int item : profile.equipment()) {
    equipment.push_back(EnumWord(*Equipment_descriptor(), item));
  }
  const auto number = [](int value) {
    return value == 0 ? std::string("-") : absl::StrCat(value);
  };
  const std::vector<std::pair<std::string, std::string>> lines = {
      {"user", profile.name()},
      {"email", absl::StrCat(profile.email(), profile.email_verified()
                                                  ? " (verified)"
                                                  : " (not verified yet)")},
      {"weight", mass(profile.body_weight())},
      {"height", length(profile.height())},
      {"birth_year", number(profile.birth_year())},
      {"sex", EnumWord(*account::v1::Sex_descriptor(), profile.sex())},
      {"experience", EnumWord(*type::v1::ExperienceLevel_descriptor(),
                              profile.experience_level())},
      {"equipment",
       equipment.empty() ? std::string("none") : absl::StrJoin(equipment, ",")},
      {"days", number(profile.training_days_per_week())},
      {"goal", EnumWord(*account::v1::Goal_descriptor(), profile.goal())},
      {"time_zone", profile.time_zone().empty() ? "-" : profile.time_zone()},
      {"readiness", ReadinessText(profile.readiness())},
      {"updated", FormatTime(profile.update_time())},
  };
  std::string text;
  for (const auto& [label, value] : lines) {
    absl::StrAppend(&text, absl::StrFormat("%-11s %s\n", label, value));
  }
  return text;
}

}  // namespace gracilis::cli
