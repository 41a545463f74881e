#include "common/status/grpc_status.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status/errors.h"
#include "common/status/status_macros.h"
#include "common/status/status_matchers.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gracilis/type/v1/errors.pb.h"
#include "gtest/gtest.h"

namespace gracilis {
namespace {

using ::gracilis::testing::IsOk;
using ::gracilis::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(GrpcStatusTest, OkMapsToOk) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

TEST(GrpcStatusTest, FieldViolationsBecomeBadRequest) {
  Violations violations;
  violations.Add("email", "must contain one @");
  violations.Add("password", "must be at least 10 characters");
  grpc::Status status = ToGrpcStatus(violations.ToStatus());

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("email: must contain one @"));
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  // BadRequest, then the ErrorInfo every error carries.
  ASSERT_EQ(details.details_size(), 2);
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(details.details(0).UnpackTo(&bad_request));
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(details.details(1).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "REQUEST_INVALID");
  ASSERT_EQ(bad_request.field_violations_size(), 2);
  EXPECT_EQ(bad_request.field_violations(1).field(), "password");
  EXPECT_EQ(bad_request.field_violations(1).description(),
            "must be at least 10 characters");
}

TEST(GrpcStatusTest, ReasonAndRetryRoundTrip) {
  absl::Status original = WithRetryDelay(
      WithReason(absl::ResourceExhaustedError("slow down"), "LOGIN_THROTTLED"),
      absl::Seconds(90));
  absl::Status back = FromGrpcStatus(ToGrpcStatus(original));
  EXPECT_THAT(back,
              StatusIs(absl::StatusCode::kResourceExhausted, "slow down"));
  EXPECT_EQ(ReasonOf(back), "LOGIN_THROTTLED");
  EXPECT_EQ(RetryDelayOf(back), absl::Seconds(90));
}

TEST(GrpcStatusTest, ViolationsRoundTrip) {
  absl::Status back = FromGrpcStatus(ToGrpcStatus(InvalidField("a.b", "rule")));
  EXPECT_THAT(FieldViolationsOf(back),
              ElementsAre(::testing::Field(&FieldViolation::field, "a.b")));
}

// Issue 21: a 40 KB field-mask path or 3,000 repeated violations once
// made answers too big to send, and the call hung.
TEST(GrpcStatusTest, AnswersStayBoundedWhateverTheRequest) {
  Violations many;
  for (int i = 0; i < 3000; ++i) {
    many.Add("profile.equipment", "must not list an item twice");
  }
  many.Add("update_mask",
           absl::StrCat("'", std::string(40000, 'x'), "' is not a field"));
  const grpc::Status status = ToGrpcStatus(many.ToStatus());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LE(status.error_message().size(), 1024u);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("and 2981 more"));
  EXPECT_LE(status.error_details().size(), 3000u);
  const std::vector<FieldViolation> sent =
      FieldViolationsOf(FromGrpcStatus(status));
  ASSERT_EQ(sent.size(), 20u);
  EXPECT_EQ(sent[0].field, "profile.equipment");

  // One huge echoed value: cut short, on a character boundary.
  const grpc::Status long_rule = ToGrpcStatus(InvalidField(
      "update_mask", absl::StrCat(std::string(5000, 'a'), "\xc3\xa9")));
  EXPECT_LE(long_rule.error_message().size(), 1024u);
  EXPECT_LE(long_rule.error_details().size(), 600u);
  EXPECT_EQ(FieldViolationsOf(FromGrpcStatus(long_rule))[0].rule.size(), 200u);
  const grpc::Status plain =
      ToGrpcStatus(absl::NotFoundError(std::string(100000, 'n')));
  EXPECT_LE(plain.error_message().size(), 1024u);
}

// Issue 21: every error carries a reason an app can switch on, each one a
// gracilis.type.v1.ErrorReason (the documented table).
TEST(GrpcStatusTest, EveryErrorCarriesADocumentedReason) {
  for (int code = 1; code <= 16; ++code) {
    const absl::Status error(static_cast<absl::StatusCode>(code), "x");
    const std::string reason = ReasonOf(FromGrpcStatus(ToGrpcStatus(error)));
    type::v1::ErrorReason parsed;
    EXPECT_TRUE(type::v1::ErrorReason_Parse(reason, &parsed))
        << code << " -> " << reason;
  }
  EXPECT_EQ(ReasonOf(FromGrpcStatus(ToGrpcStatus(StoreUnavailable("down")))),
            "STORE_UNAVAILABLE");
  EXPECT_EQ(ReasonOf(FromGrpcStatus(ToGrpcStatus(absl::UnavailableError("x")))),
            "SERVICE_UNAVAILABLE");
  // A set reason wins, with its metadata.
  const absl::Status incomplete = FromGrpcStatus(ToGrpcStatus(
      WithReasonMetadata(WithReason(absl::FailedPreconditionError("set it"),
                                    "PROFILE_INCOMPLETE"),
                         "fields", "body_weight,height")));
  EXPECT_EQ(ReasonOf(incomplete), "PROFILE_INCOMPLETE");
  EXPECT_EQ(ReasonMetadataOf(incomplete).at("fields"), "body_weight,height");
}

// The gateway's own answers (deploy/gateway/errors/, written by its
// generate script) decode to their grpc-status with a documented reason.
TEST(GrpcStatusTest, GatewayErrorFilesCarryDocumentedReasons) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::string(GRACILIS_SOURCE_DIR) + "/deploy/gateway/errors")) {
    if (entry.path().extension() != ".http") {
      continue;
    }
    ++files;
    std::ifstream in(entry.path());
    std::string line, details;
    int code = -1;
    while (std::getline(in, line)) {
      absl::string_view text = absl::StripTrailingAsciiWhitespace(line);
      if (absl::ConsumePrefix(&text, "grpc-status: ")) {
        ASSERT_TRUE(absl::SimpleAtoi(text, &code));
      } else if (absl::ConsumePrefix(&text, "grpc-status-details-bin: ")) {
        ASSERT_TRUE(absl::Base64Unescape(text, &details));
      }
    }
    google::rpc::Status status;
    ASSERT_TRUE(status.ParseFromString(details)) << entry.path();
    EXPECT_EQ(status.code(), code) << entry.path();
    const absl::Status decoded = FromGrpcStatus(grpc::Status(
        static_cast<grpc::StatusCode>(code), status.message(), details));
    type::v1::ErrorReason reason;
    EXPECT_TRUE(type::v1::ErrorReason_Parse(ReasonOf(decoded), &reason))
        << entry.path();
    if (entry.path().filename() == "429.http") {
      EXPECT_EQ(ReasonOf(decoded), "RATE_LIMITED");
      EXPECT_EQ(RetryDelayOf(decoded), absl::Seconds(10));
    }
  }
  EXPECT_EQ(files, 10);
}

absl::StatusOr<int> Half(int x) {
  if (x % 2 != 0) {
    return InvalidField("x", "must be even");
  }
  return x / 2;
}

absl::StatusOr<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int half, Half(x));
  ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

absl::Status CheckEven(int x) {
  RETURN_IF_ERROR(Half(x).status());
  return absl::OkStatus();
}

TEST(StatusMacrosTest, PropagateErrorsAndValues) {
  EXPECT_THAT(Quarter(8), IsOk());
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_THAT(Quarter(6), StatusIs(absl::StatusCode::kInvalidArgument,
                                   HasSubstr("must be even")));
  EXPECT_THAT(CheckEven(3), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckEven(4), IsOk());
}

}  // namespace
}  // namespace gracilis
