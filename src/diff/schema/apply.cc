// Apply(): run a diff's statements on a connection, laid out as RenderSql does.
#include "diff/schema/schema_diff.h"
#include "diff/schema/sql_text.h"

namespace spur::diff::schema {
namespace {

Status Run(pg::Connection& conn, const Statement& s, size_t n, size_t total) {
  Status st = conn.Exec(s.sql);
  if (st.ok()) return st;
  return Internal("statement " + std::to_string(n) + " of " + std::to_string(total) + " (" +
                  s.object + ") failed: " + st.message() + "; statement: " + s.sql);
}

Status RunAll(pg::Connection& conn, const SchemaDiff& diff) {
  bool in_block = false;
  const size_t total = diff.statements.size();
  for (size_t i = 0; i < total; ++i) {
    const Statement& s = diff.statements[i];
    if (s.transactional && !in_block) {
      RETURN_IF_ERROR(conn.Exec("BEGIN"));
      in_block = true;
    } else if (!s.transactional && in_block) {
      RETURN_IF_ERROR(
          conn.Exec("COMMIT").WithContext("committing before statement " + std::to_string(i + 1)));
      in_block = false;
    }
    Status st = Run(conn, s, i + 1, total);
    if (!st.ok()) {
      if (in_block) conn.Exec("ROLLBACK").IgnoreError();
      return st;
    }
  }
  if (in_block) RETURN_IF_ERROR(conn.Exec("COMMIT").WithContext("committing the last block"));
  return Status::Ok();
}

}  // namespace

Status Apply(pg::Connection& conn, const SchemaDiff& diff, const ScriptOptions& options) {
  RETURN_IF_ERROR(conn.Exec("SET lock_timeout = " + QuoteLiteral(options.lock_timeout) +
                            "; SET statement_timeout = " + QuoteLiteral(options.statement_timeout) +
                            "; SET check_function_bodies = false;"
                            " SELECT pg_catalog.set_config('search_path', '', false)")
                      .WithContext("preparing the session to apply the schema diff"));
  Status st = RunAll(conn, diff);
  conn.Exec(
          "RESET lock_timeout; RESET statement_timeout; RESET check_function_bodies;"
          " RESET search_path")
      .IgnoreError();
  return st;
}

}  // namespace spur::diff::schema
