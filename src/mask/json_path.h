// The JSON paths of mask.yaml's `json` rule: "$" followed by steps
//
//   .name      a member whose name is [A-Za-z_][A-Za-z0-9_]*
//   ["name"]   any member name; \" and \\ escape a quote and a backslash
//   [N]        array element N (0-based, at most 9 digits)
//   [*]        every element of an array
//
// e.g. "$.address.street", "$.contacts[*].email", "$[\"first name\"]". Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace spur::mask {

struct JsonPathStep {
  enum class Type { kMember, kIndex, kEvery };
  Type type = Type::kMember;
  std::string member;  // kMember
  uint32_t index = 0;  // kIndex

  bool operator==(const JsonPathStep&) const = default;
};

// Parses `path`. InvalidArgument (one line, naming the position and showing
// the accepted forms) for anything else, including "$" alone: a rule for the
// whole value belongs on the column itself.
[[nodiscard]] Result<std::vector<JsonPathStep>> ParseJsonPath(std::string_view path);

// The canonical spelling: ".name" where the name allows it, ["..."]
// otherwise, indexes without leading zeros. ParseJsonPath reads it back.
std::string JsonPathToString(const std::vector<JsonPathStep>& steps);

}  // namespace spur::mask
