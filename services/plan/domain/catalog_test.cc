#include "services/plan/domain/catalog.h"

#include <string>

#include "absl/strings/str_replace.h"
#include "common/status/errors.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gracilis::plan {
namespace {

using ::gracilis::testing::IsOk;
using ::gracilis::testing::StatusIs;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;

TEST(ExerciseCatalogTest, BuiltInCatalogIsValidAndComplete) {
  auto catalog = ExerciseCatalog::Parse(BuiltInCatalogText());
  ASSERT_THAT(catalog.status(), IsOk());
  EXPECT_FALSE(catalog->version().empty());
  for (const std::string& id : ExerciseCatalog::RequiredIds()) {
    EXPECT_NE(catalog->Find(id), nullptr) << id;
  }
  const CatalogExercise* copenhagen = catalog->Find("copenhagen_plank");
  ASSERT_NE(copenhagen, nullptr);
  ASSERT_EQ(copenhagen->ladder_size(), 3);
  EXPECT_EQ(copenhagen->ladder(0).variant(), "knee_on_bench");
  EXPECT_EQ(copenhagen->ladder(2).variant(), "foot_with_pulses");
  const v1::Exercise api = catalog->ToApi(*catalog->Find("sumo_squat"));
  EXPECT_EQ(api.ladder(2).variant(), "deficit");
  EXPECT_EQ(api.catalog_version(), catalog->version());
}

TEST(ExerciseCatalogTest, SubstitutesFollowTheEquipment) {
  auto catalog = ExerciseCatalog::Parse(BuiltInCatalogText());
  ASSERT_THAT(catalog.status(), IsOk());
  EXPECT_EQ(catalog->Available("cable_adduction", {})->id(),
            "side_lying_adduction");
  EXPECT_EQ(
      catalog
          ->Available("cable_adduction", {type::v1::EQUIPMENT_RESISTANCE_BAND})
          ->id(),
      "band_adduction");
  EXPECT_EQ(
      catalog->Available("cable_adduction", {type::v1::EQUIPMENT_CABLE_MACHINE})
          ->id(),
      "cable_adduction");
  EXPECT_EQ(
      catalog->Available("sumo_deadlift", {type::v1::EQUIPMENT_DUMBBELL})->id(),
      "sumo_squat");
}

TEST(ExerciseCatalogTest, BrokenCatalogsAreRefusedWithTheRuleNamed) {
  const std::string good(BuiltInCatalogText());
  EXPECT_THAT(ExerciseCatalog::Parse("exercises { id: ").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));

  auto unknown_substitute = ExerciseCatalog::Parse(absl::StrReplaceAll(
      good, {{"substitutes: \"band_adduction\"", "substitutes: \"bandz\""}}));
  EXPECT_THAT(
      FieldViolationsOf(unknown_substitute.status()),
      Contains(Field(&FieldViolation::field, "cable_adduction.substitutes")));

  auto long_variant = ExerciseCatalog::Parse(absl::StrReplaceAll(
      good, {{"variant: \"deficit\"",
              absl::StrCat("variant: \"", std::string(65, 'd'), "\"")}}));
  EXPECT_THAT(FieldViolationsOf(long_variant.status()),
              Contains(Field(&FieldViolation::field, "sumo_squat.ladder")));

  auto no_required = ExerciseCatalog::Parse(
      absl::StrReplaceAll(good, {{"id: \"sprints\"", "id: \"sprint\""}}));
  EXPECT_THAT(no_required.status().message(),
              HasSubstr("must include 'sprints'"));

  auto bad_reps = ExerciseCatalog::Parse(absl::StrReplaceAll(
      good, {{"reps_min: 8 reps_max: 12 rest_seconds: 90",
              "reps_min: 14 reps_max: 12 rest_seconds: 90"}}));
  EXPECT_THAT(FieldViolationsOf(bad_reps.status()),
              Contains(Field(&FieldViolation::field, "sumo_squat.dosing")));

  // Cable adduction without a way to do it with no cable machine.
  auto stranded = ExerciseCatalog::Parse(absl::StrReplaceAll(
      good, {{"substitutes: \"band_adduction\"\n  substitutes: "
              "\"side_lying_adduction\"\n",
              ""}}));
  EXPECT_THAT(
      FieldViolationsOf(stranded.status()),
      Contains(Field(&FieldViolation::field, "cable_adduction.substitutes")));
}

// An app learns from ListExercises what each ladder step needs and which
// steps are heavy (domain.md, "Heavy").
TEST(ExerciseCatalogTest, LadderStepsCarryTheirEquipmentAndWeight) {
  auto catalog = ExerciseCatalog::Parse(BuiltInCatalogText());
  ASSERT_TRUE(catalog.ok());
  const v1::Exercise squat = catalog->ToApi(*catalog->Find("sumo_squat"));
  ASSERT_EQ(squat.ladder_size(), 3);
  EXPECT_FALSE(squat.ladder(0).heavy());
  EXPECT_TRUE(squat.ladder(0).equipment_options().empty());
  EXPECT_TRUE(squat.ladder(1).heavy());
  EXPECT_TRUE(squat.ladder(1).loaded());
  EXPECT_EQ(squat.ladder(1).equipment_options_size(),
            2);  // dumbbell or kettlebell
  EXPECT_EQ(squat.ladder(2).equipment_options_size(),
            4);  // + plates or platform
  const v1::Exercise plank = catalog->ToApi(*catalog->Find("copenhagen_plank"));
  EXPECT_FALSE(plank.ladder(0).heavy());  // knee on bench: short lever
  EXPECT_TRUE(plank.ladder(1).heavy());   // foot on bench: long lever
}

}  // namespace
}  // namespace gracilis::plan
