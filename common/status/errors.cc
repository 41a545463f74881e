#include "common/status/errors.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace gracilis {
namespace {

constexpr absl::string_view kViolationsPayload = "gracilis/field-violations";
constexpr absl::string_view kReasonPayload = "gracilis/reason";
constexpr absl::string_view kRetryPayload = "gracilis/retry-delay-ms";
constexpr absl::string_view kReasonMetadataPayload =
    "gracilis/reason-metadata/";

// Violations are stored as "field\x1frule\x1e..." (unit and record
// separators never occur in field paths or rule texts).
constexpr char kUnitSeparator = '\x1f';
constexpr char kRecordSeparator = '\x1e';

}  // namespace

absl::Status InvalidFields(std::vector<FieldViolation> violations) {
  std::string message;
  std::string encoded;
  for (const FieldViolation& v : violations) {
    absl::StrAppend(&message, message.empty() ? "" : "; ", v.field, ": ",
                    v.rule);
    absl::StrAppend(&encoded, v.field, std::string(1, kUnitSeparator), v.rule,
                    std::string(1, kRecordSeparator));
  }
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kViolationsPayload, absl::Cord(encoded));
  return status;
}

absl::Status InvalidField(std::string field, std::string rule) {
  return InvalidFields({{std::move(field), std::move(rule)}});
}

void Violations::Add(std::string field, std::string rule) {
  list_.push_back({std::move(field), std::move(rule)});
}

absl::Status Violations::ToStatus() const {
  return list_.empty() ? absl::OkStatus() : InvalidFields(list_);
}

std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status) {
  std::vector<FieldViolation> out;
  auto payload = status.GetPayload(kViolationsPayload);
  if (!payload.has_value()) {
    return out;
  }
  for (absl::string_view record : absl::StrSplit(
           std::string(*payload), kRecordSeparator, absl::SkipEmpty())) {
    std::pair<std::string, std::string> parts =
        absl::StrSplit(record, absl::MaxSplits(kUnitSeparator, 1));
    out.push_back({std::move(parts.first), std::move(parts.second)});
  }
  return out;
}

absl::Status WithReason(absl::Status status, absl::string_view reason) {
  status.SetPayload(kReasonPayload, absl::Cord(reason));
  return status;
}

std::string ReasonOf(const absl::Status& status) {
  auto payload = status.GetPayload(kReasonPayload);
  return payload.has_value() ? std::string(*payload) : std::string();
}

absl::Status WithReasonMetadata(absl::Status status, absl::string_view key,
                                absl::string_view value) {
  status.SetPayload(absl::StrCat(kReasonMetadataPayload, key),
                    absl::Cord(value));
  return status;
}

std::map<std::string, std::string> ReasonMetadataOf(
    const absl::Status& status) {
  std::map<std::string, std::string> out;
  status.ForEachPayload([&out](absl::string_view url, const absl::Cord& value) {
    if (absl::ConsumePrefix(&url, kReasonMetadataPayload)) {
      out[std::string(url)] = std::string(value);
    }
  });
  return out;
}

absl::Status StoreUnavailable(absl::string_view what) {
  return WithReason(
      absl::UnavailableError(absl::StrCat("the data store is unavailable (",
                                          what, "); retry with backoff")),
      "STORE_UNAVAILABLE");
}

absl::Status WithRetryDelay(absl::Status status, absl::Duration delay) {
  status.SetPayload(kRetryPayload,
                    absl::Cord(absl::StrCat(absl::ToInt64Milliseconds(delay))));
  return status;
}

absl::Duration RetryDelayOf(const absl::Status& status) {
  auto payload = status.GetPayload(kRetryPayload);
  int64_t ms = 0;
  if (!payload.has_value() || !absl::SimpleAtoi(std::string(*payload), &ms)) {
    return absl::ZeroDuration();
  }
  return absl::Milliseconds(ms);
}

}  // namespace gracilis
