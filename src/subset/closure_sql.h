// The statements the closure runs, as pure string builders (no connection),
// so their shape can be tested without a database. Every INSERT returns only
// a count: row identities never leave the server.
#pragma once

#include <cstdint>
#include <string>

#include "subset/graph.h"

namespace spur::subset::sql {

// "col" with embedded quotes doubled (pg::QuoteIdent).
std::string Ident(const std::string& name);

// The keep-set of node `node`: pg_temp.spur_keep_<node>.
std::string KeepTable(int node);

// CREATE TEMP TABLE for a keep-set: rel_oid (the row's tableoid) and row_tid
// (its ctid), unique together; `gen`, the step that added the row; `via`, see
// Step.
std::string CreateKeepTable(const std::string& keep);

// Names (unqualified) of keep-sets left in this session's temp schema by an
// earlier closure in the same transaction.
std::string ListKeepTables();

// "ONLY t" for a plain table (inheritance children are tables of their own),
// "t" for a partitioned one (its partitions hold the rows).
std::string Scan(const pg::Table& t);

// Root rows of `leaf` sampled at `percent`; returns one row (tableoid, count).
std::string SampleRoot(const pg::Table& leaf, const std::string& keep, double percent,
                       int64_t seed);
// Root rows of `table` matching `where`; returns (tableoid, count) per leaf.
std::string WhereRoot(const pg::Table& table, const std::string& keep, const std::string& where);

// One step of a pass over one foreign key.
struct Step {
  const Edge* edge = nullptr;
  std::string child_keep, parent_keep;
  int since = 0;  // only source rows stamped gen > since
  int gen = 0;    // stamp of the rows added
  // 1 + the edge's index. Downward stamps it on the child rows it adds; Upward
  // skips those rows, whose parent through this edge is kept by construction.
  int via = 0;
};

// Adds to child_keep the child rows whose referenced row is in parent_keep
// (gen > since). Returns one row: the count added.
std::string Downward(const Step& s);
// Adds to parent_keep the parent rows referenced by rows in child_keep
// (gen > since, not added by Downward over this edge). Returns the count.
std::string Upward(const Step& s);

// (tableoid, count) per leaf in a keep-set.
std::string CountByLeaf(const std::string& keep);

}  // namespace spur::subset::sql
