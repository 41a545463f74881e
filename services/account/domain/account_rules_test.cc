#include "services/account/domain/account_rules.h"

#include <limits>

#include "common/status/errors.h"
#include "common/status/status_matchers.h"
#include "gtest/gtest.h"
#include "services/account/domain/password.h"

namespace gracilis::account {
namespace {

using ::gracilis::testing::IsOk;
using ::gracilis::testing::StatusIs;
using ::testing::HasSubstr;

std::vector<std::string> FieldsOf(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const FieldViolation& v : FieldViolationsOf(status)) {
    fields.push_back(v.field);
  }
  return fields;
}

TEST(ValidateRegistrationTest, AcceptsAGoodOne) {
  EXPECT_THAT(
      ValidateRegistration("req-1", " Ana@Example.com ", "long enough pw"),
      IsOk());
  EXPECT_EQ(NormalizeEmail(" Ana@Example.com "), "ana@example.com");
}

TEST(ValidateRegistrationTest, NamesEachBadField) {
  absl::Status status = ValidateRegistration("", "not-an-email", "short");
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FieldsOf(status),
            (std::vector<std::string>{"request_id", "email", "password"}));
}

TEST(ValidateRegistrationTest, RejectsMalformedEmails) {
  for (const char* email :
       {"a@b", "@example.com", "a@@example.com", "a b@example.com",
        "a{x}@example.com", "a@example."}) {
    EXPECT_THAT(ValidateRegistration("r", email, "long enough pw"),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << email;
  }
}

v1::Profile Complete() {
  v1::Profile p;
  p.mutable_body_weight()->set_value(150);
  p.mutable_body_weight()->set_unit(type::v1::MASS_UNIT_POUND);
  p.mutable_height()->set_value(168);
  p.mutable_height()->set_unit(type::v1::LENGTH_UNIT_CENTIMETER);
  p.set_birth_year(1994);
  p.set_sex(v1::SEX_FEMALE);
  p.set_experience_level(type::v1::EXPERIENCE_LEVEL_BEGINNER);
  p.add_equipment(type::v1::EQUIPMENT_DUMBBELL);
  p.set_training_days_per_week(3);
  p.set_goal(v1::GOAL_SLIM_AND_TONE);
  p.set_time_zone("Europe/Berlin");
  return p;
}

TEST(ApplyProfileUpdateTest, EmptyMaskWritesEveryWritableField) {
  v1::Profile current;
  current.set_name("users/abc");
  current.set_email("a@example.com");
  absl::StatusOr<v1::Profile> next =
      ApplyProfileUpdate(current, Complete(), {}, 2026);
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(next->name(), "users/abc");
  EXPECT_EQ(next->email(), "a@example.com");
  EXPECT_EQ(next->training_days_per_week(), 3);
}

TEST(ApplyProfileUpdateTest, MaskLimitsTheChange) {
  v1::Profile current = Complete();
  v1::Profile update;
  update.set_training_days_per_week(5);
  absl::StatusOr<v1::Profile> next =
      ApplyProfileUpdate(current, update, {"training_days_per_week"}, 2026);
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(next->training_days_per_week(), 5);
  EXPECT_EQ(next->goal(), v1::GOAL_SLIM_AND_TONE);
}

TEST(ApplyProfileUpdateTest, WeightRangeHoldsInEitherUnit) {
  v1::Profile update;
  for (double kg : {0.0, -1.0, 501.0}) {
    update.mutable_body_weight()->set_value(kg);
    update.mutable_body_weight()->set_unit(type::v1::MASS_UNIT_KILOGRAM);
    EXPECT_EQ(
        FieldsOf(
            ApplyProfileUpdate({}, update, {"body_weight"}, 2026).status()),
        std::vector<std::string>{"profile.body_weight.value"})
        << kg;
  }
  update.mutable_body_weight()->set_value(1200);  // lb: 544 kg
  update.mutable_body_weight()->set_unit(type::v1::MASS_UNIT_POUND);
  EXPECT_THAT(ApplyProfileUpdate({}, update, {"body_weight"}, 2026),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("kg")));
  update.mutable_body_weight()->set_value(500);
  update.mutable_body_weight()->set_unit(type::v1::MASS_UNIT_KILOGRAM);
  EXPECT_THAT(ApplyProfileUpdate({}, update, {"body_weight"}, 2026), IsOk());
}

TEST(ApplyProfileUpdateTest, UnknownEnumValuesAndPathsAreRejected) {
  v1::Profile update = Complete();
  update.set_goal(static_cast<v1::Goal>(42));
  update.add_equipment(static_cast<type::v1::Equipment>(99));
  update.set_time_zone("Mars/Olympus");
  EXPECT_EQ(FieldsOf(ApplyProfileUpdate({}, update, {}, 2026).status()),
            (std::vector<std::string>{"profile.equipment", "profile.goal",
                                      "profile.time_zone"}));
  EXPECT_EQ(
      FieldsOf(ApplyProfileUpdate({}, update, {"email", "shoe_size"}, 2026)
                   .status()),
      (std::vector<std::string>{"update_mask", "update_mask"}));
}

// Found by the contract robustness test under UBSan: an int32 minimum
// birth year overflowed the age computation.
TEST(ApplyProfileUpdateTest, ExtremeBirthYearsAreNamedNotOverflowed) {
  for (int year : {std::numeric_limits<int32_t>::min(),
                   std::numeric_limits<int32_t>::max()}) {
    v1::Profile update;
    update.set_birth_year(year);
    EXPECT_EQ(
        FieldsOf(ApplyProfileUpdate({}, update, {"birth_year"}, 2026).status()),
        (std::vector<std::string>{"profile.birth_year"}));
  }
}

TEST(ApplyProfileUpdateTest, ReadinessAnswersAreStoredAndCheckedByName) {
  v1::Profile update;
  update.mutable_readiness()->set_chest_pain(v1::Readiness::ANSWER_YES);
  update.mutable_readiness()->set_dizziness(v1::Readiness::ANSWER_NO);
  absl::StatusOr<v1::Profile> next =
      ApplyProfileUpdate(Complete(), update, {"readiness"}, 2026);
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(next->readiness().chest_pain(), v1::Readiness::ANSWER_YES);
  EXPECT_EQ(next->readiness().dizziness(), v1::Readiness::ANSWER_NO);
  EXPECT_EQ(next->readiness().heart_condition(),
            v1::Readiness::ANSWER_UNSPECIFIED);
  update.mutable_readiness()->set_other_reason(
      static_cast<v1::Readiness::Answer>(7));
  EXPECT_EQ(
      FieldsOf(ApplyProfileUpdate({}, update, {"readiness"}, 2026).status()),
      (std::vector<std::string>{"profile.readiness.other_reason"}));
}

// Issue 21: 3,000 copies of one item or a huge mask once made answers
// too big to send.
TEST(ApplyProfileUpdateTest, OversizedListsAreRefusedWhole) {
  v1::Profile update = Complete();
  for (int i = 0; i < 3000; ++i) {
    update.add_equipment(type::v1::EQUIPMENT_DUMBBELL);
  }
  const std::vector<FieldViolation> equipment = FieldViolationsOf(
      ApplyProfileUpdate({}, update, {"equipment"}, 2026).status());
  ASSERT_EQ(equipment.size(), 1u);
  EXPECT_EQ(equipment[0].rule, "must list at most 16 items");
  std::vector<std::string> mask(21, "goal");
  EXPECT_EQ(FieldsOf(ApplyProfileUpdate({}, Complete(), mask, 2026).status()),
            (std::vector<std::string>{"update_mask"}));
  const std::vector<FieldViolation> long_path = FieldViolationsOf(
      ApplyProfileUpdate({}, Complete(), {std::string(10000, 'p')}, 2026)
          .status());
  ASSERT_EQ(long_path.size(), 1u);
  EXPECT_LT(long_path[0].rule.size(), 100u);
}

TEST(AccountRulesTest, NewPasswordsFollowTheRegistrationRule) {
  EXPECT_THAT(ValidateNewPassword("new_password", "long enough now"), IsOk());
  EXPECT_EQ(FieldsOf(ValidateNewPassword("new_password", "short")),
            (std::vector<std::string>{"new_password"}));
  EXPECT_EQ(
      FieldsOf(ValidateNewPassword("new_password", std::string(513, 'p'))),
      (std::vector<std::string>{"new_password"}));
}

TEST(AccountRulesTest, ARegistrationsDeviceNameIsCheckedWithTheRest) {
  EXPECT_EQ(FieldsOf(ValidateRegistration("", "ann@example.com",
                                          "long enough pw", "a\nb")),
            (std::vector<std::string>{"request_id", "device_name"}));
}

TEST(AccountRulesTest, DeviceNamesAreShortAndPrintable) {
  EXPECT_THAT(ValidateDeviceName("device_name", ""), IsOk());
  EXPECT_THAT(ValidateDeviceName("device_name", "Ann's iPhone 15 \xc3\xa9"),
              IsOk());
  EXPECT_THAT(ValidateDeviceName("device_name", std::string(64, 'd')), IsOk());
  for (const std::string& bad :
       {std::string(65, 'd'), std::string("a\tb"), std::string("a\x7f")}) {
    EXPECT_EQ(FieldsOf(ValidateDeviceName("device_name", bad)),
              (std::vector<std::string>{"device_name"}))
        << bad;
  }
}

TEST(AccountRulesTest, ClientAddressesAreCoarsenedToTheirNetwork) {
  EXPECT_EQ(CoarseAddress("203.0.113.77"), "203.0.113.0/24");
  EXPECT_EQ(CoarseAddress("2001:db8:1:2:3::9"), "2001:db8:1::/48");
  EXPECT_EQ(CoarseAddress("::ffff:198.51.100.9"), "198.51.100.0/24");
  EXPECT_EQ(CoarseAddress("::1"), "::/48");
  EXPECT_EQ(CoarseAddress("local"), "local");
  EXPECT_EQ(CoarseAddress(std::string(100, 'x')).size(), 64u);
}

TEST(PasswordTest, Argon2idHashVerifies) {
  absl::StatusOr<std::string> hash = HashPassword("correct horse battery");
  ASSERT_THAT(hash, IsOk());
  EXPECT_THAT(*hash, HasSubstr("$argon2id$"));
  EXPECT_THAT(*hash, HasSubstr("m=19456,t=2"));
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse battery"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horse batterY"));
  EXPECT_FALSE(VerifyPassword(DecoyPasswordHash(), "correct horse battery"));
}

}  // namespace
}  // namespace gracilis::account
