// The regex rule's pattern, bounded before std::regex sees it. libstdc++'s
// compiler copies a group once per repetition ("a{1000}" is a thousand
// states, nested repetitions multiply), overflows on huge counts and recurses
// once per nested group, so a pattern that is merely odd can exhaust memory or
// the stack. mask.yaml is the operator's file, but its mistakes still must not
// take a masking run down. Pure function.
#pragma once

#include <string_view>

#include "common/status.h"

namespace spur::mask {

inline constexpr size_t kMaxPatternBytes = 1000;
inline constexpr int kMaxRepeatCount = 1000;
inline constexpr int kMaxGroupDepth = 16;
inline constexpr long kMaxPatternStates = 10000;

// Ok when `pattern` is at most kMaxPatternBytes long, nests groups at most
// kMaxGroupDepth deep, repeats nothing more than kMaxRepeatCount times, would
// compile to at most about kMaxPatternStates states (repetition counts
// multiply), and compiles as an ECMAScript regular expression. Otherwise
// InvalidArgument saying which bound it broke and how to simplify. The
// pattern is compiled only after the bounds hold.
[[nodiscard]] Status CheckRegexPattern(std::string_view pattern);

}  // namespace spur::mask
