// In-process cost of building a plan, and of the independent rule check the
// service runs on every plan. Run: build/services/plan/plan_generator_benchmark

#include "benchmark/benchmark.h"
#include "services/plan/domain/plan_generator.h"
#include "services/plan/domain/plan_rules_check.h"

namespace gracilis::plan {
namespace {

PlanInputs Inputs() {
  PlanInputs inputs;
  inputs.set_body_weight_kg(68);
  inputs.set_height_cm(166);
  inputs.set_age_years(34);
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
  inputs.set_session_minutes(45);
  inputs.set_running_level(v1::RUNNING_LEVEL_CASUAL);
  return inputs;
}

void BM_GeneratePlan(benchmark::State& state) {
  const ExerciseCatalog catalog = *ExerciseCatalog::Parse(BuiltInCatalogText());
  const PlanInputs inputs = Inputs();
  for (auto _ : state) {
    benchmark::DoNotOptimize(GeneratePlan(catalog, inputs, {}));
  }
}
BENCHMARK(BM_GeneratePlan)->Unit(benchmark::kMicrosecond);

void BM_GenerateAndCheckPlan(benchmark::State& state) {
  const ExerciseCatalog catalog = *ExerciseCatalog::Parse(BuiltInCatalogText());
  const PlanInputs inputs = Inputs();
  for (auto _ : state) {
    auto plan = GeneratePlan(catalog, inputs, {});
    benchmark::DoNotOptimize(CheckCoachingRules(*plan, catalog, inputs, {}));
  }
}
BENCHMARK(BM_GenerateAndCheckPlan)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace gracilis::plan

BENCHMARK_MAIN();
