// The schema diff: what differs between two databases' catalogs, and the
// dependency-ordered, lock-aware SQL script that turns one into the other.
//
//   ASSIGN_OR_RETURN(Catalog from, ReadCatalog(conn_a));
//   ASSIGN_OR_RETURN(Catalog to, ReadCatalog(conn_b));
//   ASSIGN_OR_RETURN(SchemaDiff diff, Diff(from, to));
//   std::string script = RenderSql(diff);       // psql -v ON_ERROR_STOP=1 -f
//   RETURN_IF_ERROR(Apply(conn_a, diff));        // or run it directly
//
// Diff(to, from) is the reverse script. Everything here but ReadCatalog and
// Apply is pure (no I/O) and thread-compatible.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "diff/schema/catalog.h"
#include "diff/schema/catalog_reader.h"
#include "pg/conn.h"

namespace spur::diff::schema {

// What running a statement may do to a live database.
enum class Hazard {
  kAccessExclusive,   // takes an ACCESS EXCLUSIVE lock: blocks reads and writes while it runs
  kRewritesTable,     // rewrites the whole table (and its indexes)
  kDeletesData,       // drops rows or values, or may truncate them
  kBuildsIndex,       // builds an index: reads the whole table
  kValidates,         // scans a table to check a constraint or NOT NULL
  kAuthorization,     // changes who may do what: GRANT, REVOKE, policies, RLS, SECURITY DEFINER
  kBreaksDependents,  // drops objects that others use; they are recreated later in the script
  kBlocksWrites,      // takes a SHARE (ROW EXCLUSIVE) lock: blocks writes while it runs
};

// "access-exclusive", "rewrites-table", "deletes-data", "builds-index",
// "validates", "authorization", "breaks-dependents", "blocks-writes".
std::string_view HazardName(Hazard hazard);

struct Statement {
  std::string sql;  // one statement, no trailing newline, ends with ';'
  // false: runs outside any transaction block, on its own (autocommit):
  // CREATE/DROP INDEX CONCURRENTLY (they must), ALTER TYPE ... ADD VALUE (the
  // new value is usable once committed), VALIDATE CONSTRAINT (so the ACCESS
  // EXCLUSIVE lock of the ADD ... NOT VALID before it is already released).
  bool transactional = true;
  std::vector<Hazard> hazards;
  std::string object;  // the object it works on: "table public.orders", "view public.v"
};

struct Change {        // one object that differs
  std::string kind;    // "table", "column", "index", "view", "function", "grant", "comment", ...
  std::string name;    // qualified display name: "public.orders", "orders_pkey on public.orders"
  std::string action;  // "added" | "removed" | "changed"
  std::vector<std::string> details;  // "type integer -> bigint", "default now() -> NULL"
};

struct SchemaDiff {
  std::vector<Change> changes;        // grouped by object kind, then by name
  std::vector<Statement> statements;  // dependency-ordered script turning `from` into `to`
  bool empty() const { return changes.empty() && statements.empty(); }
};

struct DiffOptions {
  // When not empty: only changes on these tables ("schema.table" or a bare
  // name matching any schema) and on objects attached to them (columns,
  // defaults, indexes, constraints, triggers, policies, owned sequences,
  // their grants and comments). Objects that must be dropped and recreated
  // for those changes to apply (dependent views...) are included too.
  std::vector<std::string> tables;
};

// Compares two catalogs and plans the script. Fails (InvalidArgument) only
// when the changes form a dependency cycle the planner cannot order; the
// message names the objects involved.
[[nodiscard]] Result<SchemaDiff> Diff(const Catalog& from, const Catalog& to,
                                      const DiffOptions& options = {});

struct ScriptOptions {
  std::string lock_timeout = "5s";
  std::string statement_timeout = "15min";
};

// A psql-runnable script (psql -v ON_ERROR_STOP=1 -f): session settings
// (lock_timeout, statement_timeout, an empty search_path, no function body
// checks), then runs of transactional statements in BEGIN/COMMIT blocks and
// non-transactional ones between blocks, each statement preceded by
// "-- hazards: ..." when it has any. An empty diff gives a comment saying so.
std::string RenderSql(const SchemaDiff& diff, const ScriptOptions& options = {});

// {"changes": [{"kind", "name", "action", "details": [...]}],
//  "statements": [{"sql", "transactional", "hazards": [...], "object"}]}
nlohmann::json ToJson(const SchemaDiff& diff);

// For people: changes grouped by object kind with + / - / ~ markers (ANSI
// colours when `color`), the objects recreated only to satisfy dependencies,
// the hazards with the statements that carry them, and a counts line.
std::string RenderText(const SchemaDiff& diff, bool color);

// Runs the script on `conn` the way RenderSql lays it out: same settings,
// transactional runs each in one transaction, the others on their own. Stops
// at the first failure (rolling back the open transaction) and returns
// Internal naming the failing statement and postgres' error; statements
// before it stay applied. The session settings are reset afterwards.
[[nodiscard]] Status Apply(pg::Connection& conn, const SchemaDiff& diff,
                           const ScriptOptions& options = {});

}  // namespace spur::diff::schema
