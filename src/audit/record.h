// One record of the audit log and its place in the hash chain.
//
// On disk a record is one line of JSON with sorted keys:
//   {"action":"branch.create","actor":"token:ci","detail":{...},"hash":"...",
//    "prev":"...","result":"ok","seq":12,"target":"pr-12","time":1767225600}
// `hash` is Sha256Hex of the record's canonical JSON without the "hash" key;
// `prev` is the previous record's hash (kGenesisHash for seq 1). Pure functions;
// thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"

namespace spur::audit {

// The `prev` of the first record: 64 zeros.
extern const char kGenesisHash[];

struct AuditRecord {
  int64_t seq = 0;     // 1, 2, 3, ... in file order
  int64_t time = 0;    // Unix seconds, from the caller's clock
  std::string actor;   // who: "token:ci", "user:alice", "reaper"
  std::string action;  // what: "branch.create", "schedule.stop"
  std::string target;  // on what: a branch, snapshot or token name; may be empty
  std::string result;  // "started", "ok" or "error: <message>"
  nlohmann::json detail = nlohmann::json::object();
  std::string prev;  // hash of the record before
  std::string hash;  // hash of this record
};

// The record as a JSON object; with the "hash" key only when `with_hash`.
nlohmann::json RecordToJson(const AuditRecord& r, bool with_hash = true);

// The record in `j`. InvalidArgument naming the first missing or mistyped key.
Result<AuditRecord> RecordFromJson(const nlohmann::json& j);

// Compact JSON with sorted keys; invalid UTF-8 in strings becomes U+FFFD, so
// this never throws. The bytes that are hashed and written.
std::string CanonicalJson(const nlohmann::json& j);

// Sha256Hex of CanonicalJson(j) with any "hash" key left out.
std::string HashOf(nlohmann::json j);

}  // namespace spur::audit
