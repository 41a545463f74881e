#pragma once

// The Debian abseil (20220623) has no status macros; these are the project's
// only copies.

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define GRACILIS_CONCAT_INNER(a, b) a##b
#define GRACILIS_CONCAT(a, b) GRACILIS_CONCAT_INNER(a, b)

// Returns from the enclosing function if `expr` (an absl::Status) is not OK.
#define RETURN_IF_ERROR(expr)                 \
  do {                                        \
    ::absl::Status gracilis_status_ = (expr); \
    if (!gracilis_status_.ok()) {             \
      return gracilis_status_;                \
    }                                         \
  } while (false)

// `ASSIGN_OR_RETURN(auto x, StatusOrExpr());` declares x from the value or
// returns the error.
#define ASSIGN_OR_RETURN(lhs, expr)                                \
  auto GRACILIS_CONCAT(gracilis_statusor_, __LINE__) = (expr);     \
  if (!GRACILIS_CONCAT(gracilis_statusor_, __LINE__).ok()) {       \
    return GRACILIS_CONCAT(gracilis_statusor_, __LINE__).status(); \
  }                                                                \
  lhs = std::move(GRACILIS_CONCAT(gracilis_statusor_, __LINE__)).value()
