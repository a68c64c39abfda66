#include "mask/regex_pattern.h"

#include <algorithm>
#include <regex>
#include <string>
#include <vector>

namespace spur::mask {
namespace {

// Reads "{n}", "{n,}" or "{n,m}" at p[i] == '{'. Returns the largest count
// it allows (n + 1 for "{n,}": one more copy and a loop), -1 when the brace
// is not a repetition (std::regex decides what it is), or a value above
// kMaxRepeatCount when a count is too large. Leaves i on the closing brace.
long ReadRepeat(std::string_view p, size_t& i) {
  size_t j = i + 1;
  auto number = [&](long& out) {
    size_t start = j;
    out = 0;
    while (j < p.size() && p[j] >= '0' && p[j] <= '9') {
      if (out <= kMaxRepeatCount) out = out * 10 + (p[j] - '0');
      ++j;
    }
    return j > start;
  };
  long low = 0, high = -1;
  if (!number(low)) return -1;
  if (j < p.size() && p[j] == ',') {
    ++j;
    if (!number(high)) high = low + 1;
  } else {
    high = low;
  }
  if (j >= p.size() || p[j] != '}') return -1;
  i = j;
  return std::max(low, high);
}

// Skips a bracket expression starting at p[i] == '['; leaves i on its ']'.
void SkipClass(std::string_view p, size_t& i) {
  for (++i; i < p.size() && p[i] != ']'; ++i) {
    if (p[i] == '\\') ++i;
  }
}

struct Frame {
  long total = 0;  // states of the group so far
  long last = 0;   // states of its last atom, which a quantifier repeats
};

Status TooLarge(std::string_view what) {
  return InvalidArgument("regex pattern " + std::string(what) +
                         "; simplify it (shorter, fewer or smaller repetitions)");
}

Status CheckBounds(std::string_view p) {
  if (p.size() > kMaxPatternBytes) {
    return TooLarge("is longer than " + std::to_string(kMaxPatternBytes) + " bytes");
  }
  std::vector<Frame> stack(1);
  auto atom = [&](long states) {
    stack.back().total += states;
    stack.back().last = states;
  };
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      ++i;
      atom(1);
    } else if (c == '[') {
      SkipClass(p, i);
      atom(1);
    } else if (c == '(') {
      if (static_cast<int>(stack.size()) > kMaxGroupDepth) {
        return TooLarge("nests groups more than " + std::to_string(kMaxGroupDepth) + " deep");
      }
      stack.emplace_back();
    } else if (c == ')' && stack.size() > 1) {
      const long states = std::max(1L, stack.back().total);
      stack.pop_back();
      atom(states);
    } else if (c == '|') {
      stack.back().last = 0;
    } else if (c == '{') {
      const long count = ReadRepeat(p, i);
      if (count > kMaxRepeatCount) {
        return TooLarge("repeats something more than " + std::to_string(kMaxRepeatCount) +
                        " times");
      }
      if (count < 0) {
        atom(1);
      } else {
        Frame& f = stack.back();
        f.total += f.last * (count - 1);
        f.last *= count;
      }
    } else if (c != '*' && c != '+' && c != '?') {
      atom(1);
    }
    if (stack.back().total > kMaxPatternStates) {
      return TooLarge("would compile to more than " + std::to_string(kMaxPatternStates) +
                      " states");
    }
  }
  return Status::Ok();
}

}  // namespace

Status CheckRegexPattern(std::string_view pattern) {
  RETURN_IF_ERROR(CheckBounds(pattern));
  try {
    std::regex re(pattern.begin(), pattern.end(), std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return InvalidArgument("pattern does not compile as an ECMAScript regular expression (" +
                           std::string(e.what()) + ")");
  }
  return Status::Ok();
}

}  // namespace spur::mask
