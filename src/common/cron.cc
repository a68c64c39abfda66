#include "common/cron.h"

#include <cctype>
#include <string_view>
#include <vector>

namespace spur {
namespace {

constexpr int64_t kDay = 86400;
// No time zone, historic ones included, is more than 16 hours from UTC.
constexpr int64_t kMaxOffset = 16 * 3600;

const char* const kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                   "jul", "aug", "sep", "oct", "nov", "dec"};
const char* const kWeekdayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

struct Field {
  const char* name;
  int lo, hi;
  const char* const* names;  // names[i] stands for lo + i (months) or i (weekdays)
  int names_count;
  int names_base;
  const char* names_range;  // "jan..dec"
  bool seven_is_sunday;
};

const Field kMinute = {"minute", 0, 59, nullptr, 0, 0, nullptr, false};
const Field kHour = {"hour", 0, 23, nullptr, 0, 0, nullptr, false};
const Field kDayOfMonth = {"day", 1, 31, nullptr, 0, 0, nullptr, false};
const Field kMonth = {"month", 1, 12, kMonthNames, 12, 1, "jan..dec", false};
const Field kWeekday = {"weekday", 0, 7, kWeekdayNames, 7, 0, "sun..sat", true};

std::string Range(const Field& f) { return std::to_string(f.lo) + "-" + std::to_string(f.hi); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// A number within the field's range, or (for months and weekdays) a name.
Result<int> ParseValue(const Field& f, std::string_view token) {
  if (AllDigits(token)) {
    int v = 0;
    for (char c : token) {
      v = v * 10 + (c - '0');
      if (v > 1000) break;  // out of every range; keeps the arithmetic small
    }
    if (v < f.lo || v > f.hi) {
      return InvalidArgument(std::string(f.name) + " " + std::string(token) + " is out of range " +
                             Range(f));
    }
    return v;
  }
  std::string lower = Lower(token);
  for (int i = 0; i < f.names_count; ++i) {
    if (lower == f.names[i]) return f.names_base + i;
  }
  std::string expected = "a number " + Range(f);
  if (f.names != nullptr) expected += " or a name " + std::string(f.names_range);
  return InvalidArgument(std::string(f.name) + " \"" + std::string(token) + "\" is not " +
                         expected);
}

// One item of a list: "*", "5", "1-5", "*/15" or "8-18/2".
Status ParseItem(const Field& f, std::string_view item, uint64_t* bits) {
  std::string_view base = item;
  int step = 1;
  if (size_t slash = item.find('/'); slash != std::string_view::npos) {
    base = item.substr(0, slash);
    std::string_view step_text = item.substr(slash + 1);
    step = AllDigits(step_text) && step_text.size() <= 3 ? std::stoi(std::string(step_text)) : 0;
    if (step < 1 || step > f.hi) {
      return InvalidArgument(std::string(f.name) + " step \"" + std::string(step_text) +
                             "\" in \"" + std::string(item) + "\" must be a number 1-" +
                             std::to_string(f.hi));
    }
  }
  int first = f.lo, last = f.hi;
  if (base != "*") {
    size_t dash = base.find('-');
    if (dash == std::string_view::npos) {
      if (base.size() != item.size()) {
        return InvalidArgument(std::string(f.name) + " \"" + std::string(item) +
                               "\" has a step without a range; write it like " + std::string(base) +
                               "-" + std::to_string(f.hi) + "/" + std::to_string(step) + " or */" +
                               std::to_string(step));
      }
      ASSIGN_OR_RETURN(first, ParseValue(f, base));
      last = first;
    } else {
      ASSIGN_OR_RETURN(first, ParseValue(f, base.substr(0, dash)));
      ASSIGN_OR_RETURN(last, ParseValue(f, base.substr(dash + 1)));
      if (first > last) {
        return InvalidArgument(std::string(f.name) + " range \"" + std::string(base) +
                               "\" runs backwards; ranges do not wrap, so list both parts, " +
                               "like 22-23,0-6");
      }
    }
  }
  for (int v = first; v <= last; v += step) {
    *bits |= uint64_t{1} << (f.seven_is_sunday && v == 7 ? 0 : v);
  }
  return Status::Ok();
}

// A comma-separated list of items.
Status ParseField(const Field& f, std::string_view text, uint64_t* bits) {
  size_t start = 0;
  for (;;) {
    size_t comma = text.find(',', start);
    std::string_view item =
        text.substr(start, comma == std::string_view::npos ? comma : comma - start);
    if (item.empty()) {
      return InvalidArgument(std::string(f.name) + " list \"" + std::string(text) +
                             "\" has an empty item");
    }
    RETURN_IF_ERROR(ParseItem(f, item, bits));
    if (comma == std::string_view::npos) return Status::Ok();
    start = comma + 1;
  }
}

std::vector<std::string_view> SplitFields(std::string_view text) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) fields.push_back(text.substr(start, i - start));
  }
  return fields;
}

Result<std::string_view> ExpandMacro(std::string_view macro) {
  static const struct {
    const char* name;
    const char* fields;
  } kMacros[] = {{"@hourly", "0 * * * *"},  {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
                 {"@weekly", "0 0 * * 0"},  {"@monthly", "0 0 1 * *"}, {"@yearly", "0 0 1 1 *"},
                 {"@annually", "0 0 1 1 *"}};
  std::string lower = Lower(macro);
  for (const auto& m : kMacros) {
    if (lower == m.name) return std::string_view(m.fields);
  }
  return InvalidArgument("unknown macro " + std::string(macro) +
                         "; expected @hourly, @daily, @midnight, @weekly, @monthly, @yearly "
                         "or @annually");
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct CivilDate {
  int month, day, weekday;
};

CivilDate CivilFromDays(int64_t z) {
  const int64_t weekday = ((z % 7) + 7 + 4) % 7;  // 1970-01-01 was a Thursday
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  return {static_cast<int>(mp < 10 ? mp + 3 : mp - 9),
          static_cast<int>(doy - (153 * mp + 2) / 5 + 1), static_cast<int>(weekday)};
}

// Seconds east of UTC of the local zone at `t`.
int64_t OffsetAt(int64_t t) {
  time_t tt = static_cast<time_t>(t);
  std::tm tm{};
  if (localtime_r(&tt, &tm) == nullptr) return 0;
  return tm.tm_gmtoff;
}

// Days since 1970-01-01 of the local date at `t`.
int64_t LocalDays(int64_t t) {
  time_t tt = static_cast<time_t>(t);
  std::tm tm{};
  if (localtime_r(&tt, &tm) == nullptr) return t / kDay;
  return DaysFromCivil(int64_t{tm.tm_year} + 1900, tm.tm_mon + 1, tm.tm_mday);
}

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t out;
  if (__builtin_add_overflow(a, b, &out)) return b > 0 ? INT64_MAX : INT64_MIN;
  return out;
}

}  // namespace

Result<CronExpr> CronExpr::Parse(const std::string& text) {
  const std::string prefix = "cron \"" + text + "\": ";
  std::vector<std::string_view> fields = SplitFields(text);
  if (fields.size() == 1 && fields[0].front() == '@') {
    Result<std::string_view> expanded = ExpandMacro(fields[0]);
    if (!expanded.ok()) return InvalidArgument(prefix + expanded.status().message());
    fields = SplitFields(*expanded);
  }
  if (fields.size() != 5) {
    return InvalidArgument(prefix +
                           "expected 5 fields (minute hour day month weekday) or a macro like "
                           "@daily");
  }
  CronExpr e;
  e.text_ = text;
  uint64_t bits[5] = {};
  const Field* specs[5] = {&kMinute, &kHour, &kDayOfMonth, &kMonth, &kWeekday};
  for (int i = 0; i < 5; ++i) {
    Status st = ParseField(*specs[i], fields[i], &bits[i]);
    if (!st.ok()) return InvalidArgument(prefix + st.message());
  }
  e.minutes_ = bits[0];
  e.hours_ = static_cast<uint32_t>(bits[1]);
  e.days_ = static_cast<uint32_t>(bits[2]);
  e.months_ = static_cast<uint32_t>(bits[3]);
  e.weekdays_ = static_cast<uint32_t>(bits[4]);
  e.days_star_ = fields[2].front() == '*';
  e.weekdays_star_ = fields[4].front() == '*';
  return e;
}

bool CronExpr::DayMatches(int month, int day_of_month, int weekday) const {
  if ((months_ & (uint32_t{1} << month)) == 0) return false;
  const bool day_ok = (days_ & (uint32_t{1} << day_of_month)) != 0;
  const bool weekday_ok = (weekdays_ & (uint32_t{1} << weekday)) != 0;
  if (days_star_ || weekdays_star_) return day_ok && weekday_ok;
  return day_ok || weekday_ok;  // Vixie cron: both restricted means either
}

bool CronExpr::Matches(const std::tm& t) const {
  if (t.tm_min < 0 || t.tm_min > 59 || t.tm_hour < 0 || t.tm_hour > 23 || t.tm_mday < 1 ||
      t.tm_mday > 31 || t.tm_mon < 0 || t.tm_mon > 11 || t.tm_wday < 0 || t.tm_wday > 6) {
    return false;
  }
  return (minutes_ & (uint64_t{1} << t.tm_min)) != 0 &&
         (hours_ & (uint32_t{1} << t.tm_hour)) != 0 &&
         DayMatches(t.tm_mon + 1, t.tm_mday, t.tm_wday);
}

template <typename Visit>
void CronExpr::ForEachMatchOnDay(int64_t days, Visit&& visit) const {
  const CivilDate date = CivilFromDays(days);
  if (!DayMatches(date.month, date.day, date.weekday)) return;
  // "Wall" seconds: the date's local times counted as if the zone were UTC. An
  // instant t shows wall time w when t + OffsetAt(t) == w. The offsets in force
  // around the date are the ones before and after it (a DST change in between).
  const int64_t midnight = days * kDay;
  const int64_t offsets[2] = {OffsetAt(midnight - kMaxOffset),
                              OffsetAt(midnight + kDay + kMaxOffset)};
  const int offset_count = offsets[0] == offsets[1] ? 1 : 2;
  for (int hour = 0; hour < 24; ++hour) {
    if ((hours_ & (uint32_t{1} << hour)) == 0) continue;
    for (int i = 0; i < offset_count; ++i) {
      const int64_t start = midnight + hour * 3600 - offsets[i];
      // Usually the whole hour is under one offset; otherwise check minute by minute.
      const bool steady = OffsetAt(start) == offsets[i] && OffsetAt(start + 59 * 60) == offsets[i];
      for (int minute = 0; minute < 60; ++minute) {
        if ((minutes_ & (uint64_t{1} << minute)) == 0) continue;
        const int64_t t = start + minute * 60;
        if (steady || OffsetAt(t) == offsets[i]) visit(t);
      }
    }
  }
}

std::optional<int64_t> CronExpr::LastAtOrBefore(int64_t unix_seconds,
                                                int64_t horizon_seconds) const {
  if (horizon_seconds < 0) return std::nullopt;
  const int64_t floor = SaturatingAdd(unix_seconds, -horizon_seconds);
  std::optional<int64_t> best;
  for (int64_t days = LocalDays(unix_seconds) + 1;; --days) {
    const int64_t latest = (days + 1) * kDay + kMaxOffset;  // no instant of this date is later
    if (latest < floor || (best && latest <= *best)) break;
    ForEachMatchOnDay(days, [&](int64_t t) {
      if (t <= unix_seconds && t >= floor && (!best || t > *best)) best = t;
    });
  }
  return best;
}

std::optional<int64_t> CronExpr::NextAfter(int64_t unix_seconds, int64_t horizon_seconds) const {
  if (horizon_seconds < 0) return std::nullopt;
  const int64_t limit = SaturatingAdd(unix_seconds, horizon_seconds);
  std::optional<int64_t> best;
  for (int64_t days = LocalDays(unix_seconds) - 1;; ++days) {
    const int64_t earliest = days * kDay - kMaxOffset;  // no instant of this date is earlier
    if (earliest > limit || (best && earliest >= *best)) break;
    ForEachMatchOnDay(days, [&](int64_t t) {
      if (t > unix_seconds && t <= limit && (!best || t < *best)) best = t;
    });
  }
  return best;
}

}  // namespace spur
