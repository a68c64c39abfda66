// Parsing and formatting of durations ("90m", "3d") and sizes ("20G").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace spur {

// Parses "<number><unit>" with unit s, m, h, d or w into seconds. A bare
// number is seconds. Rejects zero, negatives, overflow and unknown units.
Result<int64_t> ParseDuration(std::string_view text);

// Parses "<number>[K|M|G|T][B|iB]" (powers of 1024) into bytes; bare is bytes.
Result<uint64_t> ParseSize(std::string_view text);

// "1.5 GiB", "312 KiB", "12 B".
std::string FormatBytes(uint64_t bytes);

// "45s", "12m", "3h20m", "2d" — the largest unit, and the next one when not zero.
std::string FormatDuration(int64_t seconds);

}  // namespace spur

namespace spur {
// "2026-11-21T11:08:07Z" for a Unix time.
std::string FormatTimestamp(int64_t unix_seconds);
}  // namespace spur
