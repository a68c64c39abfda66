#include "common/units.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "common/untrusted_text.h"

namespace spur {
namespace {

// Splits "123xy" into 123 and "xy". Fails when there are no leading digits.
bool SplitNumber(std::string_view text, uint64_t* number, std::string_view* unit) {
  size_t i = 0;
  uint64_t n = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    uint64_t digit = static_cast<uint64_t>(text[i] - '0');
    if (n > (std::numeric_limits<uint64_t>::max() - digit) / 10) return false;
    n = n * 10 + digit;
    ++i;
  }
  if (i == 0) return false;
  *number = n;
  *unit = text.substr(i);
  return true;
}

// 1000000 -> "1000000", 0.5 -> "0.5".
std::string FormatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

namespace {

const char kDurationRange[] = "use 1s to 36500d (a century), like 90m, 12h, 3d or 2w";
const char kSizeRange[] = "use 0 to 1048576T (one EiB), like 512M, 20G or 1T";

}  // namespace

Result<int64_t> ParseDuration(std::string_view text) {
  uint64_t n = 0;
  std::string_view unit;
  if (!SplitNumber(text, &n, &unit)) {
    return InvalidArgument("invalid duration " + Quote(text) + "; " + kDurationRange);
  }
  uint64_t scale = 0;
  if (unit.empty() || unit == "s")
    scale = 1;
  else if (unit == "m")
    scale = 60;
  else if (unit == "h")
    scale = 3600;
  else if (unit == "d")
    scale = 86400;
  else if (unit == "w")
    scale = 7 * 86400;
  else
    return InvalidArgument("invalid duration unit in " + Quote(text) + "; " + kDurationRange);
  if (n == 0) return InvalidArgument("duration " + Quote(text) + " is zero; " + kDurationRange);
  if (n > static_cast<uint64_t>(kMaxDurationSeconds) / scale) {
    return InvalidArgument("duration " + Quote(text) + " is too long; " + kDurationRange);
  }
  return static_cast<int64_t>(n * scale);
}

Result<int64_t> ParseDurationMs(std::string_view text) {
  if (text.size() > 2 && text.substr(text.size() - 2) == "ms") {
    uint64_t n = 0;
    std::string_view unit;
    if (!SplitNumber(text.substr(0, text.size() - 2), &n, &unit) || !unit.empty() || n == 0 ||
        n > static_cast<uint64_t>(kMaxDurationSeconds)) {
      return InvalidArgument("invalid duration " + Quote(text) + "; " + kDurationRange +
                             " (or 1ms and up, written like 250ms)");
    }
    return static_cast<int64_t>(n);
  }
  ASSIGN_OR_RETURN(int64_t seconds, ParseDuration(text));
  return seconds * 1000;
}

Result<int64_t> CheckDuration(std::string_view what, int64_t seconds) {
  if (seconds < 1 || seconds > kMaxDurationSeconds) {
    return InvalidArgument(std::string(what) + " of " + std::to_string(seconds) +
                           " seconds is out of range; " + kDurationRange);
  }
  return seconds;
}

Result<int64_t> ExpiryAfter(int64_t now, int64_t seconds) {
  ASSIGN_OR_RETURN(int64_t checked, CheckDuration("ttl", seconds));
  if (now > std::numeric_limits<int64_t>::max() - checked) {
    return InvalidArgument("ttl reaches past the end of time; " + std::string(kDurationRange));
  }
  return now + checked;
}

int64_t SaturatingAdd(int64_t t, int64_t seconds) {
  int64_t out = 0;
  if (!__builtin_add_overflow(t, seconds, &out)) return out;
  return seconds > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

Result<uint64_t> ParseSize(std::string_view text) {
  uint64_t n = 0;
  std::string_view unit;
  if (!SplitNumber(text, &n, &unit)) {
    return InvalidArgument("invalid size " + Quote(text) + "; " + kSizeRange);
  }
  std::string u(unit);
  for (auto& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  // "", "B", or a unit letter optionally followed by "B" or "iB".
  int shift = -1;
  if (u.empty() || u == "B") {
    shift = 0;
  } else if (u.size() == 1 || u.substr(1) == "B" || u.substr(1) == "IB") {
    const std::string letters = "KMGT";
    auto pos = letters.find(u[0]);
    if (pos != std::string::npos) shift = 10 * static_cast<int>(pos + 1);
  }
  if (shift < 0) return InvalidArgument("invalid size unit in " + Quote(text) + "; " + kSizeRange);
  if (n > (kMaxSizeBytes >> shift)) {
    return InvalidArgument("size " + Quote(text) + " is too large; " + kSizeRange);
  }
  return n << shift;
}

Result<int64_t> ParseInteger(std::string_view what, std::string_view text, int64_t min,
                             int64_t max) {
  const std::string range = "; use a whole number from " + std::to_string(min) + " to " +
                            std::to_string(max) + " in plain digits";
  bool negative = !text.empty() && text[0] == '-' && min < 0;
  std::string_view digits = negative ? text.substr(1) : text;
  bool all_digits = !digits.empty();
  for (char c : digits) all_digits = all_digits && c >= '0' && c <= '9';
  if (!all_digits) {
    return InvalidArgument(std::string(what) + " " + Quote(text) + " is not a whole number" +
                           range);
  }
  uint64_t n = 0;
  std::string_view rest;
  const uint64_t limit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  bool fits = SplitNumber(digits, &n, &rest) && n <= limit;  // SplitNumber fails on overflow
  int64_t v = fits ? static_cast<int64_t>(n) : 0;
  if (negative) v = -v;
  if (!fits || v < min || v > max) {
    return InvalidArgument(std::string(what) + " " + Quote(text) + " is out of range" + range);
  }
  return v;
}

Result<double> ParseDecimal(std::string_view what, std::string_view text, double min, double max) {
  const std::string range = "; use a plain decimal number from " + FormatNumber(min) + " to " +
                            FormatNumber(max) + ", like 0.25";
  size_t i = 0, int_digits = 0, frac_digits = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++int_digits;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      ++i, ++frac_digits;
    }
    if (frac_digits == 0) int_digits = 0;  // "5." is not plain
  }
  if (int_digits == 0 || i != text.size() || int_digits > 15) {
    return InvalidArgument(std::string(what) + " " + Quote(text) + " is not a decimal number" +
                           range);
  }
  double v = std::strtod(std::string(text).c_str(), nullptr);
  if (!(v >= min && v <= max)) {
    return InvalidArgument(std::string(what) + " " + Quote(text) + " is out of range" + range);
  }
  return v;
}

std::string FormatBytes(uint64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0)
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  else
    std::snprintf(buf, sizeof buf, v < 10 ? "%.1f %s" : "%.0f %s", v, kUnits[u]);
  return buf;
}

std::string FormatDuration(int64_t seconds) {
  bool neg = seconds < 0;
  uint64_t s = neg ? 0 - static_cast<uint64_t>(seconds) : static_cast<uint64_t>(seconds);
  static const struct {
    uint64_t size;
    const char* name;
  } kUnits[] = {{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}};
  std::string out;
  for (size_t i = 0; i < 4; ++i) {
    if (s < kUnits[i].size && i < 3) continue;
    out = std::to_string(s / kUnits[i].size) + kUnits[i].name;
    uint64_t rest = (s % kUnits[i].size) / (i < 3 ? kUnits[i + 1].size : 1);
    if (i < 3 && rest != 0) out += std::to_string(rest) + kUnits[i + 1].name;
    break;
  }
  return neg ? "-" + out : out;
}

}  // namespace spur

#include <ctime>

namespace spur {
std::string FormatTimestamp(int64_t unix_seconds) {
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}
}  // namespace spur
