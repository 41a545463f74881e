#include "services/plan/domain/plan_inputs.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/client_id.h"
#include "common/status/errors.h"
#include "common/status/status_macros.h"
#include "common/units/units.h"
#include "services/plan/domain/coaching_rules.h"
#include "services/plan/domain/plan_generator.h"

namespace gracilis::plan {
v1::RunningBase RunningBaseOf(const std::vector<int>& logged_run_seconds,
                              int stated_minutes, v1::RunningLevel level) {
  v1::RunningBase base;
  if (!logged_run_seconds.empty()) {
    std::vector<int> minutes;
    int64_t total_seconds = 0;
    for (int seconds : logged_run_seconds) {
      minutes.push_back(std::max(1, (seconds + 30) / 60));
      total_seconds += seconds;
    }
    base.set_weekly_minutes(static_cast<int>(
        total_seconds * 7 / (60 * rules::kRecentRunWindowDays)));
    std::sort(minutes.begin(), minutes.end());
    base.set_source(v1::RunningBase::SOURCE_LOGGED_RUNS);
    // The lower median: "at or below their typical run".
    base.set_typical_minutes(minutes[(minutes.size() - 1) / 2]);
    base.set_longest_minutes(minutes.back());
    base.set_runs(static_cast<int>(minutes.size()));
    base.set_has_base(base.runs() >= rules::kRunsInThirtyDaysForBase);
    return base;
  }
  if (stated_minutes > 0) {
    base.set_source(v1::RunningBase::SOURCE_STATED);
    base.set_typical_minutes(stated_minutes);
    base.set_longest_minutes(stated_minutes);
  } else {
    base.set_source(v1::RunningBase::SOURCE_RUNNING_LEVEL);
    base.set_typical_minutes(rules::UsualRunMinutes(level));
    base.set_longest_minutes(rules::UsualRunMinutes(level));
  }
  base.set_has_base(level == v1::RUNNING_LEVEL_REGULAR);
  return base;
}

absl::StatusOr<internal::plan::v1::PlanInputs> PlanInputsFrom(
    const account::v1::Profile& profile, const v1::GeneratePlanRequest& request,
    absl::CivilDay today, const std::vector<int>& logged_run_seconds) {
  Violations bad;
  if (!IsValidClientId(request.request_id())) {
    bad.Add("request_id", kClientIdRule);
  }
  if (request.session_minutes() != 0 &&
      (request.session_minutes() < 20 || request.session_minutes() > 120)) {
    bad.Add("session_minutes", "must be 20-120, or 0 for 45");
  }
  if (request.days_per_week() != 0 &&
      (request.days_per_week() < 2 || request.days_per_week() > 6)) {
    bad.Add("days_per_week", "must be 2-6, or 0 for the profile's");
  }
  if (!v1::RunningLevel_IsValid(request.running_level())) {
    bad.Add("running_level", "must be NONE, CASUAL or REGULAR");
  }
  if (request.usual_run_minutes() != 0 &&
      (request.usual_run_minutes() < 5 || request.usual_run_minutes() > 180)) {
    bad.Add("usual_run_minutes", "must be 5-180, or 0 when not stated");
  }
  absl::CivilDay start =
      today + (7 - static_cast<int>(absl::GetWeekday(today)));
  if (request.has_start_date()) {
    const auto& d = request.start_date();
    const absl::CivilDay day(d.year(), d.month(), d.day());
    if (day.year() != d.year() || day.month() != d.month() ||
        day.day() != d.day()) {
      bad.Add("start_date", "must be a valid date");
    } else if (day < today - kStartDaysBackMax ||
               day > today + kStartDaysAheadMax) {
      bad.Add("start_date",
              "must be from 182 days (26 weeks) ago to 90 days ahead");
    }
    start = day;
  }
  RETURN_IF_ERROR(bad.ToStatus());

  std::vector<std::string> missing;
  if (profile.body_weight().value() <= 0) {
    missing.push_back("body_weight");
  }
  if (profile.height().value() <= 0) {
    missing.push_back("height");
  }
  if (profile.birth_year() == 0) {
    missing.push_back("birth_year");
  }
  if (profile.sex() == account::v1::SEX_UNSPECIFIED) {
    missing.push_back("sex");
  }
  if (profile.experience_level() == type::v1::EXPERIENCE_LEVEL_UNSPECIFIED) {
    missing.push_back("experience_level");
  }
  if (profile.goal() == account::v1::GOAL_UNSPECIFIED) {
    missing.push_back("goal");
  }
  if (request.days_per_week() == 0 && profile.training_days_per_week() == 0) {
    missing.push_back("training_days_per_week");
  }
  if (!missing.empty()) {
    return WithReasonMetadata(
        WithReason(absl::FailedPreconditionError(absl::StrCat(
                       "set these profile fields before generating a plan: ",
                       absl::StrJoin(missing, ", "))),
                   "PROFILE_INCOMPLETE"),
        "fields", absl::StrJoin(missing, ","));
  }

  internal::plan::v1::PlanInputs inputs;
  const bool pounds = profile.body_weight().unit() == type::v1::MASS_UNIT_POUND;
  // The account service only stores profiles in known units.
  inputs.set_body_weight_kg(Kilograms(profile.body_weight()).value_or(0));
  inputs.set_height_cm(Centimetres(profile.height()).value_or(0));
  inputs.set_age_years(static_cast<int>(today.year()) - profile.birth_year());
  inputs.set_sex(profile.sex());
  inputs.set_experience_level(profile.experience_level());
  *inputs.mutable_equipment() = profile.equipment();
  inputs.set_goal(profile.goal());
  inputs.set_load_unit(pounds ? type::v1::MASS_UNIT_POUND
                              : type::v1::MASS_UNIT_KILOGRAM);
  *inputs.mutable_start_date() = ToDate(start);
  inputs.set_days_per_week(request.days_per_week() != 0
                               ? request.days_per_week()
                               : profile.training_days_per_week());
  inputs.set_session_minutes(request.session_minutes() != 0
                                 ? request.session_minutes()
                                 : kDefaultSessionMinutes);
  inputs.set_running_level(request.running_level() ==
                                   v1::RUNNING_LEVEL_UNSPECIFIED
                               ? v1::RUNNING_LEVEL_NONE
                               : request.running_level());
  inputs.set_time_zone(profile.time_zone());
  *inputs.mutable_running_base() = RunningBaseOf(
      logged_run_seconds, request.usual_run_minutes(), inputs.running_level());
  const account::v1::Readiness& r = profile.readiness();
  int yes = 0;
  for (auto answer :
       {r.heart_condition(), r.chest_pain(), r.dizziness(),
        r.bone_or_joint_problem(), r.heart_or_blood_pressure_medication(),
        r.other_reason()}) {
    yes += answer == account::v1::Readiness::ANSWER_YES ? 1 : 0;
  }
  inputs.set_readiness_yes_answers(yes);
  RETURN_IF_ERROR(ValidatePlanInputs(inputs));
  return inputs;
}

}  // namespace gracilis::plan
