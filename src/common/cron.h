// Cron expressions, for scheduled windows such as "stop branches at night".
//
// The classic five fields, minute hour day-of-month month day-of-week:
//   *  5  1,3,5  1-5  */15  8-18/2  jan-dec  sun-sat (case-insensitive; 0 and 7 are Sunday)
// and the macros @hourly @daily @midnight @weekly @monthly @yearly @annually.
// As in Vixie cron, when both day fields are restricted (neither starts with `*`),
// a day matches when either field matches: "0 0 1 * mon" is the 1st and every Monday.
//
// Times are matched at minute granularity against the host's local time zone
// (localtime_r), as cron does: a wall-clock minute that a DST change skips never
// matches, and one it repeats matches twice. Callers that change TZ must call tzset().
// A CronExpr is immutable after Parse; all methods are thread-safe.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>

#include "common/status.h"

namespace spur {

class CronExpr {
 public:
  // Parses `text`. InvalidArgument with a one-line message naming the field
  // and what it expects, e.g. `cron "0 25 * * *": hour 25 is out of range 0-23`.
  static Result<CronExpr> Parse(const std::string& text);

  // True when the wall-clock minute in `local_time` (tm_min, tm_hour, tm_mday,
  // tm_mon, tm_wday; seconds ignored) is in the schedule.
  bool Matches(const std::tm& local_time) const;

  // The start (second 0) of the latest matching minute at or before
  // `unix_seconds`, or nullopt when none lies within `horizon_seconds` before it.
  std::optional<int64_t> LastAtOrBefore(int64_t unix_seconds,
                                        int64_t horizon_seconds = 8 * 86400) const;

  // The start of the first matching minute strictly after `unix_seconds`, or
  // nullopt when none lies within `horizon_seconds` after it.
  std::optional<int64_t> NextAfter(int64_t unix_seconds,
                                   int64_t horizon_seconds = 400 * 86400) const;

  // The text this was parsed from, as given.
  const std::string& text() const { return text_; }

 private:
  CronExpr() = default;

  bool DayMatches(int month, int day_of_month, int weekday) const;  // month 1-12, Sunday 0
  // Calls visit(instant) for every matching minute of the local date whose
  // days-since-epoch is `days`, when that date matches.
  template <typename Visit>
  void ForEachMatchOnDay(int64_t days, Visit&& visit) const;

  std::string text_;
  uint64_t minutes_ = 0;   // bit m for minute m, 0-59
  uint32_t hours_ = 0;     // bit h, 0-23
  uint32_t days_ = 0;      // bit d, 1-31
  uint32_t months_ = 0;    // bit m, 1-12
  uint32_t weekdays_ = 0;  // bit w, 0-6 (Sunday is 0)
  bool days_star_ = false;
  bool weekdays_star_ = false;
};

}  // namespace spur
