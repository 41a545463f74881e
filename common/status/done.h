#pragma once

// Completion callbacks of asynchronous storage calls. Each is called exactly
// once, on the Redis loop thread, and must not block.

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace gracilis {

template <typename T>
using Done = absl::AnyInvocable<void(absl::StatusOr<T>) &&>;
using DoneStatus = absl::AnyInvocable<void(absl::Status) &&>;

}  // namespace gracilis
