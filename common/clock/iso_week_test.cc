#include "common/clock/iso_week.h"

#include "gtest/gtest.h"

namespace gracilis {
namespace {

type::v1::IsoWeek Week(int year, int number) {
  type::v1::IsoWeek week;
  week.set_year(year);
  week.set_week(number);
  return week;
}

TEST(IsoWeekTest, WeeksBelongToTheYearOfTheirThursday) {
  // Monday 2026-11-23 is in week 48.
  EXPECT_EQ(IsoWeekText(IsoWeekOf(absl::CivilDay(2026, 11, 23))), "2026-W48");
  EXPECT_EQ(IsoWeekText(IsoWeekOf(absl::CivilDay(2026, 11, 29))), "2026-W48");
  // 2021-01-03 (Sunday) is still in 2020's week 53.
  EXPECT_EQ(IsoWeekText(IsoWeekOf(absl::CivilDay(2021, 1, 3))), "2020-W53");
  // 2024-12-30 (Monday) is in 2025's week 1.
  EXPECT_EQ(IsoWeekText(IsoWeekOf(absl::CivilDay(2024, 12, 30))), "2025-W01");
}

TEST(IsoWeekTest, MondaysAndYearLengths) {
  EXPECT_EQ(MondayOf(Week(2026, 48)), absl::CivilDay(2026, 11, 23));
  EXPECT_EQ(MondayOf(Week(2025, 1)), absl::CivilDay(2024, 12, 30));
  EXPECT_EQ(MondayOf(Week(2020, 53)), absl::CivilDay(2020, 12, 28));
  EXPECT_EQ(IsoWeeksInYear(2020), 53);
  EXPECT_EQ(IsoWeeksInYear(2026), 53);
  EXPECT_EQ(IsoWeeksInYear(2025), 52);
  EXPECT_FALSE(IsValidIsoWeek(Week(2025, 53)));
  EXPECT_TRUE(IsValidIsoWeek(Week(2026, 53)));
  EXPECT_FALSE(IsValidIsoWeek(Week(2026, 0)));
  EXPECT_FALSE(IsValidIsoWeek(Week(1899, 10)));
}

TEST(IsoWeekTest, ArithmeticCrossesYears) {
  EXPECT_EQ(IsoWeekText(AddWeeks(Week(2026, 52), 2)), "2027-W01");
  EXPECT_EQ(IsoWeekText(AddWeeks(Week(2027, 1), -2)), "2026-W52");
  EXPECT_EQ(WeeksBetween(Week(2026, 50), Week(2027, 2)), 5);
  EXPECT_EQ(WeeksBetween(Week(2027, 2), Week(2026, 50)), -5);
  EXPECT_TRUE(Week(2026, 52) < Week(2027, 1));
  EXPECT_FALSE(Week(2027, 1) < Week(2027, 1));
}

TEST(IsoWeekTest, SpansFollowTheTimeZone) {
  absl::TimeZone berlin;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Berlin", &berlin));
  const WeekSpan span = SpanOf(Week(2026, 48), berlin);
  // Monday 00:00 in Berlin (UTC+1 in November) is Sunday 23:00 UTC.
  EXPECT_EQ(span.start,
            absl::FromCivil(absl::CivilSecond(2026, 11, 22, 23, 0, 0),
                            absl::UTCTimeZone()));
  EXPECT_EQ(span.end - span.start, absl::Hours(24 * 7));
  EXPECT_EQ(IsoWeekText(WeekAt(span.start, berlin)), "2026-W48");
  EXPECT_EQ(IsoWeekText(WeekAt(span.start, absl::UTCTimeZone())), "2026-W47");
  EXPECT_EQ(ZoneOrUtc("Mars/Olympus"), absl::UTCTimeZone());
}

TEST(IsoWeekTest, ParsesOnlyWellFormedWeeks) {
  EXPECT_EQ(IsoWeekText(*ParseIsoWeek("2026-W48")), "2026-W48");
  EXPECT_EQ(IsoWeekText(*ParseIsoWeek("2026-W5")), "2026-W05");
  for (const char* bad : {"", "2026W48", "2026-48", "2026-W00", "2025-W53",
                          "2026-W-1", "20x6-W10", "2026-W100", "2026-w48"}) {
    EXPECT_FALSE(ParseIsoWeek(bad).has_value()) << bad;
  }
}

TEST(IsValidDateTest, TheContractsRangeAndRealDays) {
  const auto date = [](int year, int month, int day) {
    type::v1::Date d;
    d.set_year(year);
    d.set_month(month);
    d.set_day(day);
    return d;
  };
  EXPECT_TRUE(IsValidDate(date(2026, 2, 28)));
  EXPECT_TRUE(IsValidDate(date(2028, 2, 29)));
  EXPECT_FALSE(IsValidDate(date(2026, 2, 29)));
  EXPECT_FALSE(IsValidDate(date(-1, 1, 1)));
  EXPECT_FALSE(IsValidDate(date(0, 1, 1)));
  EXPECT_FALSE(IsValidDate(date(1000000000, 1, 1)));
  EXPECT_FALSE(IsValidDate(date(2147483647, 12, 31)));
  EXPECT_FALSE(IsValidDate(date(2026, 13, 1)));
}

}  // namespace
}  // namespace gracilis
