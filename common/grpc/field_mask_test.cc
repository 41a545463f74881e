#include "common/grpc/field_mask.h"

#include "gmock/gmock.h"
#include "gracilis/account/v1/account.pb.h"
#include "gtest/gtest.h"

namespace gracilis {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(UpdatePathsTest, AGivenMaskIsTheAnswer) {
  account::v1::Profile update;
  update.set_time_zone("Europe/Berlin");
  EXPECT_THAT(UpdatePaths({"goal", "name"}, update, {"name"}),
              ElementsAre("goal", "name"));
}

TEST(UpdatePathsTest, NoMaskMeansThePopulatedFieldsButOutputOnlyOnes) {
  account::v1::Profile update;
  update.set_name("users/me");  // output only: ignored
  update.set_time_zone("Europe/Berlin");
  update.set_training_days_per_week(0);  // the default: not populated
  update.add_equipment(type::v1::EQUIPMENT_DUMBBELL);
  update.mutable_readiness();  // a set message, even empty
  EXPECT_THAT(UpdatePaths({}, update, {"name", "email"}),
              ElementsAre("equipment", "time_zone", "readiness"));
  EXPECT_THAT(UpdatePaths({}, account::v1::Profile(), {}), IsEmpty());
}

}  // namespace
}  // namespace gracilis
