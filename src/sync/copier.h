// The data phase of a logical sync: parallel COPY streams from the source
// into the staging cluster, each row masked in flight when the table has
// rules, so unmasked values never reach the target.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "mask/row_masker.h"
#include "pg/conn.h"
#include "sync/progress.h"

namespace spur::sync {

// What the parts of one split table share.
struct SplitTable {
  std::atomic<int> parts_left{0};  // the worker that takes it to 0 runs after_load
  std::vector<std::string> after_load;
};

// One table's copy, or one part of a large table (a range of its heap
// blocks, so masking runs on every stream).
struct CopyTask {
  std::string table;                        // qualified target table (a leaf)
  std::string columns;                      // "(a, b)": the copied columns, quoted
  std::string source_sql;                   // the COPY ... TO STDOUT to run on the source
  const mask::RowMasker* masker = nullptr;  // nullptr: rows pass through untouched
  int64_t bytes_estimate = 0;
  // Run on the target right after the table is loaded, while other tables
  // are still copying: its primary key, unique constraints and indexes.
  // Empty for parts: their SplitTable holds them.
  std::vector<std::string> after_load;
  std::shared_ptr<SplitTable> split;  // set on the parts of a split table
  int64_t rows = 0;                   // set by CopyTables: rows copied
};

// Splits `whole` (a table of `heap_blocks` blocks whose rows `select` =
// "SELECT cols FROM ONLY t" reads) into `parts` tasks over block ranges
// (ctid >= '(lo,0)' AND ctid < '(hi,0)'; the last one open-ended, so blocks
// added since the size was read are copied too), sharing its after_load.
// Fewer than 2 parts, or fewer blocks than parts: `whole` alone.
std::vector<CopyTask> SplitByBlocks(CopyTask whole, const std::string& select, int64_t heap_blocks,
                                    int parts);

// Runs every task, worker i reading through sources[i] (each already inside
// the sync's snapshot) and writing through its own new connection to
// `target_conninfo`. A whole table is loaded as TRUNCATE + COPY in one
// transaction (no WAL with wal_level=minimal); the parts of a split table
// each COPY in their own transaction (into the empty restored table), and
// the last part to finish builds its keys and indexes. Largest tables first (tasks
// are reordered so). Stops all workers at the first error and returns it,
// naming the table.
[[nodiscard]] Status CopyTables(std::vector<CopyTask>& tasks,
                                const std::vector<pg::Connection*>& sources,
                                const std::string& target_conninfo, Progress& progress);

}  // namespace spur::sync
