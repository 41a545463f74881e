#include "common/grpc/page_size.h"

#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gracilis {
namespace {

using ::gracilis::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Field;

// AIP-158, for every list RPC: 0 is the default, over the maximum is the
// maximum, negative is refused naming the field.
TEST(PageSizeTest, ZeroIsTheDefaultOverTheMaximumIsTheMaximum) {
  EXPECT_EQ(*PageSize(0, 20, 100, "page_size"), 20);
  EXPECT_EQ(*PageSize(1, 20, 100, "page_size"), 1);
  EXPECT_EQ(*PageSize(100, 20, 100, "page_size"), 100);
  EXPECT_EQ(*PageSize(101, 20, 100, "page_size"), 100);
  EXPECT_EQ(*PageSize(1'000'000'000, 20, 100, "page_size"), 100);
  const absl::StatusOr<int> negative = PageSize(-1, 20, 100, "page_size");
  EXPECT_THAT(negative.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(FieldViolationsOf(negative.status()),
              ElementsAre(Field(&FieldViolation::field, "page_size")));
}

}  // namespace
}  // namespace gracilis
