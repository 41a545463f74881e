#include "common/config/version.h"

namespace gracilis {

absl::string_view BuildVersion() { return GRACILIS_VERSION; }
absl::string_view BuildCommit() { return GRACILIS_COMMIT; }

}  // namespace gracilis
