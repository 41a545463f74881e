// Fuzzes plan generation and adaptation from arbitrary profiles and
// requests (plan_case.h): no crash or sanitizer report, and every plan
// built from accepted input passes the independent coaching-rule check.

#include "fuzz/plan_case.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gracilis::internal::fuzz::v1::PlanCase c;
  if (c.ParseFromArray(data, static_cast<int>(size))) {
    (void)gracilis::fuzz::PlayPlanCase(c);
  }
  return 0;
}
