#include "services/plan/domain/adaptation.h"

#include "common/status/errors.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/plan/domain/plan_generator.h"
#include "services/plan/domain/plan_rules_check.h"

namespace gracilis::plan {
namespace {

using ::gracilis::testing::IsOk;
using ::testing::Contains;
using ::testing::Field;
using ::testing::IsEmpty;

v1::AdaptPlanRequest Week(int week, int planned, int done) {
  v1::AdaptPlanRequest request;
  request.set_week_number(week);
  request.set_sessions_planned(planned);
  request.set_sessions_done(done);
  return request;
}

void AddOutcome(v1::AdaptPlanRequest& request, const std::string& id,
                v1::ExerciseOutcome outcome, int stalled_weeks = 0) {
  auto* o = request.add_outcomes();
  o->set_exercise_id(id);
  o->set_outcome(outcome);
  o->set_stalled_weeks(stalled_weeks);
}

PlanInputs Inputs() {
  PlanInputs inputs;
  inputs.set_body_weight_kg(70);
  inputs.set_height_cm(168);
  inputs.set_age_years(32);
  inputs.set_sex(account::v1::SEX_FEMALE);
  inputs.set_experience_level(type::v1::EXPERIENCE_LEVEL_INTERMEDIATE);
  for (auto e :
       {type::v1::EQUIPMENT_DUMBBELL, type::v1::EQUIPMENT_BENCH,
        type::v1::EQUIPMENT_CABLE_MACHINE, type::v1::EQUIPMENT_BARBELL}) {
    inputs.add_equipment(e);
  }
  inputs.set_goal(account::v1::GOAL_SLIM_AND_TONE);
  inputs.set_load_unit(type::v1::MASS_UNIT_KILOGRAM);
  *inputs.mutable_start_date() = ToDate(absl::CivilDay(2026, 11, 30));
  inputs.set_days_per_week(4);
  inputs.set_session_minutes(60);
  inputs.set_running_level(v1::RUNNING_LEVEL_CASUAL);
  return inputs;
}

const v1::PrescribedExercise* Find(const v1::PlanWeek& week,
                                   const std::string& id) {
  for (const auto& s : week.sessions()) {
    for (const auto& e : s.exercises()) {
      if (e.exercise_id() == id) {
        return &e;
      }
    }
  }
  return nullptr;
}

class AdaptationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto parsed = ExerciseCatalog::Parse(BuiltInCatalogText());
    ASSERT_THAT(parsed.status(), IsOk());
    catalog_ = std::make_unique<ExerciseCatalog>(*std::move(parsed));
  }

  v1::Plan Rebuild(const v1::AdaptPlanRequest& request) {
    for (auto& a : AdjustmentsFor(request)) {
      *adjustments_.Add() = std::move(a);
    }
    auto plan = GeneratePlan(*catalog_, Inputs(), adjustments_);
    EXPECT_THAT(plan.status(), IsOk());
    EXPECT_THAT(CheckCoachingRules(*plan, *catalog_, Inputs(), adjustments_),
                IsEmpty());
    return *plan;
  }

  std::unique_ptr<ExerciseCatalog> catalog_;
  Adjustments adjustments_;
};

TEST_F(AdaptationTest, HitTargetsStepUpAsWritten) {
  auto before = GeneratePlan(*catalog_, Inputs(), {});
  ASSERT_THAT(before.status(), IsOk());
  v1::AdaptPlanRequest request = Week(3, 4, 4);
  AddOutcome(request, "sumo_squat", v1::EXERCISE_OUTCOME_HIT_TARGET);
  AddOutcome(request, "copenhagen_plank", v1::EXERCISE_OUTCOME_PROGRESSED);
  EXPECT_TRUE(AdjustmentsFor(request).empty());
  const v1::Plan after = Rebuild(request);
  EXPECT_EQ(after.SerializeAsString(), before->SerializeAsString());
}

TEST_F(AdaptationTest, MissedTargetHoldsThatExerciseOnly) {
  v1::AdaptPlanRequest request = Week(3, 4, 4);
  AddOutcome(request, "sumo_squat", v1::EXERCISE_OUTCOME_MISSED_TARGET);
  const v1::Plan plan = Rebuild(request);
  const auto* w3 = Find(plan.weeks(2), "sumo_squat");
  const auto* w4 = Find(plan.weeks(3), "sumo_squat");
  EXPECT_EQ(w4->reps(), w3->reps());
  EXPECT_EQ(w4->load().value(), w3->load().value());
  EXPECT_EQ(w4->why().rule(), "adapt_hold");
  // Week 5 steps up again from the held dose.
  EXPECT_GT(Find(plan.weeks(4), "sumo_squat")->reps(), w4->reps());
  // Others still progress.
  EXPECT_GT(Find(plan.weeks(3), "copenhagen_plank")->hold_seconds(),
            Find(plan.weeks(2), "copenhagen_plank")->hold_seconds());
}

TEST_F(AdaptationTest, RepeatedStallsDeloadAboutTenPercent) {
  v1::AdaptPlanRequest request = Week(6, 4, 4);
  AddOutcome(request, "sumo_deadlift", v1::EXERCISE_OUTCOME_STALLED, 2);
  const v1::Plan plan = Rebuild(request);
  const auto* w6 = Find(plan.weeks(5), "sumo_deadlift");
  const auto* w7 = Find(plan.weeks(6), "sumo_deadlift");
  const auto* w8 = Find(plan.weeks(7), "sumo_deadlift");
  EXPECT_LT(w7->load().value(), w6->load().value());
  EXPECT_GE(w7->load().value(), w6->load().value() * 0.85);
  EXPECT_EQ(w7->why().rule(), "adapt_deload");
  EXPECT_GT(w8->load().value(), w6->load().value());
}

TEST_F(AdaptationTest, MissedSessionsRepeatTheWeek) {
  v1::AdaptPlanRequest request = Week(2, 4, 1);
  const v1::Plan plan = Rebuild(request);
  EXPECT_EQ(Find(plan.weeks(2), "copenhagen_plank")->hold_seconds(),
            Find(plan.weeks(1), "copenhagen_plank")->hold_seconds());
  EXPECT_EQ(plan.weeks(2).running_minutes(), plan.weeks(1).running_minutes());
  EXPECT_THAT(
      plan.weeks(2).why(),
      Contains(::testing::Property(&v1::Rationale::rule, "adapt_repeat_week")));
}

TEST_F(AdaptationTest, BadRequestsNameTheField) {
  v1::AdaptPlanRequest request = Week(0, 3, 5);
  AddOutcome(request, "moonwalk", v1::EXERCISE_OUTCOME_UNSPECIFIED);
  std::vector<std::string> fields;
  for (const auto& v :
       FieldViolationsOf(ValidateAdaptation(request, *catalog_))) {
    fields.push_back(v.field);
  }
  EXPECT_THAT(fields, ::testing::UnorderedElementsAre(
                          "week_number", "sessions_done",
                          "outcomes[0].exercise_id", "outcomes[0].outcome"));
}

}  // namespace
}  // namespace gracilis::plan
