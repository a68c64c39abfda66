#include "audit/record.h"

#include <utility>

#include "common/crypto.h"

namespace spur::audit {

const char kGenesisHash[] = "0000000000000000000000000000000000000000000000000000000000000000";

nlohmann::json RecordToJson(const AuditRecord& r, bool with_hash) {
  nlohmann::json j = {{"seq", r.seq},       {"time", r.time},     {"actor", r.actor},
                      {"action", r.action}, {"target", r.target}, {"result", r.result},
                      {"detail", r.detail}, {"prev", r.prev}};
  if (with_hash) j["hash"] = r.hash;
  return j;
}

namespace {

Status Missing(const char* key, const char* type) {
  return InvalidArgument(std::string("\"") + key + "\" is missing or not " + type);
}

Status GetInt(const nlohmann::json& j, const char* key, int64_t* out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return Missing(key, "an integer");
  *out = it->get<int64_t>();
  return Status::Ok();
}

Status GetString(const nlohmann::json& j, const char* key, std::string* out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return Missing(key, "a string");
  *out = it->get<std::string>();
  return Status::Ok();
}

}  // namespace

Result<AuditRecord> RecordFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return InvalidArgument("not a JSON object");
  AuditRecord r;
  RETURN_IF_ERROR(GetInt(j, "seq", &r.seq));
  RETURN_IF_ERROR(GetInt(j, "time", &r.time));
  RETURN_IF_ERROR(GetString(j, "actor", &r.actor));
  RETURN_IF_ERROR(GetString(j, "action", &r.action));
  RETURN_IF_ERROR(GetString(j, "target", &r.target));
  RETURN_IF_ERROR(GetString(j, "result", &r.result));
  RETURN_IF_ERROR(GetString(j, "prev", &r.prev));
  RETURN_IF_ERROR(GetString(j, "hash", &r.hash));
  auto detail = j.find("detail");
  if (detail == j.end()) return InvalidArgument("\"detail\" is missing");
  r.detail = *detail;
  return r;
}

std::string CanonicalJson(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string HashOf(nlohmann::json j) {
  if (j.is_object()) j.erase("hash");
  return Sha256Hex(CanonicalJson(j));
}

}  // namespace spur::audit
