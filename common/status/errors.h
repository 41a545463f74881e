#pragma once

// Error construction shared by domain, storage and RPC code. Details ride as
// absl::Status payloads so domain code needs no protobuf error types;
// grpc_status.h turns them into google.rpc details at the edge.

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace gracilis {

struct FieldViolation {
  std::string field;  // e.g. "profile.body_weight"
  std::string rule;   // e.g. "must be 20-500 kg"
};

// INVALID_ARGUMENT naming each field and the rule it broke.
absl::Status InvalidFields(std::vector<FieldViolation> violations);
absl::Status InvalidField(std::string field, std::string rule);

// Collects violations while a request is checked, then yields one status.
class Violations {
 public:
  void Add(std::string field, std::string rule);
  bool empty() const { return list_.empty(); }
  // OK when nothing was added.
  absl::Status ToStatus() const;

 private:
  std::vector<FieldViolation> list_;
};

// The field violations carried by `status` (empty if none).
std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status);

// Attaches a gracilis.type.v1.ErrorReason name, e.g. "SESSION_INVALID".
absl::Status WithReason(absl::Status status, absl::string_view reason);
std::string ReasonOf(const absl::Status& status);
// Attaches a key of the reason's metadata (google.rpc.ErrorInfo.metadata),
// e.g. PROFILE_INCOMPLETE's "fields".
absl::Status WithReasonMetadata(absl::Status status, absl::string_view key,
                                absl::string_view value);
std::map<std::string, std::string> ReasonMetadataOf(const absl::Status& status);

// UNAVAILABLE with reason STORE_UNAVAILABLE: the data store cannot be
// reached. `what` says how, without addresses.
absl::Status StoreUnavailable(absl::string_view what);

// Attaches a hint for when the client may retry.
absl::Status WithRetryDelay(absl::Status status, absl::Duration delay);
absl::Duration RetryDelayOf(const absl::Status& status);  // zero if none

}  // namespace gracilis
