// What the data diff compares in one table: the columns both sides have, the
// key rows are matched by, and how rows are ordered so two sorted streams
// can be merged. Built from the two sides' pg::Schema; pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "pg/schema.h"

namespace spur::diff::data {

using Value = std::optional<std::string>;  // a column as text; nullopt = NULL
using Values = std::vector<Value>;

// How one ordering column sorts, on the server and in Less(): integers in
// their own order (the index on them serves ORDER BY), everything else by
// its text, bytewise (ORDER BY col::text COLLATE "C"). NULLs last.
enum class Ordering { kInteger, kText };

// Where a table is: on both sides, or only on one (then all its rows are
// inserted, or deleted, and it is compared in full against nothing).
enum class Presence { kBoth, kOnlyFrom, kOnlyTo };

struct TableSpec {
  Presence presence = Presence::kBoth;
  std::string qualified;  // "schema"."name", for SQL
  std::string display;    // schema.name, for people
  // Compared: on both sides, or only on the branch (then the side compared
  // against reads `fill`), in the branch side's table order.
  std::vector<std::string> columns;
  std::vector<bool> generated;  // per column: GENERATED ... STORED (never inserted)
  // Per column: only the branch has it. The other side reads it as `fill`:
  // what its rows read once ADD COLUMN gives them the column (the branch's
  // missing value, pg::Column::missing_value), so rows the branch never
  // touched compare equal and the rest carry their values into the SQL.
  std::vector<bool> branch_only;
  std::vector<Value> fill;
  std::vector<size_t> key;                      // indexes into columns; empty: rows matched whole
  std::vector<Ordering> ordering;               // per key column, or per column when matched whole
  std::string matched_by;                       // "primary key (id)", "unique (email)", "whole row"
  std::vector<std::string> only_from, only_to;  // columns one side lacks
  // Of those, the ones not compared: all of only_from (the schema script
  // drops them), and branch-only columns that are generated, ALWAYS
  // identity, or whose fill cannot be read.
  std::vector<std::string> not_compared;

  // The columns rows are sorted and matched by: the key, or all of them
  // (PairTables fills it; ordering[i] belongs to match[i]).
  std::vector<size_t> match;

  bool keyed() const { return !key.empty(); }
  const std::vector<size_t>& match_columns() const { return match; }
};

// Tables of either side (leaf tables: plain tables and partitions;
// partitioned parents hold no rows), by qualified name, restricted to `only`
// when it is not empty (names as "schema.table" or "table" for public).
// Tables found on one side only come with their Presence and are also
// named in `one_side` as "schema.table (only on X)". InvalidArgument when a
// name in `only` is on neither side.
[[nodiscard]] Result<std::vector<TableSpec>> PairTables(const pg::Schema& from,
                                                        const pg::Schema& to,
                                                        const std::vector<std::string>& only,
                                                        std::vector<std::string>& one_side);

// Strict weak order of two rows of `spec` by its match columns (values in
// spec.columns order), the order the server returns with OrderBySql().
bool Less(const TableSpec& spec, const Values& a, const Values& b);
// True when both rows hold the same values in the match columns.
bool SameKey(const TableSpec& spec, const Values& a, const Values& b);

// Which side a query reads: the side compared against lacks branch-only
// columns and reads their fill instead.
enum class SideRole { kFrom, kTo };

// The pieces of SELECT <list> FROM <from> ORDER BY <order>: the columns as
// text, "ONLY table AS r" (partitions and children are tables of their
// own), and the sort ("" when nothing sorts). Columns are qualified with the
// alias r, so ORDER BY sorts by the column, not by the text output column of
// the same name.
std::string SelectListSql(const TableSpec& spec, SideRole side);
std::string FromSql(const TableSpec& spec);
std::string OrderBySql(const TableSpec& spec, SideRole side);

// A SQL string literal for `v` (NULL when nullopt), for a server with
// standard_conforming_strings on.
std::string SqlLiteral(const Value& v);

}  // namespace spur::diff::data
