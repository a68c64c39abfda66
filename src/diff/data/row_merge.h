// The heart of the data diff: two streams of one table's rows, each sorted
// by the table's match columns (TableSpec::Less), merged into inserted,
// deleted and updated rows. Both the fast path (rows of changed pages,
// sorted here) and the full comparison (sorted by the servers) end here, so
// they report the same changes for the same rows. Memory: one row per side.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "common/status.h"
#include "diff/data/table_spec.h"

namespace spur::diff::data {

// "from" is the side compared against (the parent, by default), "to" the
// branch: an insert is a row only the branch has.
struct RowChange {
  enum class Kind { kInsert, kDelete, kUpdate };
  Kind kind = Kind::kInsert;
  Values before;                // from's row (delete, update)
  Values after;                 // to's row (insert, update)
  std::vector<size_t> changed;  // update: indexes of the columns that differ
};

struct ChangeCounts {
  int64_t inserted = 0, deleted = 0, updated = 0;
  int64_t rows_from = 0, rows_to = 0;  // rows read on each side
  bool operator==(const ChangeCounts&) const = default;
};

// A source of rows in TableSpec::Less order. Next() points `row` at the next
// row (valid until the next call) and returns false at the end.
class RowStream {
 public:
  virtual ~RowStream() = default;
  [[nodiscard]] virtual Result<bool> Next(const Values*& row) = 0;
};

// Rows held in memory, sorted on construction.
class SortedRows : public RowStream {
 public:
  SortedRows(const TableSpec& spec, std::vector<Values> rows);
  [[nodiscard]] Result<bool> Next(const Values*& row) override;

 private:
  std::vector<Values> rows_;
  size_t next_ = 0;
};

// Called once per change, in key order. A non-OK status stops the merge and
// is returned by MergeRows.
using ChangeSink = std::function<Status(const RowChange&)>;

// Merges `from` and `to` (both in Less order; a stream out of order is an
// Internal error naming the table). Rows matched whole pair up one by one,
// so duplicates count: three copies against one is two deletes.
[[nodiscard]] Result<ChangeCounts> MergeRows(const TableSpec& spec, RowStream& from, RowStream& to,
                                             const ChangeSink& sink);

}  // namespace spur::diff::data
