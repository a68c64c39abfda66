// The data phase of a logical sync: parallel COPY streams from the source
// into the staging cluster, each row masked in flight when the table has
// rules, so unmasked values never reach the target.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "mask/row_masker.h"
#include "pg/conn.h"
#include "sync/progress.h"

namespace spur::sync {

// One table's copy.
struct CopyTask {
  std::string table;                        // qualified target table (a leaf)
  std::string columns;                      // "(a, b)": the copied columns, quoted
  std::string source_sql;                   // the COPY ... TO STDOUT to run on the source
  const mask::RowMasker* masker = nullptr;  // nullptr: rows pass through untouched
  int64_t bytes_estimate = 0;
  // Run on the target right after the table is loaded, while other tables
  // are still copying: its primary key, unique constraints and indexes.
  std::vector<std::string> after_load;
  int64_t rows = 0;  // set by CopyTables: rows copied
};

// Runs every task, worker i reading through sources[i] (each already inside
// the sync's snapshot) and writing through its own new connection to
// `target_conninfo`. Each table is loaded as TRUNCATE + COPY in one
// transaction (no WAL with wal_level=minimal). Largest tables first (tasks
// are reordered so). Stops all workers at the first error and returns it,
// naming the table.
[[nodiscard]] Status CopyTables(std::vector<CopyTask>& tasks,
                                const std::vector<pg::Connection*>& sources,
                                const std::string& target_conninfo, Progress& progress);

}  // namespace spur::sync
