#include "common/units.h"

#include <cctype>
#include <cstdio>
#include <limits>

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

}  // namespace

Result<int64_t> ParseDuration(std::string_view text) {
  const std::string hint = "; use a number and a unit, like 90m, 12h, 3d or 2w";
  uint64_t n = 0;
  std::string_view unit;
  if (!SplitNumber(text, &n, &unit)) {
    return InvalidArgument("invalid duration \"" + std::string(text) + "\"" + hint);
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
    return InvalidArgument("invalid duration unit in \"" + std::string(text) + "\"" + hint);
  if (n == 0) return InvalidArgument("duration \"" + std::string(text) + "\" is zero" + hint);
  if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / scale / 1000) {
    return InvalidArgument("duration \"" + std::string(text) + "\" is too long" + hint);
  }
  return static_cast<int64_t>(n * scale);
}

Result<uint64_t> ParseSize(std::string_view text) {
  const std::string hint = "; use a number and a unit, like 512M, 20G or 1T";
  uint64_t n = 0;
  std::string_view unit;
  if (!SplitNumber(text, &n, &unit)) {
    return InvalidArgument("invalid size \"" + std::string(text) + "\"" + hint);
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
  if (shift < 0) {
    return InvalidArgument("invalid size unit in \"" + std::string(text) + "\"" + hint);
  }
  if (n > (std::numeric_limits<uint64_t>::max() >> shift)) {
    return InvalidArgument("size \"" + std::string(text) + "\" is too large" + hint);
  }
  return n << shift;
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
