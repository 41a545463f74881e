#include "tools/seed/synthetic_users.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/clock/iso_week.h"
#include "common/clock/timestamp.h"
#include "services/plan/domain/plan_generator.h"
#include "services/workout/domain/prescribed_work.h"

namespace gracilis::seed {
namespace {

constexpr double kStartWeightKg = 72;
constexpr double kWeeklyLossKg = 0.3;

}  // namespace

Persona PersonaOf(int index) { return static_cast<Persona>(index % 3); }

std::string SyntheticUserId(int index) {
  return absl::StrFormat("5eed%020x", index);
}

account::v1::Profile SyntheticProfile(int index) {
  account::v1::Profile profile;
  profile.set_name(absl::StrCat("users/", SyntheticUserId(index)));
  profile.set_email(absl::StrCat("seed-", index, "@example.com"));
  profile.mutable_body_weight()->set_value(kStartWeightKg);
  profile.mutable_body_weight()->set_unit(type::v1::MASS_UNIT_KILOGRAM);
  profile.mutable_height()->set_value(168);
  profile.mutable_height()->set_unit(type::v1::LENGTH_UNIT_CENTIMETER);
  profile.set_birth_year(1990);
  profile.set_sex(account::v1::SEX_FEMALE);
  profile.set_experience_level(type::v1::EXPERIENCE_LEVEL_BEGINNER);
  profile.add_equipment(type::v1::EQUIPMENT_DUMBBELL);
  profile.add_equipment(type::v1::EQUIPMENT_BENCH);
  profile.set_training_days_per_week(3);
  profile.set_goal(account::v1::GOAL_SLIM_AND_TONE);
  profile.set_time_zone("UTC");
  return profile;
}

internal::plan::v1::PlanInputs SyntheticPlanInputs(int index, int weeks_ago,
                                                   absl::Time now) {
  const account::v1::Profile profile = SyntheticProfile(index);
  internal::plan::v1::PlanInputs inputs;
  inputs.set_body_weight_kg(kStartWeightKg);
  inputs.set_height_cm(168);
  inputs.set_age_years(36);
  inputs.set_sex(profile.sex());
  inputs.set_experience_level(profile.experience_level());
  *inputs.mutable_equipment() = profile.equipment();
  inputs.set_goal(profile.goal());
  inputs.set_load_unit(type::v1::MASS_UNIT_KILOGRAM);
  const absl::CivilDay monday =
      MondayOf(WeekAt(now, absl::UTCTimeZone())) - 7 * weeks_ago;
  *inputs.mutable_start_date() = plan::ToDate(monday);
  inputs.set_days_per_week(3);
  inputs.set_session_minutes(45);
  inputs.set_running_level(plan::v1::RUNNING_LEVEL_CASUAL);
  inputs.set_time_zone(profile.time_zone());
  return inputs;
}

std::vector<workout::v1::Workout> SyntheticWorkouts(int index,
                                                    const plan::v1::Plan& plan,
                                                    absl::Time now) {
  const Persona persona = PersonaOf(index);
  const absl::CivilDay today = absl::ToCivilDay(now, absl::UTCTimeZone());
  std::map<std::string, workout::v1::StrengthSet> first_dose;
  std::vector<workout::v1::Workout> workouts;
  int session_number = 0;
  for (const plan::v1::PlanWeek& week : plan.weeks()) {
    for (const plan::v1::PlannedSession& session : week.sessions()) {
      const absl::CivilDay day = plan::ToCivilDay(session.date());
      if (day >= today) {
        return workouts;
      }
      if (persona == Persona::kSkipping && session_number++ % 2 == 1) {
        continue;
      }
      const absl::Time start = absl::FromCivil(
          absl::CivilSecond(day.year(), day.month(), day.day(), 18, 0, 0),
          absl::UTCTimeZone());
      workout::v1::Workout w;
      w.set_workout_id(absl::StrCat("seed-", session.id()));
      w.set_planned_session_id(session.id());
      *w.mutable_start_time() = ToTimestamp(start);
      workout::PrescribedWork work = workout::AsPrescribed(session);
      int minute = 0;
      for (workout::v1::StrengthSet& set : work.sets) {
        if (persona == Persona::kStalling) {
          auto [first, inserted] = first_dose.emplace(set.exercise_id(), set);
          if (!inserted && first->second.variant() == set.variant()) {
            set.set_reps(first->second.reps());
            set.set_hold_seconds(first->second.hold_seconds());
            if (first->second.has_load()) {
              *set.mutable_load() = first->second.load();
            } else {
              set.clear_load();
            }
          }
        }
        set.set_set_id(absl::StrCat("s", minute));
        *set.mutable_performed_time() =
            ToTimestamp(start + absl::Minutes(++minute));
        *w.add_sets() = std::move(set);
      }
      if (work.run) {
        work.run->set_run_id("run");
        *work.run->mutable_start_time() =
            ToTimestamp(start + absl::Minutes(++minute));
        minute += work.run->duration_seconds() / 60;
        *w.add_runs() = *std::move(work.run);
      }
      *w.mutable_end_time() = ToTimestamp(start + absl::Minutes(minute + 1));
      workouts.push_back(std::move(w));
    }
  }
  return workouts;
}

std::vector<workout::v1::BodyMeasurement> SyntheticMeasurements(
    int index, const internal::plan::v1::PlanInputs& inputs, absl::Time now) {
  const bool losing = PersonaOf(index) == Persona::kProgressing;
  std::vector<workout::v1::BodyMeasurement> out;
  const absl::CivilDay start = plan::ToCivilDay(inputs.start_date());
  for (int day = 0;; day += 2) {
    const absl::CivilDay date = start + day;
    const absl::Time time = absl::FromCivil(
        absl::CivilSecond(date.year(), date.month(), date.day(), 7, 0, 0),
        absl::UTCTimeZone());
    if (time >= now) {
      return out;
    }
    const double weeks = day / 7.0;
    workout::v1::BodyMeasurement m;
    m.set_measurement_id(absl::StrCat("m", day));
    *m.mutable_measure_time() = ToTimestamp(time);
    m.mutable_body_weight()->set_value(
        std::round((kStartWeightKg - (losing ? kWeeklyLossKg * weeks : 0)) *
                   10) /
        10);
    m.mutable_body_weight()->set_unit(type::v1::MASS_UNIT_KILOGRAM);
    m.mutable_waist()->set_value(
        std::round((80 - (losing ? 0.4 * weeks : 0)) * 10) / 10);
    m.mutable_waist()->set_unit(type::v1::LENGTH_UNIT_CENTIMETER);
    out.push_back(std::move(m));
  }
}

}  // namespace gracilis::seed
