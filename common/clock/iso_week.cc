#include "common/clock/iso_week.h"

#include <cstdio>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"

namespace gracilis {
namespace {

// Monday = 1 ... Sunday = 7.
int IsoWeekday(absl::CivilDay day) {
  return static_cast<int>(absl::GetWeekday(day)) + 1;
}

}  // namespace

type::v1::IsoWeek IsoWeekOf(absl::CivilDay day) {
  const absl::CivilDay thursday = day + (4 - IsoWeekday(day));
  type::v1::IsoWeek week;
  week.set_year(static_cast<int>(thursday.year()));
  week.set_week((absl::GetYearDay(thursday) - 1) / 7 + 1);
  return week;
}

int IsoWeeksInYear(int year) {
  // 28 December is always in the year's last week.
  return IsoWeekOf(absl::CivilDay(year, 12, 28)).week();
}

bool IsValidDate(const type::v1::Date& date) {
  const absl::CivilDay day(date.year(), date.month(), date.day());
  return date.year() >= 1900 && date.year() <= 9999 &&
         day.year() == date.year() && day.month() == date.month() &&
         day.day() == date.day();
}

bool IsValidIsoWeek(const type::v1::IsoWeek& week) {
  return week.year() >= 1900 && week.year() <= 9999 && week.week() >= 1 &&
         week.week() <= IsoWeeksInYear(week.year());
}

absl::CivilDay MondayOf(const type::v1::IsoWeek& week) {
  // 4 January is always in week 1.
  const absl::CivilDay january4(week.year(), 1, 4);
  return january4 - (IsoWeekday(january4) - 1) + 7 * (week.week() - 1);
}

type::v1::IsoWeek AddWeeks(const type::v1::IsoWeek& week, int weeks) {
  return IsoWeekOf(MondayOf(week) + 7 * weeks);
}

int WeeksBetween(const type::v1::IsoWeek& from, const type::v1::IsoWeek& to) {
  return static_cast<int>((MondayOf(to) - MondayOf(from)) / 7);
}

bool operator<(const type::v1::IsoWeek& a, const type::v1::IsoWeek& b) {
  return std::make_tuple(a.year(), a.week()) <
         std::make_tuple(b.year(), b.week());
}

bool SameWeek(const type::v1::IsoWeek& a, const type::v1::IsoWeek& b) {
  return a.year() == b.year() && a.week() == b.week();
}

WeekSpan SpanOf(const type::v1::IsoWeek& week, absl::TimeZone zone) {
  const absl::CivilDay monday = MondayOf(week);
  return {absl::FromCivil(monday, zone), absl::FromCivil(monday + 7, zone)};
}

type::v1::IsoWeek WeekAt(absl::Time time, absl::TimeZone zone) {
  return IsoWeekOf(absl::ToCivilDay(time, zone));
}

std::string IsoWeekText(const type::v1::IsoWeek& week) {
  return absl::StrFormat("%04d-W%02d", week.year(), week.week());
}

std::optional<type::v1::IsoWeek> ParseIsoWeek(absl::string_view text) {
  if (text.size() < 7 || text.size() > 8 || text.substr(4, 2) != "-W") {
    return std::nullopt;
  }
  int year = 0;
  int number = 0;
  const absl::string_view year_text = text.substr(0, 4);
  const absl::string_view week_text = text.substr(6);
  for (absl::string_view digits : {year_text, week_text}) {
    for (char c : digits) {
      if (c < '0' || c > '9') {
        return std::nullopt;
      }
    }
  }
  if (!absl::SimpleAtoi(year_text, &year) ||
      !absl::SimpleAtoi(week_text, &number)) {
    return std::nullopt;
  }
  type::v1::IsoWeek week;
  week.set_year(year);
  week.set_week(number);
  if (!IsValidIsoWeek(week)) {
    return std::nullopt;
  }
  return week;
}

absl::TimeZone ZoneOrUtc(const std::string& name) {
  absl::TimeZone zone = absl::UTCTimeZone();
  if (!name.empty() && !absl::LoadTimeZone(name, &zone)) {
    return absl::UTCTimeZone();
  }
  return zone;
}

}  // namespace gracilis
