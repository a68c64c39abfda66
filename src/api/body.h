// Typed reads of JSON request bodies and query strings. A field of the wrong
// type is InvalidArgument naming the field; a missing optional one is nullopt.
#pragma once

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
Result<std::optional<int64_t>> OptInt(const nlohmann::json& body, const char* key);
// A duration given as seconds (number) or text ("3d").
Result<std::optional<int64_t>> OptDuration(const nlohmann::json& body, const char* key);
// A size given as bytes (number) or text ("10G").
Result<std::optional<int64_t>> OptSize(const nlohmann::json& body, const char* key);
// An object of string values.
Result<std::optional<std::map<std::string, std::string>>> OptStringMap(const nlohmann::json& body,
                                                                       const char* key);
// Rejects keys not in `known` (typos must not be silently ignored).
Status OnlyKeys(const nlohmann::json& body, const std::vector<std::string>& known);
// Query flags: "1", "true", "yes" are true.
bool QueryFlag(const std::map<std::string, std::string>& query, const char* key);

}  // namespace spur::api
