#include "hooks/event_time.h"

#include <ctime>
#include <string>

namespace spur::hooks {
namespace {

// Reads `n` digits at `pos` into `out`; false when they are not all digits.
bool Digits(std::string_view s, size_t& pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool Expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

// The zone's offset east of UTC in seconds, reading from `pos` to the end.
bool Zone(std::string_view s, size_t pos, int& offset) {
  if (pos < s.size() && s[pos] == ' ') ++pos;
  std::string_view z = s.substr(pos);
  if (z == "Z" || z == "UTC") {
    offset = 0;
    return true;
  }
  if (z.empty() || (z[0] != '+' && z[0] != '-')) return false;
  int sign = z[0] == '-' ? -1 : 1;
  size_t p = pos + 1;
  int hh = 0, mm = 0;
  if (!Digits(s, p, 2, hh)) return false;
  if (p < s.size() && s[p] == ':') ++p;
  if (!Digits(s, p, 2, mm) || p != s.size() || hh > 23 || mm > 59) return false;
  offset = sign * (hh * 3600 + mm * 60);
  return true;
}

}  // namespace

Result<int64_t> ParseForgeTime(std::string_view text) {
  auto bad = [&] {
    return InvalidArgument("\"" + std::string(text.substr(0, 40)) +
                           "\" is not a timestamp like 2011-01-26T19:01:12Z");
  };
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, offset = 0;
  if (!Digits(text, pos, 4, year) || !Expect(text, pos, '-') || !Digits(text, pos, 2, month) ||
      !Expect(text, pos, '-') || !Digits(text, pos, 2, day)) {
    return bad();
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != ' ')) return bad();
  ++pos;
  if (!Digits(text, pos, 2, hour) || !Expect(text, pos, ':') || !Digits(text, pos, 2, minute) ||
      !Expect(text, pos, ':') || !Digits(text, pos, 2, second)) {
    return bad();
  }
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start) return bad();
  }
  if (!Zone(text, pos, offset)) return bad();
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return bad();
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  time_t t = timegm(&tm);
  if (tm.tm_mday != day) return bad();  // 31 February and the like
  return static_cast<int64_t>(t) - offset;
}

}  // namespace spur::hooks
