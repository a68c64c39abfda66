#include "mask/json_path.h"

namespace spur::mask {
namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameByte(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

Status BadPath(std::string_view path, size_t at, std::string_view what) {
  return InvalidArgument("JSON path \"" + std::string(path) + "\" at character " +
                         std::to_string(at + 1) + ": " + std::string(what) +
                         "; paths are $ then .name, [\"name\"], [N] or [*] steps, like "
                         "$.contacts[*].email");
}

// Reads `.name` starting at path[i] == '.'.
Result<JsonPathStep> ReadDotted(std::string_view path, size_t& i) {
  const size_t start = ++i;
  if (i >= path.size() || !IsNameStart(path[i])) {
    return BadPath(path, start, "expected a name after '.' (quote others: [\"my name\"])");
  }
  while (i < path.size() && IsNameByte(path[i])) ++i;
  return JsonPathStep{JsonPathStep::Type::kMember, std::string(path.substr(start, i - start))};
}

// Reads `"name"]` starting at path[i] == '"'.
Result<JsonPathStep> ReadQuotedMember(std::string_view path, size_t& i) {
  std::string name;
  for (++i; i < path.size() && path[i] != '"'; ++i) {
    if (path[i] == '\\') {
      if (i + 1 >= path.size() || (path[i + 1] != '"' && path[i + 1] != '\\')) {
        return BadPath(path, i, "only \\\" and \\\\ may follow a backslash");
      }
      ++i;
    }
    name.push_back(path[i]);
  }
  if (i + 1 >= path.size() || path[i + 1] != ']') {
    return BadPath(path, i, "unterminated [\"name\"]");
  }
  i += 2;
  return JsonPathStep{JsonPathStep::Type::kMember, std::move(name)};
}

// Reads `[...]` starting at path[i] == '['.
Result<JsonPathStep> ReadBracket(std::string_view path, size_t& i) {
  const size_t open = i++;
  if (i < path.size() && path[i] == '"') return ReadQuotedMember(path, i);
  if (path.substr(i, 2) == "*]") {
    i += 2;
    return JsonPathStep{JsonPathStep::Type::kEvery};
  }
  JsonPathStep step{JsonPathStep::Type::kIndex};
  const size_t digits = i;
  uint64_t index = 0;
  for (; i < path.size() && IsDigit(path[i]) && i - digits < 10; ++i)
    index = index * 10 + (path[i] - '0');
  if (i == digits || i - digits > 9 || i >= path.size() || path[i] != ']') {
    return BadPath(path, open, "expected [N] with at most 9 digits, [*] or [\"name\"]");
  }
  ++i;
  step.index = static_cast<uint32_t>(index);
  return step;
}

}  // namespace

Result<std::vector<JsonPathStep>> ParseJsonPath(std::string_view path) {
  if (path.empty() || path[0] != '$') return BadPath(path, 0, "must start with $");
  std::vector<JsonPathStep> steps;
  size_t i = 1;
  while (i < path.size()) {
    if (path[i] == '.') {
      ASSIGN_OR_RETURN(JsonPathStep step, ReadDotted(path, i));
      steps.push_back(std::move(step));
    } else if (path[i] == '[') {
      ASSIGN_OR_RETURN(JsonPathStep step, ReadBracket(path, i));
      steps.push_back(std::move(step));
    } else {
      return BadPath(path, i, "expected '.' or '['");
    }
  }
  if (steps.empty()) {
    return InvalidArgument(
        "JSON path \"$\" is the whole value; put that rule on the column itself");
  }
  return steps;
}

std::string JsonPathToString(const std::vector<JsonPathStep>& steps) {
  std::string out = "$";
  for (const JsonPathStep& step : steps) {
    if (step.type == JsonPathStep::Type::kEvery) {
      out += "[*]";
    } else if (step.type == JsonPathStep::Type::kIndex) {
      out += "[" + std::to_string(step.index) + "]";
    } else if (!step.member.empty() && IsNameStart(step.member[0]) &&
               step.member.find_first_not_of(
                   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
                   std::string::npos) {
      out += "." + step.member;
    } else {
      out += "[\"";
      for (char c : step.member) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
      }
      out += "\"]";
    }
  }
  return out;
}

}  // namespace spur::mask
