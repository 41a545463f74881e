#include "services/plan/domain/adaptation.h"

#include "absl/strings/str_cat.h"
#include "common/status/errors.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/plan/domain/plan_generator.h"
#include "services/plan/domain/plan_rules_check.h"

namespace gracilis::plan {
namespace {

using ::gracilis::testing::IsOk;
using internal::plan::v1::PlanRecord;
using ::testing::Contains;
using ::testing::Field;
using ::testing::IsEmpty;

v1::AdaptPlanRequest Week(int week, int planned, int done) {
  v1::AdaptPlanRequest request;
  request.set_request_id(absl::StrCat("weekly-", week));
  request.set_week_number(week);
  request.set_sessions_planned(planned);
  request.set_sessions_done(done);
  return request;
}

// What was logged of `id` in the week: `done` as given.
void AddLogged(v1::AdaptPlanRequest& request, const std::string& id,
               const v1::PrescribedExercise& done, int stalled_weeks = 0) {
  auto* o = request.add_outcomes();
  o->set_exercise_id(id);
  o->set_stalled_weeks(stalled_weeks);
  v1::LoggedWork& logged = *o->mutable_logged();
  logged.set_variant(done.variant());
  if (done.has_load()) {
    *logged.mutable_load() = done.load();
  }
  logged.set_reps(done.reps());
  logged.set_hold_seconds(done.hold_seconds());
  logged.set_tempo_seconds(done.tempo().eccentric_seconds());
  logged.set_sets(done.sets());
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
    *record_.mutable_inputs() = Inputs();
    auto plan = GeneratePlan(*catalog_, Inputs(), {});
    ASSERT_THAT(plan.status(), IsOk());
    *record_.mutable_plan() = *std::move(plan);
  }

  // Week `number`'s prescription of `id` in the current plan.
  v1::PrescribedExercise Prescribed(int number, const std::string& id) {
    const v1::PlanWeek week = *PlanWeekOf(record_.plan(), number);
    const v1::PrescribedExercise* found = Find(week, id);
    EXPECT_NE(found, nullptr) << id;
    return found == nullptr ? v1::PrescribedExercise() : *found;
  }

  // Adapts the current plan as the plan service does; returns what changed.
  std::vector<v1::PlanChange> Adapt(const v1::AdaptPlanRequest& request) {
    EXPECT_THAT(ValidateAdaptation(request, *catalog_), IsOk());
    const std::vector<Adjustment> added =
        AdjustmentsFor(request, record_, *catalog_);
    for (const Adjustment& a : added) {
      *record_.add_adjustments() = a;
    }
    auto plan = GeneratePlan(*catalog_, Inputs(), record_.adjustments());
    EXPECT_THAT(plan.status(), IsOk());
    EXPECT_THAT(
        CheckCoachingRules(*plan, *catalog_, Inputs(), record_.adjustments()),
        IsEmpty());
    std::vector<v1::PlanChange> changes =
        ChangesOf(added, record_.plan(), *plan);
    *record_.mutable_plan() = *std::move(plan);
    return changes;
  }

  // A user's request from `week` on, applied as the plan service does.
  absl::StatusOr<std::vector<v1::PlanChange>> Ask(
      const v1::RequestPlanChangeRequest& request, int week) {
    EXPECT_THAT(ValidateChangeRequest(request, *catalog_), IsOk());
    absl::StatusOr<std::vector<Adjustment>> added =
        AdjustmentsForRequest(request, week, record_, *catalog_);
    if (!added.ok()) {
      return added.status();
    }
    for (const Adjustment& a : *added) {
      *record_.add_adjustments() = a;
    }
    auto plan = GeneratePlan(*catalog_, Inputs(), record_.adjustments());
    EXPECT_THAT(plan.status(), IsOk());
    EXPECT_THAT(
        CheckCoachingRules(*plan, *catalog_, Inputs(), record_.adjustments()),
        IsEmpty());
    std::vector<v1::PlanChange> changes =
        ChangesOf(*added, record_.plan(), *plan);
    *record_.mutable_plan() = *std::move(plan);
    return changes;
  }

  static v1::RequestPlanChangeRequest Request(
      v1::RequestPlanChangeRequest::Kind kind, const std::string& exercise) {
    v1::RequestPlanChangeRequest request;
    request.set_request_id("ask");
    request.set_kind(kind);
    request.set_exercise_id(exercise);
    return request;
  }

  const v1::Plan& plan() const { return record_.plan(); }

  std::unique_ptr<ExerciseCatalog> catalog_;
  PlanRecord record_;
};

TEST_F(AdaptationTest, HitTargetsStepUpAsWritten) {
  const std::string before = plan().SerializeAsString();
  v1::AdaptPlanRequest request = Week(3, 4, 4);
  AddLogged(request, "sumo_squat", Prescribed(3, "sumo_squat"));
  AddLogged(request, "copenhagen_plank", Prescribed(3, "copenhagen_plank"));
  EXPECT_THAT(Adapt(request), IsEmpty());
  EXPECT_EQ(plan().SerializeAsString(), before);
}

TEST_F(AdaptationTest, BeatingThePrescriptionContinuesFromTheLoggedWork) {
  // The lifter: 15 kg x 9 where 12.5 kg x 9 was prescribed.
  v1::PrescribedExercise done = Prescribed(3, "sumo_squat");
  ASSERT_TRUE(done.has_load());
  const double prescribed = done.load().value();
  done.mutable_load()->set_value(prescribed + 2.5);
  v1::AdaptPlanRequest request = Week(3, 4, 4);
  AddLogged(request, "sumo_squat", done);
  const std::vector<v1::PlanChange> changes = Adapt(request);
  // Week 4 adds resistance: +2.5 kg on what was done.
  const v1::PrescribedExercise* w4 = Find(plan().weeks(3), "sumo_squat");
  EXPECT_DOUBLE_EQ(w4->load().value(), prescribed + 5);
  EXPECT_EQ(w4->reps(), done.reps());
  EXPECT_EQ(w4->why().rule(), "adapt_continue_from_logged");
  EXPECT_THAT(w4->why().text(), ::testing::HasSubstr("beyond the"));
  // Later weeks climb on from there.
  EXPECT_GE(Find(plan().weeks(4), "sumo_squat")->load().value(),
            prescribed + 5);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind(), v1::PlanChange::KIND_CONTINUE_FROM_LOGGED);
  EXPECT_EQ(changes[0].week_number(), 4);
  EXPECT_EQ(changes[0].exercise_id(), "sumo_squat");
  EXPECT_DOUBLE_EQ(changes[0].from().load().value(), prescribed + 2.5);
  EXPECT_DOUBLE_EQ(changes[0].to().load().value(), prescribed + 5);
}

TEST_F(AdaptationTest, MissedOrUnloggedHoldsThatExerciseOnly) {
  v1::PrescribedExercise done = Prescribed(3, "sumo_squat");
  const v1::PrescribedExercise w3 = done;
  done.set_reps(done.reps() - 2);
  v1::AdaptPlanRequest request = Week(3, 4, 4);
  AddLogged(request, "sumo_squat", done);
  request.add_outcomes()->set_exercise_id("lateral_lunge");  // not logged
  const std::vector<v1::PlanChange> changes = Adapt(request);
  const auto* w4 = Find(plan().weeks(3), "sumo_squat");
  EXPECT_EQ(w4->reps(), w3.reps());
  EXPECT_EQ(w4->load().value(), w3.load().value());
  EXPECT_EQ(w4->why().rule(), "adapt_hold");
  EXPECT_EQ(Find(plan().weeks(3), "lateral_lunge")->why().rule(), "adapt_hold");
  // Week 5 steps up again from the held dose.
  EXPECT_GT(Find(plan().weeks(4), "sumo_squat")->reps(), w4->reps());
  // Others still progress.
  EXPECT_GT(Find(plan().weeks(3), "copenhagen_plank")->hold_seconds(),
            Find(plan().weeks(2), "copenhagen_plank")->hold_seconds());
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].kind(), v1::PlanChange::KIND_HOLD);
}

TEST_F(AdaptationTest, AStallGetsTheMicroStepTheAnalyticsSuggest) {
  const v1::PrescribedExercise done = Prescribed(3, "sumo_squat");
  v1::AdaptPlanRequest request = Week(3, 4, 4);
  AddLogged(request, "sumo_squat", done, /*stalled_weeks=*/2);
  const std::vector<v1::PlanChange> changes = Adapt(request);
  const auto* w4 = Find(plan().weeks(3), "sumo_squat");
  // "add 2.5 kg" at the logged reps.
  EXPECT_DOUBLE_EQ(w4->load().value(), done.load().value() + 2.5);
  EXPECT_EQ(w4->reps(), done.reps());
  EXPECT_EQ(w4->why().rule(), "adapt_micro_step");
  EXPECT_THAT(w4->why().text(), ::testing::HasSubstr("add 2.5 kg"));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind(), v1::PlanChange::KIND_MICRO_STEP);
}

TEST_F(AdaptationTest, RepeatedStallsDeloadAboutTenPercent) {
  v1::AdaptPlanRequest request = Week(6, 4, 4);
  AddLogged(request, "sumo_deadlift", Prescribed(6, "sumo_deadlift"), 4);
  const std::vector<v1::PlanChange> changes = Adapt(request);
  const auto* w6 = Find(plan().weeks(5), "sumo_deadlift");
  const auto* w7 = Find(plan().weeks(6), "sumo_deadlift");
  const auto* w8 = Find(plan().weeks(7), "sumo_deadlift");
  EXPECT_LT(w7->load().value(), w6->load().value());
  EXPECT_GE(w7->load().value(), w6->load().value() * 0.85);
  EXPECT_EQ(w7->why().rule(), "adapt_deload");
  EXPECT_GT(w8->load().value(), w6->load().value());
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind(), v1::PlanChange::KIND_DELOAD);
}

TEST_F(AdaptationTest, MissedSessionsRepeatTheWeek) {
  const std::vector<v1::PlanChange> changes = Adapt(Week(2, 4, 1));
  EXPECT_EQ(Find(plan().weeks(2), "copenhagen_plank")->hold_seconds(),
            Find(plan().weeks(1), "copenhagen_plank")->hold_seconds());
  EXPECT_EQ(plan().weeks(2).running_minutes(),
            plan().weeks(1).running_minutes());
  EXPECT_THAT(
      plan().weeks(2).why(),
      Contains(::testing::Property(&v1::Rationale::rule, "adapt_repeat_week")));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind(), v1::PlanChange::KIND_REPEAT_WEEK);
}

TEST_F(AdaptationTest, ReEstimatedMaintenanceMovesTheTargetAtMost150Kcal) {
  const int before = plan().nutrition().target_kcal();
  v1::AdaptPlanRequest request = Week(3, 4, 4);
  request.set_maintenance_kcal_estimate(before + 800);
  request.set_maintenance_basis("3 weeks of logs");
  const std::vector<v1::PlanChange> changes = Adapt(request);
  EXPECT_EQ(plan().nutrition().target_kcal(), before + 150);
  EXPECT_EQ(plan().nutrition().maintenance_kcal(), before + 800);
  EXPECT_EQ(plan().nutrition().maintenance_method(),
            "logged_intake_and_weight_trend");
  EXPECT_EQ(plan().nutrition().maintenance_phase_target_kcal(), before + 800);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind(), v1::PlanChange::KIND_CALORIES);
  EXPECT_EQ(changes[0].from_kcal(), before);
  EXPECT_EQ(changes[0].to_kcal(), before + 150);
  // Calories change no exercise.
  EXPECT_NE(Find(plan().weeks(3), "sumo_squat")->why().rule(), "adapt_hold");
  // The next week moves on toward 250 below maintenance.
  request.set_week_number(4);
  Adapt(request);
  EXPECT_EQ(plan().nutrition().target_kcal(), before + 300);
}

TEST_F(AdaptationTest, BadRequestsNameTheField) {
  v1::AdaptPlanRequest request = Week(0, 3, 5);
  auto* outcome = request.add_outcomes();
  outcome->set_exercise_id("moonwalk");
  auto* squat = request.add_outcomes();
  squat->set_exercise_id("sumo_squat");
  squat->mutable_logged()->set_variant("on_the_moon");
  squat->mutable_logged()->set_reps(-1);
  squat->mutable_logged()->mutable_load()->set_value(5);  // no unit
  request.set_maintenance_kcal_estimate(90000);
  std::vector<std::string> fields;
  for (const auto& v :
       FieldViolationsOf(ValidateAdaptation(request, *catalog_))) {
    fields.push_back(v.field);
  }
  EXPECT_THAT(fields,
              ::testing::UnorderedElementsAre(
                  "week_number", "sessions_done", "outcomes[0].exercise_id",
                  "outcomes[1].logged.variant", "outcomes[1].logged.reps",
                  "outcomes[1].logged.load.unit", "maintenance_kcal_estimate"));
  v1::AdaptPlanRequest many = Week(3, 4, 4);
  for (int i = 0; i <= kMaxAdaptedExercises; ++i) {
    many.add_outcomes()->set_exercise_id("sumo_squat");
  }
  EXPECT_EQ(FieldViolationsOf(ValidateAdaptation(many, *catalog_))[0].field,
            "outcomes");
}

using Change = v1::RequestPlanChangeRequest;

TEST_F(AdaptationTest, TooHardIsOneLadderStepDownAndLaterWeeksBuildOnIt) {
  const v1::PrescribedExercise w3 = Prescribed(3, "sumo_squat");
  absl::StatusOr<std::vector<v1::PlanChange>> changes =
      Ask(Request(Change::KIND_TOO_HARD, "sumo_squat"), 3);
  ASSERT_THAT(changes.status(), IsOk());
  const v1::PrescribedExercise now = Prescribed(3, "sumo_squat");
  EXPECT_EQ(now.reps(), w3.reps() - 1);
  EXPECT_EQ(now.why().rule(), "user_request");
  EXPECT_THAT(now.why().text(), ::testing::HasSubstr("too hard"));
  // Week 4 builds on it, adding resistance.
  EXPECT_EQ(Prescribed(4, "sumo_squat").reps(), now.reps());
  EXPECT_DOUBLE_EQ(Prescribed(4, "sumo_squat").load().value(),
                   now.load().value() + 2.5);
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].kind(), v1::PlanChange::KIND_STEP_DOWN);
  EXPECT_TRUE((*changes)[0].user_requested());
  EXPECT_EQ((*changes)[0].from().reps(), w3.reps());
  EXPECT_EQ((*changes)[0].to().reps(), now.reps());
}

TEST_F(AdaptationTest, TooEasyStepsUpUntilTheTopOfTheLadder) {
  const v1::PrescribedExercise w1 = Prescribed(1, "copenhagen_plank");
  ASSERT_THAT(
      Ask(Request(Change::KIND_TOO_EASY, "copenhagen_plank"), 1).status(),
      IsOk());
  EXPECT_EQ(Prescribed(1, "copenhagen_plank").hold_seconds(),
            w1.hold_seconds() + 5);
  absl::Status status;
  for (int i = 0; i < 40 && status.ok(); ++i) {
    status =
        Ask(Request(Change::KIND_TOO_EASY, "copenhagen_plank"), 1).status();
  }
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), ::testing::HasSubstr("hardest step"));
  EXPECT_EQ(Prescribed(1, "copenhagen_plank").variant(), "foot_with_pulses");
}

TEST_F(AdaptationTest, TooHardAtTheBottomOfTheLadderIsRefused) {
  const absl::Status status =
      Ask(Request(Change::KIND_TOO_HARD, "copenhagen_plank"), 1).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), ::testing::HasSubstr("easiest step"));
  EXPECT_THAT(record_.adjustments(), IsEmpty());
}

TEST_F(AdaptationTest, ASwapForPainLastsAndOneForMissingEquipmentDoesNot) {
  Change hurts = Request(Change::KIND_SWAP, "copenhagen_plank");
  hurts.set_reason(Change::REASON_IT_HURTS);
  absl::StatusOr<std::vector<v1::PlanChange>> changes = Ask(hurts, 3);
  ASSERT_THAT(changes.status(), IsOk());
  EXPECT_EQ(Find(plan().weeks(1), "side_lying_adduction"), nullptr);
  for (int week = 3; week <= 8; ++week) {
    EXPECT_EQ(Find(plan().weeks(week - 1), "copenhagen_plank"), nullptr);
    const auto* sub = Find(plan().weeks(week - 1), "side_lying_adduction");
    ASSERT_NE(sub, nullptr) << week;
    EXPECT_EQ(sub->substitutes_for(), "copenhagen_plank");
  }
  EXPECT_EQ(Find(plan().weeks(2), "side_lying_adduction")->why().rule(),
            "user_request");
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].kind(), v1::PlanChange::KIND_SWAP);
  EXPECT_EQ((*changes)[0].from().exercise_id(), "copenhagen_plank");
  EXPECT_EQ((*changes)[0].to().exercise_id(), "side_lying_adduction");
}

TEST_F(AdaptationTest, ASwapForMissingEquipmentIsForThatWeekOnly) {
  Change today = Request(Change::KIND_SWAP, "copenhagen_plank");
  today.set_reason(Change::REASON_NO_EQUIPMENT_TODAY);
  ASSERT_THAT(Ask(today, 3).status(), IsOk());
  EXPECT_NE(Find(plan().weeks(2), "side_lying_adduction"), nullptr);
  EXPECT_NE(Find(plan().weeks(3), "copenhagen_plank"), nullptr);
}

TEST_F(AdaptationTest, SwapsAndExercisesAreCheckedAgainstTheWeek) {
  Change bad = Request(Change::KIND_SWAP, "copenhagen_plank");
  bad.set_reason(Change::REASON_IT_HURTS);
  bad.set_substitute_id("sumo_squat");
  absl::Status status = Ask(bad, 3).status();
  ASSERT_EQ(FieldViolationsOf(status).size(), 1u);
  EXPECT_EQ(FieldViolationsOf(status)[0].field, "substitute_id");
  EXPECT_THAT(FieldViolationsOf(status)[0].rule,
              ::testing::HasSubstr("side_lying_adduction"));
  status = Ask(Request(Change::KIND_TOO_EASY, "cable_adduction"), 1).status();
  ASSERT_EQ(FieldViolationsOf(status).size(), 1u);
  EXPECT_EQ(FieldViolationsOf(status)[0].field, "exercise_id");
  EXPECT_THAT(FieldViolationsOf(status)[0].rule,
              ::testing::HasSubstr("must be an exercise of week 1"));
  EXPECT_THAT(record_.adjustments(), IsEmpty());
}

TEST_F(AdaptationTest, RepeatingAWeekHoldsTheNextOne) {
  Change repeat;
  repeat.set_request_id("again");
  repeat.set_kind(Change::KIND_REPEAT_WEEK);
  ASSERT_THAT(Ask(repeat, 2).status(), IsOk());
  EXPECT_EQ(Prescribed(3, "copenhagen_plank").hold_seconds(),
            Prescribed(2, "copenhagen_plank").hold_seconds());
  EXPECT_EQ(Ask(repeat, 9).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(AdaptationTest, MalformedRequestsNameTheField) {
  Change request;
  request.set_kind(Change::KIND_SWAP);
  request.set_exercise_id("moonwalk");
  request.set_substitute_id("moonwalk");
  request.set_week_number(-1);
  std::vector<std::string> fields;
  for (const auto& v :
       FieldViolationsOf(ValidateChangeRequest(request, *catalog_))) {
    fields.push_back(v.field);
  }
  EXPECT_THAT(fields, ::testing::UnorderedElementsAre(
                          "request_id", "week_number", "exercise_id",
                          "substitute_id", "reason"));
  request.Clear();
  request.set_request_id("again");
  request.set_kind(Change::KIND_REPEAT_WEEK);
  request.set_exercise_id("sumo_squat");
  EXPECT_EQ(
      FieldViolationsOf(ValidateChangeRequest(request, *catalog_))[0].field,
      "exercise_id");
}

}  // namespace
}  // namespace gracilis::plan
