// Parsing one postgres setting's value by its kind and rendering it back
// canonically: the value half of engine/pg_settings_policy.h. Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace spur::engine {

enum class SettingKind {
  kBool,     // on/off/true/false/yes/no/1/0 -> "on" | "off"
  kInteger,  // plain digits, optional '-' -> digits
  kReal,     // plain decimal "1.1" -> as typed (digits and one '.')
  kEnum,     // one of `values` (case-insensitive) -> as listed
  kMemory,   // <n>[kB|MB|GB|TB], bare in the setting's base unit -> "<n><unit>"
  kTime,     // <n>[us|ms|s|min|h|d], bare in the base unit -> "<n><unit>"
  kText,     // characters from `charset` only, 1..64 of them -> as typed
};

struct SettingSpec {
  SettingKind kind = SettingKind::kBool;
  // kInteger: the range. kMemory: in kB. kTime: in base units. kReal: both
  // scaled by 1000 (0.001 steps).
  int64_t min = 0;
  int64_t max = 0;
  // kMemory: kB per bare unit (1, 8 or 1024). kTime: microseconds per bare
  // unit (1000 = ms, 1000000 = s, 60000000 = min).
  int64_t base = 1;
  // kEnum: '|'-separated values ("none|ddl|mod|all"). kText: allowed chars.
  const char* values = "";
};

// The canonical text of `value` for a setting of `spec`, or InvalidArgument
// (one line: what was expected and the range; `value` is quoted).
Result<std::string> CanonicalSettingValue(const SettingSpec& spec, std::string_view value);

}  // namespace spur::engine
