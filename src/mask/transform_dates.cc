// Date rules on the ISO text forms of date, timestamp and timestamptz
// ("2024-03-01", "2024-03-01 10:15:00.123", "2024-03-01 10:15:00+01"):
//  - date_shift moves the date by a keyed offset in [-days, -1] or [1, days]
//    chosen by PRF(date part), so equal dates move together and the time of
//    day and zone are kept;
//  - birthdate generalises to the 1st of January or the 1st of the month at
//    midnight, keeping the zone.
// 'infinity', '-infinity' and BC dates are returned unchanged.
#include <charconv>
#include <cstdint>
#include <string>
#include <utility>

#include "mask/transform_internal.h"

namespace spur::mask::internal {
namespace {

struct CivilDate {
  int64_t year = 0;
  int month = 0;
  int day = 0;
};

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil) and back.
int64_t DaysFromCivil(CivilDate d) {
  const int64_t y = d.year - (d.month <= 2);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (d.month + (d.month > 2 ? -3 : 9)) + 2) / 5 + d.day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilDate CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return CivilDate{yoe + era * 400 + (month <= 2), month, day};
}

int DaysInMonth(int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// A value split into its date and the rest ("" or " 10:15:00+01").
struct DateValue {
  CivilDate date;
  std::string_view date_text;  // "YYYY-MM-DD"
  std::string_view rest;
};

// Parses "Y...Y-MM-DD" (4 or more year digits) followed by nothing or by a
// space or 'T' and a digit.
bool ParseDateValue(std::string_view s, DateValue& v) {
  size_t i = 0;
  while (i < s.size() && IsAsciiDigit(s[i])) ++i;
  if (i < 4 || i > 7 || s.size() < i + 6 || s[i] != '-' || s[i + 3] != '-') return false;
  const char* p = s.data();
  for (size_t k : {i + 1, i + 2, i + 4, i + 5}) {
    if (!IsAsciiDigit(p[k])) return false;
  }
  std::from_chars(p, p + i, v.date.year);
  v.date.month = (p[i + 1] - '0') * 10 + (p[i + 2] - '0');
  v.date.day = (p[i + 4] - '0') * 10 + (p[i + 5] - '0');
  if (v.date.year < 1 || v.date.month < 1 || v.date.month > 12 || v.date.day < 1 ||
      v.date.day > DaysInMonth(v.date.year, v.date.month)) {
    return false;
  }
  v.date_text = s.substr(0, i + 6);
  v.rest = s.substr(i + 6);
  return v.rest.empty() ||
         ((v.rest[0] == ' ' || v.rest[0] == 'T') && v.rest.size() > 1 && IsAsciiDigit(v.rest[1]));
}

bool Unchanged(std::string_view s) {
  return s == "infinity" || s == "-infinity" || s.ends_with(" BC");
}

void AppendDate(CivilDate d, std::string& out) {
  char buf[32];
  char* p = buf;
  for (int64_t bound : {1000, 100, 10}) {  // at least 4 year digits
    if (d.year < bound) *p++ = '0';
  }
  p = std::to_chars(p, buf + sizeof buf, d.year).ptr;
  *p++ = '-';
  *p++ = static_cast<char>('0' + d.month / 10);
  *p++ = static_cast<char>('0' + d.month % 10);
  *p++ = '-';
  *p++ = static_cast<char>('0' + d.day / 10);
  *p++ = static_cast<char>('0' + d.day % 10);
  out.append(buf, p);
}

class DateRule : public Transformer {
 public:
  explicit DateRule(std::string where) : where_(std::move(where)) {}

  Status Apply(std::optional<std::string_view> in, std::string& out, bool& out_null) const final {
    out.clear();
    out_null = !in.has_value();
    if (!in) return Status::Ok();
    if (Unchanged(*in)) {
      out.assign(*in);
      return Status::Ok();
    }
    DateValue v;
    if (!ParseDateValue(*in, v)) {
      return ValueError(where_, "value is not an ISO date or timestamp (YYYY-MM-DD[ HH:MM:SS])");
    }
    return Rewrite(v, out);
  }
  bool bijective() const final { return false; }

 protected:
  virtual Status Rewrite(const DateValue& v, std::string& out) const = 0;

  std::string where_;
};

class DateShiftTransformer final : public DateRule {
 public:
  DateShiftTransformer(const Prf& prf, int days, std::string where)
      : DateRule(std::move(where)), prf_(prf), days_(days) {}

 protected:
  Status Rewrite(const DateValue& v, std::string& out) const override {
    const uint64_t k = prf_.Hash64(v.date_text) % (2 * static_cast<uint64_t>(days_));
    int64_t offset = k < static_cast<uint64_t>(days_) ? -static_cast<int64_t>(k) - 1
                                                      : static_cast<int64_t>(k) - days_ + 1;
    const int64_t day = DaysFromCivil(v.date);
    if (CivilFromDays(day + offset).year < 1) offset = -offset;  // never shift into BC
    AppendDate(CivilFromDays(day + offset), out);
    out.append(v.rest);
    return Status::Ok();
  }

 private:
  Prf prf_;
  int days_;
};

class BirthdateTransformer final : public DateRule {
 public:
  BirthdateTransformer(bool keep_month, std::string where)
      : DateRule(std::move(where)), keep_month_(keep_month) {}

 protected:
  // "1984-07-19 13:45:10.5+02" becomes "1984-01-01 00:00:00+02".
  Status Rewrite(const DateValue& v, std::string& out) const override {
    AppendDate(CivilDate{v.date.year, keep_month_ ? v.date.month : 1, 1}, out);
    if (v.rest.empty()) return Status::Ok();
    std::string_view rest = v.rest;
    const bool time_ok = rest.size() >= 9 && rest[3] == ':' && rest[6] == ':' &&
                         IsAsciiDigit(rest[1]) && IsAsciiDigit(rest[2]) && IsAsciiDigit(rest[4]) &&
                         IsAsciiDigit(rest[5]) && IsAsciiDigit(rest[7]) && IsAsciiDigit(rest[8]);
    if (!time_ok) return ValueError(where_, "value is not an ISO timestamp (HH:MM:SS)");
    out.push_back(rest[0]);
    out.append("00:00:00");
    rest.remove_prefix(9);
    if (!rest.empty() && rest[0] == '.') {
      rest.remove_prefix(1);
      while (!rest.empty() && IsAsciiDigit(rest[0])) rest.remove_prefix(1);
    }
    out.append(rest);  // the zone, if any
    return Status::Ok();
  }

 private:
  bool keep_month_;
};

}  // namespace

Result<TransformerPtr> MakeDateTransformer(const BuildContext& ctx) {
  if (ctx.spec.kind == Kind::kDateShift) {
    if (ctx.spec.days <= 0) return ValueError(ctx.where, "date_shift needs days > 0");
    return TransformerPtr(std::make_unique<DateShiftTransformer>(ctx.PrfFor(Kind::kDateShift),
                                                                 ctx.spec.days, ctx.where));
  }
  const std::string& g = ctx.spec.generalize;
  if (g != "year" && g != "month") {
    return ValueError(ctx.where, "birthdate needs generalize: year or month, not \"" + g + "\"");
  }
  return TransformerPtr(std::make_unique<BirthdateTransformer>(g == "month", ctx.where));
}

}  // namespace spur::mask::internal
