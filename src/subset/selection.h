// The outcome of a subset closure: for each leaf table, which rows to copy
// and how the table was reached. Plain data plus SQL generation; the rows
// themselves stay in the source's temp tables.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pg/schema.h"

namespace spur::subset {

// How a table's rows were chosen.
enum class Reach {
  kRoot,     // named under roots: (its sample or WHERE, plus what the closure added)
  kClosure,  // in the FK graph, reached (or not) only through foreign keys
  kAll,      // outside the FK graph: copied whole
  kNone,     // outside the FK graph: left empty
};

// "root", "closure", "all", "none".
const char* ReachName(Reach r);

struct TableReport {
  std::string table;  // leaf table, qualified
  Reach reach = Reach::kNone;
  int64_t requested_rows = -1;  // rows the root sample/WHERE took; -1 when not a root
  int64_t actual_rows = 0;      // rows to copy; -1 for kAll (every row; the copy counts them)
};

class Selection {
 public:
  // The statement to put inside COPY (...) TO STDOUT for `leaf`, selecting
  // `column_list` (already quoted, comma-separated). nullopt when nothing is
  // to be copied: kNone, no row selected, or a table the closure never saw.
  // The SQL reads the closure's temp tables, so it is valid only on the
  // connection and in the transaction that computed the closure.
  std::optional<std::string> SelectSql(const pg::Table& leaf, const std::string& column_list) const;

  // One entry per leaf table of the schema, in schema order.
  const std::vector<TableReport>& report() const { return report_; }
  // The entry for a leaf, or nullptr.
  const TableReport* Find(const std::string& qualified) const;

  // Records `leaf`'s outcome. `keep_table` names the temp table holding its
  // (tableoid, ctid) rows; "" for kAll and kNone. Used by ComputeClosure.
  void Add(const pg::Table& leaf, TableReport report, std::string keep_table);

 private:
  struct Plan {
    size_t report_index = 0;
    std::string keep_table;
    uint32_t oid = 0;
  };
  std::vector<TableReport> report_;
  std::map<std::string, Plan> plans_;  // by qualified leaf name
};

}  // namespace spur::subset
