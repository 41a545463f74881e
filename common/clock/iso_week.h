#pragma once

// ISO-8601 weeks (gracilis.type.v1.IsoWeek): weeks start on Monday and week 1
// holds the year's first Thursday, so a week belongs to the year of its
// Thursday. Text form "2026-W48". Pure date arithmetic on absl::CivilDay.

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gracilis/type/v1/date.pb.h"

namespace gracilis {

// 52 or 53.
int IsoWeeksInYear(int year);
// Year 1900-9999 and a week that year has.
bool IsValidIsoWeek(const type::v1::IsoWeek& week);
// Year 1900-9999 (the contract's range) and a day that month has.
bool IsValidDate(const type::v1::Date& date);

type::v1::IsoWeek IsoWeekOf(absl::CivilDay day);
// The week's Monday; `week` must be valid.
absl::CivilDay MondayOf(const type::v1::IsoWeek& week);
// The week `weeks` later (earlier when negative).
type::v1::IsoWeek AddWeeks(const type::v1::IsoWeek& week, int weeks);
// Whole weeks from `from` to `to` (negative when `to` is earlier).
int WeeksBetween(const type::v1::IsoWeek& from, const type::v1::IsoWeek& to);
bool operator<(const type::v1::IsoWeek& a, const type::v1::IsoWeek& b);
bool SameWeek(const type::v1::IsoWeek& a, const type::v1::IsoWeek& b);

// The week's span in `zone`: [Monday 00:00, next Monday 00:00).
struct WeekSpan {
  absl::Time start;
  absl::Time end;
};
WeekSpan SpanOf(const type::v1::IsoWeek& week, absl::TimeZone zone);
// The week holding `time` in `zone`.
type::v1::IsoWeek WeekAt(absl::Time time, absl::TimeZone zone);

// "2026-W48".
std::string IsoWeekText(const type::v1::IsoWeek& week);
// Accepts "2026-W48" and "2026-W5"; nullopt for anything else or a week the
// year does not have.
std::optional<type::v1::IsoWeek> ParseIsoWeek(absl::string_view text);

// The IANA zone, UTC when empty or unknown (profiles are checked when
// saved, so unknown means the zone database lacks it).
absl::TimeZone ZoneOrUtc(const std::string& name);

}  // namespace gracilis
