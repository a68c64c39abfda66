// Row-level diff of every table two clusters share: inserted, deleted and
// updated rows, matched by primary key, a unique NOT NULL key, or whole rows.
//
// Fast path (both sides' data directories given, on a pool whose driver
// clones blocks): pages whose extents both sides still share are identical,
// so only the tuples of the other pages are read, with TID range scans, on
// both sides, and merged. Its soundness rests on two checks done here: both
// sides are checkpointed after their snapshot is taken (so every visible row
// is on disk), and transactions in flight at the forks between the sides
// (pg/xid_range.h) ended the same way on both. A table whose relation file
// was rewritten, or with too many changed pages, is compared in full
// instead: both sides streamed in key order and merged, one row at a time.
// Both paths feed one merge (row_merge.h), so they report the same changes.
//
// Reads only; each side is read inside one REPEATABLE READ transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "diff/data/row_merge.h"
#include "diff/data/sequences.h"
#include "diff/data/table_spec.h"
#include "pg/xid_range.h"

namespace spur::diff::data {

struct SideSpec {
  std::string conninfo;  // superuser (CHECKPOINT needs it), to the database compared
  std::string pgdata;    // data directory; "" turns the fast path off
};

struct DataDiffOptions {
  std::vector<std::string> tables;  // only these ("schema.table" or "table"); empty = all
  bool full = false;                // compare every table in full
  // Transactions in flight at each fork between the sides, and why they are
  // unknown when they are (then the fast path is off).
  std::vector<pg::XidRange> inflight;
  std::string inflight_unknown;
  // A table with more changed pages than this share of its pages (or than
  // max_fast_pages) is compared in full: cheaper, and bounded in memory.
  double max_changed_share = 0.5;
  uint64_t max_fast_pages = 32768;  // 256 MB of heap: its rows are held in memory
};

struct TableDiff {
  TableSpec spec;
  std::string method;  // "pages" (fast path) or "full"
  std::string reason;  // why "full", for people
  uint64_t pages = 0, pages_read = 0;
  ChangeCounts counts;
  double seconds = 0;
};

struct DataDiff {
  std::vector<TableDiff> tables;      // every table of either side, in name order
  std::vector<std::string> one_side;  // those only one side has (all rows inserted/deleted)
  std::string fast_path_off;          // why no table could use it; "" when it could
  // Tables in foreign-key order, referenced ones first (both sides' keys):
  // inserts apply in this order, deletes in reverse.
  std::vector<std::string> fk_order;
  // Sequences the branch moved (or has alone), of the tables compared.
  std::vector<SequenceChange> sequences;
  double seconds = 0;
};

// Called for each change, table by table, in key order.
using TableChangeSink = std::function<Status(const TableDiff&, const RowChange&)>;

// Compares `from` (the side compared against) with `to` (the branch).
// InvalidArgument for an unknown table in options.tables; Unavailable when a
// side cannot be reached; the first error of a query otherwise.
[[nodiscard]] Result<DataDiff> DiffData(const SideSpec& from, const SideSpec& to,
                                        const DataDiffOptions& options,
                                        const TableChangeSink& sink);

}  // namespace spur::diff::data
