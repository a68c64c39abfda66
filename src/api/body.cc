#include "api/body.h"

#include "common/units.h"
#include "common/untrusted_text.h"

namespace spur::api {
namespace {

Status WrongType(const char* key, const char* expected) {
  return InvalidArgument(std::string("field \"") + key + "\" must be " + expected);
}

const nlohmann::json* Field(const nlohmann::json& body, const char* key) {
  if (!body.is_object()) return nullptr;
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return nullptr;
  return &*it;
}

}  // namespace

Result<std::optional<std::string>> OptString(const nlohmann::json& body, const char* key) {
  const auto* f = Field(body, key);
  if (!f) return std::optional<std::string>();
  if (!f->is_string()) return WrongType(key, "a string");
  return std::optional<std::string>(f->get<std::string>());
}

Result<std::string> ReqString(const nlohmann::json& body, const char* key) {
  ASSIGN_OR_RETURN(auto v, OptString(body, key));
  if (!v) return InvalidArgument(std::string("field \"") + key + "\" is required");
  return *v;
}

Result<std::optional<bool>> OptBool(const nlohmann::json& body, const char* key) {
  const auto* f = Field(body, key);
  if (!f) return std::optional<bool>();
  if (!f->is_boolean()) return WrongType(key, "true or false");
  return std::optional<bool>(f->get<bool>());
}

Result<std::optional<int64_t>> OptInt(const nlohmann::json& body, const char* key, int64_t min,
                                      int64_t max) {
  const auto* f = Field(body, key);
  if (!f) return std::optional<int64_t>();
  const std::string range =
      "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  // Unsigned JSON numbers above INT64_MAX would wrap in get<int64_t>().
  if (!f->is_number_integer() ||
      (f->is_number_unsigned() && f->get<uint64_t>() > static_cast<uint64_t>(max))) {
    return WrongType(key, range.c_str());
  }
  int64_t v = f->get<int64_t>();
  if (v < min || v > max) return WrongType(key, range.c_str());
  return std::optional<int64_t>(v);
}

Result<std::optional<int64_t>> OptDuration(const nlohmann::json& body, const char* key) {
  const auto* f = Field(body, key);
  if (!f) return std::optional<int64_t>();
  if (f->is_number()) {
    // Seconds; 0 means none. Anything else goes through the one range check.
    ASSIGN_OR_RETURN(auto secs, OptInt(body, key, 0, kMaxDurationSeconds));
    return secs;
  }
  if (!f->is_string()) return WrongType(key, "a duration like \"3d\" or seconds");
  if (f->get<std::string>() == "0" || f->get<std::string>() == "off") {
    return std::optional<int64_t>(0);
  }
  auto d = ParseDuration(f->get<std::string>());
  if (!d.ok()) return d.status().WithContext(key);
  return std::optional<int64_t>(*d);
}

Result<std::optional<int64_t>> OptSize(const nlohmann::json& body, const char* key) {
  const auto* f = Field(body, key);
  if (!f) return std::optional<int64_t>();
  if (f->is_number()) {
    ASSIGN_OR_RETURN(auto bytes, OptInt(body, key, 0, static_cast<int64_t>(kMaxSizeBytes)));
    return bytes;
  }
  if (!f->is_string()) return WrongType(key, "a size like \"10G\" or bytes");
  auto s = ParseSize(f->get<std::string>());
  if (!s.ok()) return s.status().WithContext(key);
  return std::optional<int64_t>(static_cast<int64_t>(*s));
}

Result<std::optional<std::vector<std::string>>> OptStringList(const nlohmann::json& body,
                                                              const char* key, size_t max_items) {
  const auto* f = Field(body, key);
  if (!f) return std::optional<std::vector<std::string>>();
  const std::string what = "a list of at most " + std::to_string(max_items) + " strings";
  if (!f->is_array() || f->size() > max_items) return WrongType(key, what.c_str());
  std::vector<std::string> out;
  for (const auto& item : *f) {
    if (!item.is_string()) return WrongType(key, what.c_str());
    out.push_back(item.get<std::string>());
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

Result<std::optional<std::map<std::string, std::string>>> OptStringMap(const nlohmann::json& body,
                                                                       const char* key) {
  const auto* f = Field(body, key);
  if (!f) return std::optional<std::map<std::string, std::string>>();
  if (!f->is_object()) return WrongType(key, "an object of strings");
  std::map<std::string, std::string> out;
  for (auto it = f->begin(); it != f->end(); ++it) {
    if (!it->is_string()) return WrongType(key, "an object of strings");
    out[it.key()] = it->get<std::string>();
  }
  return std::optional<std::map<std::string, std::string>>(out);
}

Status OnlyKeys(const nlohmann::json& body, const std::vector<std::string>& known) {
  if (body.is_null()) return Status::Ok();
  if (!body.is_object()) return InvalidArgument("request body must be a JSON object");
  for (auto it = body.begin(); it != body.end(); ++it) {
    bool ok = false;
    for (const auto& k : known) ok = ok || k == it.key();
    if (!ok) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      return InvalidArgument("unknown field " + Quote(it.key()) +
                             "; known fields: " + (list.empty() ? "none" : list));
    }
  }
  return Status::Ok();
}

Status CheckUtf8(const nlohmann::json& body) {
  std::vector<const nlohmann::json*> todo = {&body};
  while (!todo.empty()) {
    const nlohmann::json* j = todo.back();
    todo.pop_back();
    if (j->is_string() && !IsValidUtf8(j->get_ref<const std::string&>())) {
      return InvalidArgument("request has text that is not valid UTF-8: " +
                             Quote(j->get_ref<const std::string&>(), 40));
    }
    if (j->is_object()) {
      for (auto it = j->begin(); it != j->end(); ++it) {
        if (!IsValidUtf8(it.key())) {
          return InvalidArgument("request has a key that is not valid UTF-8: " +
                                 Quote(it.key(), 40));
        }
        todo.push_back(&it.value());
      }
    } else if (j->is_array()) {
      for (const auto& v : *j) todo.push_back(&v);
    }
  }
  return Status::Ok();
}

bool QueryFlag(const std::map<std::string, std::string>& query, const char* key) {
  auto it = query.find(key);
  if (it == query.end()) return false;
  return it->second == "1" || it->second == "true" || it->second == "yes" || it->second.empty();
}

}  // namespace spur::api
