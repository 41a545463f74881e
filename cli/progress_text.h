#pragma once

// One week's progress as `gracilis progress week` prints it: sessions, each
// lift's best work and what moved, running, the body-weight trend, the
// calorie estimate and the verdict. Also the golden texts' format.

#include <string>

#include "gracilis/progress/v1/progress.pb.h"

namespace gracilis::cli {

std::string WeekText(const progress::v1::WeeklyProgress& week);

}  // namespace gracilis::cli
