// Parsing and formatting of durations ("90m", "3d") and sizes ("20G").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace spur {

// Every duration spur accepts -- TTLs, idle expiry, pool options, CLI flags
// like --ttl and --every -- is from 1 second to kMaxDurationSeconds, so
// `now + duration` can never overflow an int64 and no branch can be given a
// time that wraps into the past.
inline constexpr int64_t kMaxDurationSeconds = int64_t{36500} * 86400;  // 36500d, a century
// Every size (quotas, pool images) is at most this many bytes.
inline constexpr uint64_t kMaxSizeBytes = uint64_t{1} << 60;  // 1048576T, one EiB

// Parses "<number><unit>" with unit s, m, h, d or w into seconds. A bare
// number is seconds. InvalidArgument (one line, stating the allowed range)
// for zero, negatives, signs, spaces, fractions, exponents, unknown units and
// anything above kMaxDurationSeconds.
Result<int64_t> ParseDuration(std::string_view text);

// ParseDuration's forms plus "<number>ms", in milliseconds ("250ms", "2s",
// "1m"): for limits below a second. InvalidArgument as ParseDuration, and
// for "0ms".
Result<int64_t> ParseDurationMs(std::string_view text);

// `seconds` given as a number (a JSON field): InvalidArgument stating the
// range unless 1 <= seconds <= kMaxDurationSeconds. `what` names the field.
Result<int64_t> CheckDuration(std::string_view what, int64_t seconds);

// `now + seconds` for an expiry time; InvalidArgument when `seconds` is out
// of CheckDuration's range (so the sum cannot overflow).
Result<int64_t> ExpiryAfter(int64_t now, int64_t seconds);

// `t + seconds`, clamped to the int64 range: for times computed from values
// stored before these checks existed, which must not wrap into the past.
int64_t SaturatingAdd(int64_t t, int64_t seconds);

// Parses "<number>[K|M|G|T][B|iB]" (powers of 1024) into bytes; bare is
// bytes. InvalidArgument stating the range above kMaxSizeBytes.
Result<uint64_t> ParseSize(std::string_view text);

// A whole number in plain decimal digits (an optional leading '-' when
// `min` < 0), from `min` to `max`: "1e3", "0x10", "+5", " 5", "5.0" and
// out-of-range values are InvalidArgument naming `what` and the range.
Result<int64_t> ParseInteger(std::string_view what, std::string_view text, int64_t min,
                             int64_t max);

// A plain decimal number "123" or "0.25" (no sign, exponent, hex, inf or
// nan), from `min` to `max`; InvalidArgument naming `what` and the range.
Result<double> ParseDecimal(std::string_view what, std::string_view text, double min, double max);

// "1.5 GiB", "312 KiB", "12 B".
std::string FormatBytes(uint64_t bytes);

// "45s", "12m", "3h20m", "2d" — the largest unit, and the next one when not zero.
std::string FormatDuration(int64_t seconds);

}  // namespace spur

namespace spur {
// "2026-11-21T11:08:07Z" for a Unix time.
std::string FormatTimestamp(int64_t unix_seconds);
}  // namespace spur
