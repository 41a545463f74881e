#include "common/status/grpc_status.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/status/errors.h"
#include "google/protobuf/duration.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace gracilis {
namespace {
constexpr char kErrorDomain[] = "gracilis.app";

// Every answer stays far below HTTP/2's header limits (gRPC's 8 KiB of
// metadata; the details go base64-encoded, a third larger), whatever the
// request echoed: the message is at most 1 KiB, the field violations at
// most 20 and 2 KiB together, each field path and rule cut short.
constexpr size_t kMaxMessageBytes = 1024;
constexpr int kMaxViolations = 20;
constexpr size_t kMaxViolationBytes = 2048;
constexpr size_t kMaxFieldBytes = 100;
constexpr size_t kMaxRuleBytes = 200;

// `text` cut to at most `max` bytes, on a UTF-8 character boundary, with
// "..." to say so.
std::string Truncated(absl::string_view text, size_t max) {
  if (text.size() <= max) {
    return std::string(text);
  }
  size_t end = max - 3;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
    --end;
  }
  return absl::StrCat(text.substr(0, end), "...");
}

// The reason an error carries when its code says all there is to say.
std::string DefaultReason(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
      return "REQUEST_INVALID";
    case absl::StatusCode::kNotFound:
      return "RESOURCE_NOT_FOUND";
    case absl::StatusCode::kPermissionDenied:
      return "NOT_PERMITTED";
    case absl::StatusCode::kUnauthenticated:
      return "SESSION_INVALID";
    case absl::StatusCode::kFailedPrecondition:
      return "PRECONDITION_FAILED";
    case absl::StatusCode::kAborted:
      return "CONFLICT";
    case absl::StatusCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case absl::StatusCode::kResourceExhausted:
      return "LIMIT_EXCEEDED";
    case absl::StatusCode::kUnavailable:
      return "SERVICE_UNAVAILABLE";
    case absl::StatusCode::kDeadlineExceeded:
      return "GATEWAY_TIMEOUT";
    case absl::StatusCode::kUnimplemented:
      return "UNIMPLEMENTED";
    case absl::StatusCode::kCancelled:
      return "CANCELLED";
    case absl::StatusCode::kOutOfRange:
      return "OUT_OF_RANGE";
    default:
      return "INTERNAL_ERROR";
  }
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) {
    return grpc::Status::OK;
  }
  const auto code = static_cast<grpc::StatusCode>(status.code());
  std::string message = Truncated(status.message(), kMaxMessageBytes);

  google::rpc::Status details;
  const std::vector<FieldViolation> violations = FieldViolationsOf(status);
  if (!violations.empty()) {
    // The first violations that fit, and how many more there were; the
    // message lists the same ones.
    google::rpc::BadRequest bad_request;
    std::string listed;
    size_t bytes = 0;
    for (const FieldViolation& v : violations) {
      std::string field = Truncated(v.field, kMaxFieldBytes);
      std::string rule = Truncated(v.rule, kMaxRuleBytes);
      if (bad_request.field_violations_size() == kMaxViolations ||
          bytes + field.size() + rule.size() > kMaxViolationBytes) {
        break;
      }
      bytes += field.size() + rule.size();
      absl::StrAppend(&listed, listed.empty() ? "" : "; ", field, ": ", rule);
      auto* fv = bad_request.add_field_violations();
      fv->set_field(std::move(field));
      fv->set_description(std::move(rule));
    }
    const size_t more = violations.size() - bad_request.field_violations_size();
    if (more > 0) {
      absl::StrAppend(&listed, "; and ", more, " more");
    }
    message = Truncated(listed, kMaxMessageBytes);
    details.add_details()->PackFrom(bad_request);
  }
  {
    // Every error carries a reason (gracilis.type.v1.ErrorReason).
    std::string reason = ReasonOf(status);
    google::rpc::ErrorInfo info;
    info.set_reason(reason.empty() ? DefaultReason(status.code()) : reason);
    info.set_domain(kErrorDomain);
    for (const auto& [key, value] : ReasonMetadataOf(status)) {
      (*info.mutable_metadata())[key] = Truncated(value, kMaxRuleBytes);
    }
    details.add_details()->PackFrom(info);
  }
  if (absl::Duration delay = RetryDelayOf(status);
      delay > absl::ZeroDuration()) {
    google::rpc::RetryInfo retry;
    retry.mutable_retry_delay()->set_seconds(absl::ToInt64Seconds(delay));
    retry.mutable_retry_delay()->set_nanos(static_cast<int32_t>(
        absl::ToInt64Nanoseconds(delay % absl::Seconds(1))));
    details.add_details()->PackFrom(retry);
  }
  if (details.details_size() == 0) {
    return grpc::Status(code, message);
  }
  details.set_code(static_cast<int32_t>(code));
  details.set_message(message);
  return grpc::Status(code, message, details.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) {
    return absl::OkStatus();
  }
  absl::Status out(static_cast<absl::StatusCode>(status.error_code()),
                   status.error_message());
  google::rpc::Status details;
  if (status.error_details().empty() ||
      !details.ParseFromString(status.error_details())) {
    return out;
  }
  std::vector<FieldViolation> violations;
  for (const google::protobuf::Any& any : details.details()) {
    google::rpc::BadRequest bad_request;
    google::rpc::ErrorInfo info;
    google::rpc::RetryInfo retry;
    if (any.UnpackTo(&bad_request)) {
      for (const auto& fv : bad_request.field_violations()) {
        violations.push_back({fv.field(), fv.description()});
      }
    } else if (any.UnpackTo(&info)) {
      out = WithReason(out, info.reason());
      for (const auto& [key, value] : info.metadata()) {
        out = WithReasonMetadata(out, key, value);
      }
    } else if (any.UnpackTo(&retry)) {
      out = WithRetryDelay(out,
                           absl::Seconds(retry.retry_delay().seconds()) +
                               absl::Nanoseconds(retry.retry_delay().nanos()));
    }
  }
  if (!violations.empty()) {
    absl::Status with_fields = InvalidFields(std::move(violations));
    with_fields.ForEachPayload(
        [&out](absl::string_view url, const absl::Cord& payload) {
          out.SetPayload(url, payload);
        });
  }
  return out;
}

}  // namespace gracilis
