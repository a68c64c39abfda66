// `spur diff` as one call that the CLI (local pool), the API route
// (POST /branches/{name}/diff) and the pull-request comment share: the two
// sides resolved by the pool, the schema and row diffs run between them, and
// the output rendered in the format asked for.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/pool.h"

namespace spur::engine {

struct DiffRequest {
  std::string branch;
  std::string against;          // branch or snapshot; "" = the branch's diff base
  std::string format = "text";  // text, json, sql (turns `against` into the branch), sql-reverse
  std::string database;         // "" = the branch's
  std::string lock_timeout = "5s", statement_timeout = "15min";  // of emitted statements
  bool schema_only = false, data_only = false;
  bool full = false;                // compare every table in full (no changed-pages fast path)
  bool color = false;               // text: ANSI colours
  std::vector<std::string> tables;  // only these ("schema.table" or "table")
  size_t max_rows = 20;             // rows kept per table for text and json (0: all)
  size_t max_total_rows = 0;        // rows kept in all (0: no limit); more is ResourceExhausted
  size_t max_kept_bytes = 0;        // bytes of values kept in all (0: no limit); likewise
};

// InvalidArgument, one line naming the field, for a malformed request
// (unknown format, --schema with --data, a timeout that is not a postgres
// duration, an empty table name, a bad branch name). Sets max_rows to 0 for
// the SQL formats (a script needs every row). Changes nothing else.
[[nodiscard]] Status CheckDiffRequest(DiffRequest& request);

struct DiffOutput {
  std::string kind_to, to;      // what was shown: "branch" b
  std::string kind_from, from;  // what it was compared with
  bool differs = false;         // any schema change, changed row or moved sequence
  std::string text;             // format text, sql, sql-reverse: the output
  nlohmann::json json;          // format json: the object
};

// Resolves both sides under one hold of the pool, compares them without it
// (a long diff does not stall other commands) and closes throw-away snapshot
// instances under another. NotFound for an unknown branch or `against`;
// InvalidArgument for a branch compared with itself or an unknown table;
// FailedPrecondition for the SQL formats when rows were left out;
// ResourceExhausted past max_total_rows or max_kept_bytes;
// Unavailable when a side cannot be reached. The request must have passed
// CheckDiffRequest. Leaves nothing behind, also on failure.
[[nodiscard]] Result<DiffOutput> RunDiff(const DiffRequest& request, const WithPool& with_pool);

}  // namespace spur::engine
