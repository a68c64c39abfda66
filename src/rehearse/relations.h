// The relations of a database as a rehearsal compares them: identity,
// storage file (relfilenode) and size, read before and after each statement.
//
// Sizes come from the data directory's files, not pg_relation_size(): that
// function takes a lock, and inside the migration's transaction the lock
// would be held until it commits and counted as the migration's own.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/status.h"
#include "pg/conn.h"

namespace spur::rehearse {

struct RelationState {
  std::string name;  // schema-qualified, quoted where needed (regclass text)
  char kind = 'r';   // pg_class.relkind: r, m, i, p, I, t
  int64_t filenode = 0;
  int64_t tablespace = 0;  // 0 = the database's default
  int64_t bytes = -1;      // main fork on disk; -1 when unknown (another tablespace)
  double rows = -1;        // pg_class.reltuples (an estimate; -1 = never analyzed)
};

// Relations by oid: every table, materialized view, index and TOAST table
// outside pg_catalog and information_schema (temporary ones excluded).
using Relations = std::map<int64_t, RelationState>;

// Reads the relations visible to `conn` (so, on the migration's own
// connection, with its uncommitted changes) and sizes their files under
// `pgdata`. Runs only catalog queries, which lock no user relation.
// Whatever `conn` reports on failure (e.g. an aborted transaction).
[[nodiscard]] Result<Relations> ReadRelations(pg::Connection& conn, const std::string& pgdata);

// Bytes of a relation's main fork: base/<db>/<filenode> and its 1 GB
// segments .1, .2, ... under `pgdata`; -1 when the first file is missing.
int64_t MainForkBytes(const std::string& pgdata, int64_t database_oid, int64_t filenode);

// "table", "index", "materialized view", "TOAST table", "partitioned table", ...
const char* KindName(char relkind);

}  // namespace spur::rehearse
