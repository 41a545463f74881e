#pragma once

// gzip (RFC 1952) through zlib: what apps use to shrink text uploads such
// as GPX files, and what the CLI sends.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gracilis {

// Whether `bytes` start with gzip's magic number (1f 8b).
bool IsGzip(absl::string_view bytes);

// `data` packed as gzip.
std::string Gzip(absl::string_view data);

// The unpacked bytes of the gzip stream `packed`: OUT_OF_RANGE if they
// would exceed `max_bytes` (a "zip bomb" stops there), INVALID_ARGUMENT if
// `packed` is not a whole gzip stream.
absl::StatusOr<std::string> Gunzip(absl::string_view packed, size_t max_bytes);

}  // namespace gracilis
