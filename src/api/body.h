// Typed reads of JSON request bodies and query strings. A field of the wrong
// type is InvalidArgument naming the field; a missing optional one is nullopt.
#pragma once

#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace spur::api {

Result<std::optional<std::string>> OptString(const nlohmann::json& body, const char* key);
Result<std::string> ReqString(const nlohmann::json& body, const char* key);
Result<std::optional<bool>> OptBool(const nlohmann::json& body, const char* key);
// A whole number from `min` to `max` (JSON numbers only: 1e3 and 1.5 are
// refused, as are unsigned values that would wrap).
Result<std::optional<int64_t>> OptInt(const nlohmann::json& body, const char* key, int64_t min = 0,
                                      int64_t max = std::numeric_limits<int64_t>::max());
// A duration given as seconds (number; 0 = none) or text ("3d", "0", "off"),
// range-checked by common/units (1s to kMaxDurationSeconds).
Result<std::optional<int64_t>> OptDuration(const nlohmann::json& body, const char* key);
// A size given as bytes (number) or text ("10G"), at most kMaxSizeBytes.
Result<std::optional<int64_t>> OptSize(const nlohmann::json& body, const char* key);
// A list of at most `max_items` strings (InvalidArgument naming the field
// and the bound otherwise).
Result<std::optional<std::vector<std::string>>> OptStringList(const nlohmann::json& body,
                                                              const char* key, size_t max_items);
// An object of string values.
Result<std::optional<std::map<std::string, std::string>>> OptStringMap(const nlohmann::json& body,
                                                                       const char* key);
// Rejects keys not in `known` (typos must not be silently ignored).
Status OnlyKeys(const nlohmann::json& body, const std::vector<std::string>& known);
// InvalidArgument when any string or key in `body` is not valid UTF-8 (the
// CLI builds bodies from argv in-process; HTTP bodies were checked by the
// parser). Iterative: no recursion on deep values.
Status CheckUtf8(const nlohmann::json& body);
// Query flags: "1", "true", "yes" are true.
bool QueryFlag(const std::map<std::string, std::string>& query, const char* key);

}  // namespace spur::api
