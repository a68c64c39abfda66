#include "engine/pg_setting_value.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "common/units.h"
#include "common/untrusted_text.h"

namespace spur::engine {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Status Bad(std::string_view value, const std::string& expected) {
  return InvalidArgument("value " + Quote(value) + " is not " + expected);
}

// Splits "128MB" into "128" and "MB"; `number` keeps an optional leading '-'.
void SplitUnit(std::string_view value, std::string_view* number, std::string_view* unit) {
  size_t i = !value.empty() && value[0] == '-' ? 1 : 0;
  while (i < value.size() && value[i] >= '0' && value[i] <= '9') ++i;
  *number = value.substr(0, i);
  *unit = value.substr(i);
}

struct Unit {
  const char* name;
  int64_t scale;  // kB (memory) or microseconds (time)
};

// "<n>[unit]": a bare n counts `bare_scale` each; the scaled value must lie
// in [lo, hi], or be -1 when `minus_one_ok` ("off"/"default" for some).
Result<std::string> WithUnit(std::string_view value, const std::vector<Unit>& units,
                             int64_t bare_scale, int64_t lo, int64_t hi, bool minus_one_ok,
                             const std::string& range) {
  std::string_view number, unit;
  SplitUnit(value, &number, &unit);
  int64_t scale = bare_scale;
  std::string unit_name;
  if (!unit.empty()) {
    scale = 0;
    for (const auto& u : units) {
      if (Lower(unit) == Lower(u.name)) scale = u.scale, unit_name = u.name;
    }
    if (scale == 0) return Bad(value, range);
  }
  auto n = ParseInteger("value", number, -1, int64_t{1} << 40);
  if (!n.ok()) return Bad(value, range);
  if (*n == -1) {
    if (!minus_one_ok) return Bad(value, range);
    return std::string("-1");
  }
  int64_t scaled = 0;
  if (__builtin_mul_overflow(*n, scale, &scaled) || scaled < lo || scaled > hi) {
    return Bad(value, range);
  }
  return std::to_string(*n) + unit_name;
}

Result<std::string> Memory(const SettingSpec& spec, std::string_view value) {
  static const std::vector<Unit> kUnits = {
      {"kB", 1}, {"MB", 1024}, {"GB", 1024 * 1024}, {"TB", int64_t{1024} * 1024 * 1024}};
  std::string range = "a size from " + std::to_string(std::max<int64_t>(spec.min, 0)) + "kB to " +
                      std::to_string(spec.max) + "kB" + (spec.min == -1 ? " or -1" : "") +
                      ", like 64MB (units kB, MB, GB, TB)";
  return WithUnit(value, kUnits, spec.base, std::max<int64_t>(spec.min, 0), spec.max,
                  spec.min == -1, range);
}

Result<std::string> Time(const SettingSpec& spec, std::string_view value) {
  static const std::vector<Unit> kUnits = {{"us", 1},
                                           {"ms", 1000},
                                           {"s", 1000 * 1000},
                                           {"min", int64_t{60} * 1000 * 1000},
                                           {"h", int64_t{3600} * 1000 * 1000},
                                           {"d", int64_t{86400} * 1000 * 1000}};
  const char* base_name = spec.base == 1000 ? "ms" : spec.base == 1000 * 1000 ? "s" : "min";
  int64_t lo = std::max<int64_t>(spec.min, 0);
  std::string range = "a time from " + std::to_string(lo) + base_name + " to " +
                      std::to_string(spec.max) + base_name + (spec.min == -1 ? " or -1" : "") +
                      ", like 30s (units us, ms, s, min, h, d)";
  return WithUnit(value, kUnits, spec.base, lo * spec.base, spec.max * spec.base, spec.min == -1,
                  range);
}

Result<std::string> Real(const SettingSpec& spec, std::string_view value) {
  double min = static_cast<double>(spec.min) / 1000, max = static_cast<double>(spec.max) / 1000;
  RETURN_IF_ERROR(ParseDecimal("value", value, min, max).status());
  return std::string(value);  // digits and at most one '.'
}

Result<std::string> Enum(const SettingSpec& spec, std::string_view value) {
  std::string_view values = spec.values;
  std::string want = Lower(value);
  while (!values.empty()) {
    size_t bar = values.find('|');
    std::string_view one = values.substr(0, bar);
    if (want == Lower(one)) return std::string(one);
    values = bar == std::string_view::npos ? std::string_view() : values.substr(bar + 1);
  }
  std::string list(spec.values);
  for (auto& c : list) c = c == '|' ? ',' : c;
  return Bad(value, "one of " + list);
}

Result<std::string> Text(const SettingSpec& spec, std::string_view value) {
  std::string_view allowed = spec.values;
  bool ok = !value.empty() && value.size() <= 64;
  for (char c : value) ok = ok && allowed.find(c) != std::string_view::npos;
  if (!ok) return Bad(value, "1 to 64 characters from \"" + std::string(allowed) + "\"");
  return std::string(value);
}

}  // namespace

Result<std::string> CanonicalSettingValue(const SettingSpec& spec, std::string_view value) {
  switch (spec.kind) {
    case SettingKind::kBool: {
      std::string v = Lower(value);
      if (v == "on" || v == "true" || v == "yes" || v == "1") return std::string("on");
      if (v == "off" || v == "false" || v == "no" || v == "0") return std::string("off");
      return Bad(value, "on or off");
    }
    case SettingKind::kInteger: {
      auto n = ParseInteger("value", value, spec.min, spec.max);
      if (!n.ok()) {
        return Bad(value, "a whole number from " + std::to_string(spec.min) + " to " +
                              std::to_string(spec.max));
      }
      return std::to_string(*n);
    }
    case SettingKind::kReal:
      return Real(spec, value);
    case SettingKind::kEnum:
      return Enum(spec, value);
    case SettingKind::kMemory:
      return Memory(spec, value);
    case SettingKind::kTime:
      return Time(spec, value);
    case SettingKind::kText:
      return Text(spec, value);
  }
  return Bad(value, "valid");
}

}  // namespace spur::engine
