// Guardrails: rules judged on what a rehearsal measured, never on the SQL
// text, so a statement that is dangerous only on a big table fires only
// where the table is big. Each finding names its rule and the fact that
// fired it.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "rehearse/rehearsal.h"

namespace spur::rehearse {

struct Guardrails {
  double max_write_block_ms = 2000;              // writes to one table blocked longer: fires
  double max_read_block_ms = 5000;               // reads blocked longer: fires
  int64_t max_rewrite_bytes = int64_t{1} << 30;  // one rewrite larger: fires
  double max_plan_regression = 10;               // a query's plan cost growing more times: fires
  // Drops of data allowed on purpose: "schema.table" or "schema.table.column"
  // (names as regclass prints them, e.g. "public.users.email" or "users.email"
  // for a table on the search path).
  std::set<std::string> allow_drop;
};

struct Finding {
  // failed, timeout, write_block, read_block, rewrite, invalid_index, data_loss,
  // plan_regression, query_broken
  std::string rule;
  std::string fact;  // one line: what was measured, against which limit
};

// The rules that fire on `report`, in a stable order. Writes (reads) count as
// blocked for a table by its probes' longest wait, or, for tables that were
// not probed, by how long the migration held a lock that conflicts with
// ROW EXCLUSIVE (ACCESS SHARE) on it.
std::vector<Finding> Judge(const Report& report, const Guardrails& rules);

// "ShareLock" conflicts with what a plain INSERT/UPDATE/DELETE takes.
bool BlocksWrites(const std::string& mode);
// Only AccessExclusiveLock blocks a plain SELECT.
bool BlocksReads(const std::string& mode);

}  // namespace spur::rehearse
