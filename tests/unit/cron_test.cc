#include "common/cron.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

namespace spur {
namespace {

// Sets TZ for the test's lifetime and restores the previous value after.
class ScopedTimeZone {
 public:
  explicit ScopedTimeZone(const char* tz) {
    if (const char* old = std::getenv("TZ")) old_ = old;
    ::setenv("TZ", tz, 1);
    ::tzset();
  }
  ~ScopedTimeZone() {
    if (old_)
      ::setenv("TZ", old_->c_str(), 1);
    else
      ::unsetenv("TZ");
    ::tzset();
  }

 private:
  std::optional<std::string> old_;
};

bool HasZone(const std::string& name) {
  return ::access(("/usr/share/zoneinfo/" + name).c_str(), R_OK) == 0;
}

int64_t Utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<int64_t>(::timegm(&tm));
}

std::tm UtcTm(int year, int month, int day, int hour = 0, int minute = 0) {
  time_t t = static_cast<time_t>(Utc(year, month, day, hour, minute));
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  return tm;
}

CronExpr MustParse(const std::string& text) {
  Result<CronExpr> r = CronExpr::Parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().message();
  return r.ok() ? *r : *CronExpr::Parse("* * * * *");
}

std::string ParseError(const std::string& text) {
  Result<CronExpr> r = CronExpr::Parse(text);
  if (r.ok()) return "(parsed)";
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  return r.status().message();
}

// What NextAfter and LastAtOrBefore must return, found by checking every minute.
std::optional<int64_t> NaiveNext(const CronExpr& e, int64_t t, int64_t horizon) {
  for (int64_t m = (t / 60) * 60 + 60; m <= t + horizon; m += 60) {
    time_t tt = static_cast<time_t>(m);
    std::tm tm{};
    ::localtime_r(&tt, &tm);
    if (e.Matches(tm)) return m;
  }
  return std::nullopt;
}

std::optional<int64_t> NaiveLast(const CronExpr& e, int64_t t, int64_t horizon) {
  for (int64_t m = (t / 60) * 60; m >= t - horizon; m -= 60) {
    time_t tt = static_cast<time_t>(m);
    std::tm tm{};
    ::localtime_r(&tt, &tm);
    if (e.Matches(tm)) return m;
  }
  return std::nullopt;
}

class CronTest : public ::testing::Test {
 protected:
  ScopedTimeZone tz_{"UTC"};
};

TEST_F(CronTest, StarMatchesEveryMinute) {
  CronExpr e = MustParse("* * * * *");
  EXPECT_TRUE(e.Matches(UtcTm(2026, 1, 1, 0, 0)));
  EXPECT_TRUE(e.Matches(UtcTm(2026, 7, 31, 23, 59)));
  EXPECT_EQ(e.text(), "* * * * *");
}

TEST_F(CronTest, NumbersListsRangesAndSteps) {
  CronExpr e = MustParse("*/15 8-18/2 1,15 * *");
  for (int minute : {0, 15, 30, 45}) EXPECT_TRUE(e.Matches(UtcTm(2026, 1, 15, 8, minute)));
  for (int minute : {1, 14, 59}) EXPECT_FALSE(e.Matches(UtcTm(2026, 1, 15, 8, minute)));
  for (int hour : {8, 10, 12, 14, 16, 18}) EXPECT_TRUE(e.Matches(UtcTm(2026, 1, 1, hour, 0)));
  for (int hour : {7, 9, 17, 19, 20}) EXPECT_FALSE(e.Matches(UtcTm(2026, 1, 1, hour, 0)));
  EXPECT_FALSE(e.Matches(UtcTm(2026, 1, 2, 8, 0)));

  CronExpr single = MustParse("5 4 3 2 *");
  EXPECT_TRUE(single.Matches(UtcTm(2026, 2, 3, 4, 5)));
  EXPECT_FALSE(single.Matches(UtcTm(2026, 2, 3, 4, 6)));
  EXPECT_FALSE(single.Matches(UtcTm(2026, 3, 3, 4, 5)));

  CronExpr mixed = MustParse("0-4,10,50-59/5 * * * *");
  for (int minute : {0, 1, 4, 10, 50, 55}) EXPECT_TRUE(mixed.Matches(UtcTm(2026, 1, 1, 0, minute)));
  for (int minute : {5, 9, 11, 51, 59}) EXPECT_FALSE(mixed.Matches(UtcTm(2026, 1, 1, 0, minute)));
}

TEST_F(CronTest, MonthAndDayNamesAreCaseInsensitive) {
  CronExpr e = MustParse("0 0 * JAN-mar,Dec Mon-FRI");
  EXPECT_TRUE(e.Matches(UtcTm(2026, 1, 5)));   // Monday in January
  EXPECT_TRUE(e.Matches(UtcTm(2026, 3, 6)));   // Friday in March
  EXPECT_TRUE(e.Matches(UtcTm(2026, 12, 1)));  // Tuesday in December
  EXPECT_FALSE(e.Matches(UtcTm(2026, 1, 4)));  // Sunday
  EXPECT_FALSE(e.Matches(UtcTm(2026, 4, 6)));  // Monday in April
  EXPECT_TRUE(MustParse("0 0 * * sun").Matches(UtcTm(2026, 1, 4)));
  EXPECT_TRUE(MustParse("0 0 * jun *").Matches(UtcTm(2026, 6, 30)));
}

TEST_F(CronTest, ZeroAndSevenAreBothSunday) {
  const std::tm sunday = UtcTm(2026, 1, 4);
  const std::tm saturday = UtcTm(2026, 1, 3);
  const std::tm monday = UtcTm(2026, 1, 5);
  EXPECT_TRUE(MustParse("0 0 * * 0").Matches(sunday));
  EXPECT_TRUE(MustParse("0 0 * * 7").Matches(sunday));
  EXPECT_FALSE(MustParse("0 0 * * 7").Matches(monday));
  CronExpr weekend = MustParse("0 0 * * 6-7");
  EXPECT_TRUE(weekend.Matches(saturday));
  EXPECT_TRUE(weekend.Matches(sunday));
  EXPECT_FALSE(weekend.Matches(monday));
}

TEST_F(CronTest, MacrosMeanTheirFiveFieldForms) {
  const struct {
    const char* macro;
    const char* fields;
  } kCases[] = {{"@hourly", "0 * * * *"},   {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
                {"@weekly", "0 0 * * 0"},   {"@monthly", "0 0 1 * *"}, {"@yearly", "0 0 1 1 *"},
                {"@annually", "0 0 1 1 *"}, {"@DAILY", "0 0 * * *"}};
  for (const auto& c : kCases) {
    CronExpr macro = MustParse(c.macro);
    CronExpr fields = MustParse(c.fields);
    EXPECT_EQ(macro.text(), c.macro);
    int64_t a = Utc(2025, 12, 30, 13, 7), b = a;
    for (int i = 0; i < 5; ++i) {
      std::optional<int64_t> na = macro.NextAfter(a, 800 * 86400);
      std::optional<int64_t> nb = fields.NextAfter(b, 800 * 86400);
      ASSERT_TRUE(na && nb) << c.macro;
      EXPECT_EQ(*na, *nb) << c.macro;
      a = *na;
      b = *nb;
    }
  }
}

TEST_F(CronTest, BothDayFieldsRestrictedMeansEither) {
  CronExpr e = MustParse("0 0 1 * mon");
  EXPECT_TRUE(e.Matches(UtcTm(2026, 1, 1)));   // the 1st, a Thursday
  EXPECT_TRUE(e.Matches(UtcTm(2026, 1, 5)));   // a Monday
  EXPECT_FALSE(e.Matches(UtcTm(2026, 1, 2)));  // neither
  EXPECT_EQ(e.NextAfter(Utc(2026, 1, 1)), Utc(2026, 1, 5));
  EXPECT_EQ(e.NextAfter(Utc(2026, 1, 26)), Utc(2026, 2, 1));
}

TEST_F(CronTest, OneDayFieldStarredMeansBoth) {
  // Like Vixie cron, a field starting with "*" counts as unrestricted, so the
  // days must be both a multiple-of-ten-plus-one and a Monday.
  CronExpr e = MustParse("0 0 */10 * mon");
  EXPECT_FALSE(e.Matches(UtcTm(2026, 1, 1)));  // day 1, Thursday
  EXPECT_FALSE(e.Matches(UtcTm(2026, 1, 5)));  // Monday, day 5
  EXPECT_TRUE(e.Matches(UtcTm(2026, 5, 11)));  // Monday the 11th
  EXPECT_EQ(e.NextAfter(Utc(2026, 1, 1)), Utc(2026, 5, 11));
  CronExpr weekdays_only = MustParse("0 0 * * mon");
  EXPECT_FALSE(weekdays_only.Matches(UtcTm(2026, 1, 1)));
  EXPECT_TRUE(weekdays_only.Matches(UtcTm(2026, 1, 5)));
}

TEST_F(CronTest, ErrorsNameTheFieldAndWhatItExpects) {
  const struct {
    const char* text;
    const char* message;
  } kCases[] = {
      {"0 25 * * *", "cron \"0 25 * * *\": hour 25 is out of range 0-23"},
      {"* * *",
       "cron \"* * *\": expected 5 fields (minute hour day month weekday) or a macro "
       "like @daily"},
      {"", "cron \"\": expected 5 fields (minute hour day month weekday) or a macro like @daily"},
      {"* * * * * *",
       "cron \"* * * * * *\": expected 5 fields (minute hour day month weekday) "
       "or a macro like @daily"},
      {"60 * * * *", "cron \"60 * * * *\": minute 60 is out of range 0-59"},
      {"* * 0 * *", "cron \"* * 0 * *\": day 0 is out of range 1-31"},
      {"* * 32 * *", "cron \"* * 32 * *\": day 32 is out of range 1-31"},
      {"* * * 13 *", "cron \"* * * 13 *\": month 13 is out of range 1-12"},
      {"* * * * 8", "cron \"* * * * 8\": weekday 8 is out of range 0-7"},
      {"x * * * *", "cron \"x * * * *\": minute \"x\" is not a number 0-59"},
      {"* * * foo *",
       "cron \"* * * foo *\": month \"foo\" is not a number 1-12 or a name "
       "jan..dec"},
      {"* * * * fry",
       "cron \"* * * * fry\": weekday \"fry\" is not a number 0-7 or a name "
       "sun..sat"},
      {"* * * * jan",
       "cron \"* * * * jan\": weekday \"jan\" is not a number 0-7 or a name "
       "sun..sat"},
      {"* -1 * * *", "cron \"* -1 * * *\": hour \"\" is not a number 0-23"},
      {"*/0 * * * *", "cron \"*/0 * * * *\": minute step \"0\" in \"*/0\" must be a number 1-59"},
      {"*/ * * * *", "cron \"*/ * * * *\": minute step \"\" in \"*/\" must be a number 1-59"},
      {"* */x * * *", "cron \"* */x * * *\": hour step \"x\" in \"*/x\" must be a number 1-23"},
      {"5/15 * * * *",
       "cron \"5/15 * * * *\": minute \"5/15\" has a step without a range; "
       "write it like 5-59/15 or */15"},
      {"* 18-8 * * *",
       "cron \"* 18-8 * * *\": hour range \"18-8\" runs backwards; ranges do "
       "not wrap, so list both parts, like 22-23,0-6"},
      {"1,,2 * * * *", "cron \"1,,2 * * * *\": minute list \"1,,2\" has an empty item"},
      {"1, * * * *", "cron \"1, * * * *\": minute list \"1,\" has an empty item"},
      {"99999999999 * * * *",
       "cron \"99999999999 * * * *\": minute 99999999999 is out of "
       "range 0-59"},
      {"@reboot",
       "cron \"@reboot\": unknown macro @reboot; expected @hourly, @daily, "
       "@midnight, @weekly, @monthly, @yearly or @annually"},
  };
  for (const auto& c : kCases) EXPECT_EQ(ParseError(c.text), c.message) << c.text;
}

TEST_F(CronTest, ToleratesExtraWhitespace) {
  CronExpr e = MustParse("  0\t20  * *\t1-5 ");
  EXPECT_TRUE(e.Matches(UtcTm(2026, 1, 5, 20, 0)));
}

TEST_F(CronTest, ResultsStartAtSecondZero) {
  CronExpr e = MustParse("* * * * *");
  EXPECT_EQ(e.NextAfter(Utc(2026, 1, 1, 10, 0, 30)), Utc(2026, 1, 1, 10, 1));
  EXPECT_EQ(e.NextAfter(Utc(2026, 1, 1, 10, 0, 0)), Utc(2026, 1, 1, 10, 1));
  EXPECT_EQ(e.LastAtOrBefore(Utc(2026, 1, 1, 10, 0, 30)), Utc(2026, 1, 1, 10, 0));
  EXPECT_EQ(e.LastAtOrBefore(Utc(2026, 1, 1, 10, 0, 0)), Utc(2026, 1, 1, 10, 0));
}

TEST_F(CronTest, CrossesMonthAndYearBoundaries) {
  CronExpr monthly = MustParse("0 0 1 * *");
  EXPECT_EQ(monthly.NextAfter(Utc(2025, 12, 15, 9, 30)), Utc(2026, 1, 1));
  EXPECT_EQ(monthly.NextAfter(Utc(2026, 1, 1)), Utc(2026, 2, 1));
  EXPECT_EQ(monthly.LastAtOrBefore(Utc(2026, 1, 1)), Utc(2026, 1, 1));
  EXPECT_EQ(monthly.LastAtOrBefore(Utc(2026, 1, 1) - 1, 40 * 86400), Utc(2025, 12, 1));

  CronExpr new_years_eve = MustParse("59 23 31 12 *");
  EXPECT_EQ(new_years_eve.NextAfter(Utc(2026, 1, 1)), Utc(2026, 12, 31, 23, 59));
  EXPECT_EQ(new_years_eve.LastAtOrBefore(Utc(2026, 1, 1, 0, 0, 5)), Utc(2025, 12, 31, 23, 59));

  CronExpr end_of_month = MustParse("30 12 31 * *");  // skips months without a 31st
  EXPECT_EQ(end_of_month.NextAfter(Utc(2026, 3, 31, 13)), Utc(2026, 5, 31, 12, 30));
  EXPECT_EQ(end_of_month.LastAtOrBefore(Utc(2026, 5, 1), 60 * 86400), Utc(2026, 3, 31, 12, 30));
}

TEST_F(CronTest, HorizonLimitsTheSearch) {
  CronExpr leap_day = MustParse("0 0 29 2 *");
  EXPECT_EQ(leap_day.NextAfter(Utc(2026, 3, 1)), std::nullopt);  // 2028 is past 400 days
  EXPECT_EQ(leap_day.NextAfter(Utc(2026, 3, 1), 3 * 366 * 86400), Utc(2028, 2, 29));
  EXPECT_EQ(leap_day.LastAtOrBefore(Utc(2026, 3, 1), 3 * 366 * 86400), Utc(2024, 2, 29));

  CronExpr monthly = MustParse("0 0 1 * *");
  EXPECT_EQ(monthly.LastAtOrBefore(Utc(2026, 1, 15)), std::nullopt);  // 8 days by default
  EXPECT_EQ(monthly.LastAtOrBefore(Utc(2026, 1, 9)), Utc(2026, 1, 1));

  CronExpr every_minute = MustParse("* * * * *");
  EXPECT_EQ(every_minute.NextAfter(Utc(2026, 1, 1), 60), Utc(2026, 1, 1, 0, 1));
  EXPECT_EQ(every_minute.NextAfter(Utc(2026, 1, 1), 59), std::nullopt);
  EXPECT_EQ(every_minute.LastAtOrBefore(Utc(2026, 1, 1, 0, 0, 30), 30), Utc(2026, 1, 1));
  EXPECT_EQ(every_minute.LastAtOrBefore(Utc(2026, 1, 1, 0, 0, 30), 29), std::nullopt);
  EXPECT_EQ(every_minute.NextAfter(Utc(2026, 1, 1), -1), std::nullopt);

  CronExpr never = MustParse("0 0 31 2 *");
  EXPECT_EQ(never.NextAfter(Utc(2026, 1, 1)), std::nullopt);
  EXPECT_EQ(never.LastAtOrBefore(Utc(2026, 1, 1)), std::nullopt);
}

// Branches stop at 20:00 and start at 08:00 on weekdays, and stay stopped over
// the weekend: stopped exactly when the last stop is later than the last start.
TEST_F(CronTest, NightsAndWeekendsWindow) {
  CronExpr stop = MustParse("0 20 * * 1-5");
  CronExpr start = MustParse("0 8 * * 1-5");
  auto stopped = [&](int64_t t) {
    std::optional<int64_t> last_stop = stop.LastAtOrBefore(t);
    std::optional<int64_t> last_start = start.LastAtOrBefore(t);
    return last_stop && (!last_start || *last_stop > *last_start);
  };
  EXPECT_FALSE(stopped(Utc(2026, 1, 9, 12)));      // Friday noon
  EXPECT_TRUE(stopped(Utc(2026, 1, 9, 20)));       // Friday 20:00 exactly
  EXPECT_TRUE(stopped(Utc(2026, 1, 10, 12)));      // Saturday
  EXPECT_TRUE(stopped(Utc(2026, 1, 11, 23, 59)));  // Sunday night
  EXPECT_TRUE(stopped(Utc(2026, 1, 12, 7, 59)));   // Monday before eight
  EXPECT_FALSE(stopped(Utc(2026, 1, 12, 8)));      // Monday eight o'clock
  EXPECT_TRUE(stopped(Utc(2026, 1, 13, 3)));       // Tuesday small hours
  EXPECT_EQ(start.NextAfter(Utc(2026, 1, 10, 12)), Utc(2026, 1, 12, 8));
  EXPECT_EQ(stop.NextAfter(Utc(2026, 1, 12, 8)), Utc(2026, 1, 12, 20));
  EXPECT_EQ(stop.LastAtOrBefore(Utc(2026, 1, 12, 7)), Utc(2026, 1, 9, 20));
}

TEST_F(CronTest, DaylightSavingGapIsSkippedAndOverlapMatchesTwice) {
  if (!HasZone("Europe/Berlin")) GTEST_SKIP() << "no tzdata";
  ScopedTimeZone berlin("Europe/Berlin");
  // 2026-03-29: 02:00 CET becomes 03:00 CEST, so there is no 02:30.
  CronExpr half_past_two = MustParse("30 2 * * *");
  EXPECT_EQ(half_past_two.NextAfter(Utc(2026, 3, 28, 12)), Utc(2026, 3, 30, 0, 30));
  EXPECT_EQ(half_past_two.LastAtOrBefore(Utc(2026, 3, 30, 0)), Utc(2026, 3, 28, 1, 30));
  // 2026-10-25: 03:00 CEST becomes 02:00 CET, so 02:30 happens twice.
  EXPECT_EQ(half_past_two.NextAfter(Utc(2026, 10, 24, 12)), Utc(2026, 10, 25, 0, 30));
  EXPECT_EQ(half_past_two.NextAfter(Utc(2026, 10, 25, 0, 30)), Utc(2026, 10, 25, 1, 30));
  EXPECT_EQ(half_past_two.LastAtOrBefore(Utc(2026, 10, 25, 12)), Utc(2026, 10, 25, 1, 30));
  // Noon stays local noon across the change.
  CronExpr noon = MustParse("0 12 * * *");
  EXPECT_EQ(noon.NextAfter(Utc(2026, 3, 28, 11)), Utc(2026, 3, 29, 10));
  EXPECT_EQ(noon.LastAtOrBefore(Utc(2026, 3, 29, 10) - 1), Utc(2026, 3, 28, 11));
}

TEST_F(CronTest, AgreesWithAMinuteByMinuteScan) {
  const std::vector<std::string> exprs = {
      "* * * * *",   "*/7 * * * *",  "0 20 * * 1-5",  "30 2 * * *",     "15 1-3 * * *",
      "0 0 1 * mon", "59 23 * * 0",  "0 */5 * * sat", "45 0 25 10 *",   "0 3 29 3 *",
      "0 0 1 1 *",   "*/20 2 * * *", "0 12 */2 * *",  "10 0,12 1-7 * 1"};
  std::vector<std::string> zones = {"UTC"};
  for (const char* z : {"Europe/Berlin", "America/New_York", "Australia/Lord_Howe"}) {
    if (HasZone(z)) zones.push_back(z);
  }
  const int64_t horizon = 2 * 86400;
  for (const std::string& zone : zones) {
    ScopedTimeZone tz(zone.c_str());
    for (const std::string& text : exprs) {
      CronExpr e = MustParse(text);
      // Start points around both DST changes of 2026 in the zones above, and a New Year.
      for (int64_t base :
           {Utc(2026, 3, 27, 22, 13, 7), Utc(2026, 3, 7, 23, 59, 59), Utc(2026, 10, 24, 0, 0, 1),
            Utc(2026, 10, 31, 12, 40), Utc(2026, 4, 4, 10, 10, 10), Utc(2025, 12, 31, 11)}) {
        for (int64_t step = 0; step < 2 * 86400; step += 14741) {
          const int64_t t = base + step;
          ASSERT_EQ(e.NextAfter(t, horizon), NaiveNext(e, t, horizon))
              << zone << " \"" << text << "\" after " << t;
          ASSERT_EQ(e.LastAtOrBefore(t, horizon), NaiveLast(e, t, horizon))
              << zone << " \"" << text << "\" at or before " << t;
        }
      }
    }
  }
}

}  // namespace
}  // namespace spur
