#include "cli/cli.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "cli/profile_fields.h"
#include "common/status/errors.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gracilis::cli {
namespace {

using ::gracilis::testing::IsOk;
using ::gracilis::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ParseProfileAssignmentsTest, EachKeySetsItsFieldAndMaskPath) {
  auto request = ParseProfileAssignments(
      {"weight=62.5kg", "height=1.68m", "birth_year=1992", "sex=female",
       "experience=Intermediate", "equipment=dumbbell,resistance-band",
       "days=4", "goal=slim_and_tone", "time_zone=Europe/Berlin"});
  ASSERT_THAT(request.status(), IsOk());
  const auto& profile = request->profile();
  EXPECT_DOUBLE_EQ(profile.body_weight().value(), 62.5);
  EXPECT_EQ(profile.body_weight().unit(), type::v1::MASS_UNIT_KILOGRAM);
  EXPECT_DOUBLE_EQ(profile.height().value(), 1.68);
  EXPECT_EQ(profile.height().unit(), type::v1::LENGTH_UNIT_METER);
  EXPECT_EQ(profile.birth_year(), 1992);
  EXPECT_EQ(profile.sex(), account::v1::SEX_FEMALE);
  EXPECT_EQ(profile.experience_level(),
            type::v1::EXPERIENCE_LEVEL_INTERMEDIATE);
  EXPECT_THAT(profile.equipment(),
              ElementsAre(type::v1::EQUIPMENT_DUMBBELL,
                          type::v1::EQUIPMENT_RESISTANCE_BAND));
  EXPECT_EQ(profile.training_days_per_week(), 4);
  EXPECT_EQ(profile.goal(), account::v1::GOAL_SLIM_AND_TONE);
  EXPECT_EQ(profile.time_zone(), "Europe/Berlin");
  EXPECT_THAT(request->update_mask().paths(),
              ElementsAre("body_weight", "height", "birth_year", "sex",
                          "experience_level", "equipment",
                          "training_days_per_week", "goal", "time_zone"));
}

TEST(ParseProfileAssignmentsTest, ReadinessAnswersInQuestionOrder) {
  auto request = ParseProfileAssignments({"readiness=no,no,no,yes,no,no"});
  ASSERT_THAT(request.status(), IsOk());
  EXPECT_EQ(request->profile().readiness().bone_or_joint_problem(),
            account::v1::Readiness::ANSWER_YES);
  EXPECT_EQ(request->profile().readiness().chest_pain(),
            account::v1::Readiness::ANSWER_NO);
  EXPECT_THAT(request->update_mask().paths(), ElementsAre("readiness"));
  EXPECT_FALSE(ParseProfileAssignments({"readiness=no,yes"}).ok());
  EXPECT_FALSE(
      ParseProfileAssignments({"readiness=no,no,no,maybe,no,no"}).ok());
}

TEST(ParseProfileAssignmentsTest, PoundsAndNoEquipment) {
  auto request = ParseProfileAssignments({"weight=136lb", "equipment=none"});
  ASSERT_THAT(request.status(), IsOk());
  EXPECT_EQ(request->profile().body_weight().unit(), type::v1::MASS_UNIT_POUND);
  EXPECT_TRUE(request->profile().equipment().empty());
  EXPECT_THAT(request->update_mask().paths(),
              ElementsAre("body_weight", "equipment"));
}

TEST(ParseProfileAssignmentsTest, EveryBadAssignmentIsNamedWithItsForm) {
  auto request = ParseProfileAssignments(
      {"weight=62", "sex=robot", "colour=blue", "days=four", "nokey"});
  ASSERT_THAT(request.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<std::string> fields;
  for (const FieldViolation& violation : FieldViolationsOf(request.status())) {
    fields.push_back(violation.field);
  }
  EXPECT_THAT(fields,
              ElementsAre("weight", "sex", "colour=blue", "days", "nokey"));
  EXPECT_THAT(FieldViolationsOf(request.status())[1].rule,
              HasSubstr("female, male"));
}

TEST(ParseProfileAssignmentsTest, NothingToSetIsAnError) {
  EXPECT_THAT(ParseProfileAssignments({}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(FormatProfileTest, PrintsWhatSetAccepts) {
  auto request = ParseProfileAssignments(
      {"weight=62kg", "height=168cm", "sex=female", "equipment=dumbbell,bench",
       "goal=tone_inner_thighs"});
  ASSERT_THAT(request.status(), IsOk());
  const std::string text = FormatProfile(request->profile());
  EXPECT_THAT(text, HasSubstr("weight      62 kg\n"));
  EXPECT_THAT(text, HasSubstr("height      168 cm\n"));
  EXPECT_THAT(text, HasSubstr("sex         female\n"));
  EXPECT_THAT(text, HasSubstr("equipment   dumbbell,bench\n"));
  EXPECT_THAT(text, HasSubstr("goal        tone_inner_thighs\n"));
  EXPECT_THAT(text, HasSubstr("days        -\n"));
}

TEST(ErrorLineTest, OneLineWithFieldsReasonAndRetryHint) {
  absl::Status status =
      InvalidFields({{"profile.body_weight", "must be 20-500 kg"},
                     {"profile.sex", "unknown value 7"}});
  EXPECT_EQ(ErrorLine(status),
            "INVALID_ARGUMENT: " + std::string(status.message()));
  EXPECT_THAT(ErrorLine(status), HasSubstr("profile.sex: unknown value 7"));

  // Details the message leaves out are added.
  absl::Status with_details =
      InvalidField("profile.height", "must be 100-250 cm");
  absl::Status replaced(absl::StatusCode::kInvalidArgument, "bad profile");
  with_details.ForEachPayload(
      [&](absl::string_view url, const absl::Cord& payload) {
        replaced.SetPayload(url, payload);
      });
  EXPECT_EQ(ErrorLine(replaced),
            "INVALID_ARGUMENT: bad profile [profile.height: must be 100-250 "
            "cm]");

  absl::Status throttled = WithRetryDelay(
      WithReason(absl::ResourceExhaustedError("too many failed logins"),
                 "LOGIN_THROTTLED"),
      absl::Seconds(30));
  EXPECT_EQ(ErrorLine(throttled),
            "RESOURCE_EXHAUSTED: too many failed logins (LOGIN_THROTTLED, "
            "retry in 30s)");
  EXPECT_EQ(ErrorLine(throttled).find('\n'), std::string::npos);
}

}  // namespace
}  // namespace gracilis::cli
