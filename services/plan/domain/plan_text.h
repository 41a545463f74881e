#pragma once

// Plans as text for people: the CLI's tables and the golden files.

#include <string>

#include "gracilis/plan/v1/plan.pb.h"

namespace gracilis::plan {

std::string FormatPlanSummary(const v1::Plan& plan);
std::string FormatPlanWeek(const v1::PlanWeek& week);
std::string FormatPlanDay(const v1::PlanDay& day);
// Summary, every program week and the maintenance week.
std::string FormatPlan(const v1::Plan& plan);

}  // namespace gracilis::plan
