#include "common/untrusted_json.h"

#include <set>
#include <string>
#include <vector>

#include "common/untrusted_text.h"

namespace spur {

int JsonNestingDepth(std::string_view text, int stop_after) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
      if (deepest > stop_after) return deepest;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

Result<nlohmann::json> ParseUntrustedJson(std::string_view text, std::string_view what,
                                          const JsonLimits& limits) {
  const std::string name(what);
  if (text.size() > limits.max_bytes) {
    return InvalidArgument(name + " is " + std::to_string(text.size()) + " bytes; at most " +
                           std::to_string(limits.max_bytes) + " are accepted");
  }
  if (JsonNestingDepth(text, limits.max_depth) > limits.max_depth) {
    return InvalidArgument(name + " nests arrays/objects more than " +
                           std::to_string(limits.max_depth) + " levels deep");
  }
  // One set of keys per open object; nesting is bounded above.
  std::vector<std::set<std::string>> keys;
  std::string duplicate;
  auto callback = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (event == E::object_start) {
      keys.emplace_back();
    } else if (event == E::object_end) {
      if (!keys.empty()) keys.pop_back();
    } else if (event == E::key && !keys.empty() && duplicate.empty()) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!keys.back().insert(key).second) duplicate = key;
    }
    return true;
  };
  nlohmann::json out;
  try {
    out = nlohmann::json::parse(text.begin(), text.end(), callback);
  } catch (const nlohmann::json::exception& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 1, column 2: ...".
    std::string detail = e.what();
    if (auto close = detail.find("] "); detail.starts_with("[") && close != std::string::npos) {
      detail = detail.substr(close + 2);
    }
    return InvalidArgument(name + " is not valid JSON: " + ValidUtf8(detail.substr(0, 200)));
  }
  if (!duplicate.empty()) {
    return InvalidArgument(name + " repeats the key " + Quote(duplicate) +
                           " in one object; give each key once");
  }
  return out;
}

}  // namespace spur
