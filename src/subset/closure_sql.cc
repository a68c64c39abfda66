#include "subset/closure_sql.h"

#include <charconv>

#include "pg/schema.h"

namespace spur::subset::sql {
namespace {

// Shortest round-trip decimal text of `v` ("10", "0.5", "1e-05").
std::string Number(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

// "p.r1 = c.f1 AND p.r2 = c.f2": NULL in any referencing column matches
// nothing, which is MATCH SIMPLE (and MATCH FULL, whose partial NULLs the
// constraint forbids).
std::string Match(const pg::ForeignKey& fk) {
  std::string out;
  for (size_t i = 0; i < fk.columns.size() && i < fk.ref_columns.size(); ++i) {
    if (!out.empty()) out += " AND ";
    out += "p." + Ident(fk.ref_columns[i]) + " = c." + Ident(fk.columns[i]);
  }
  return out;
}

// Wraps an INSERT ... RETURNING 1 so that only its row count comes back.
std::string Counted(const std::string& insert) {
  return "WITH ins AS (" + insert + " ON CONFLICT DO NOTHING RETURNING 1) SELECT count(*) FROM ins";
}

std::string ByLeaf(const std::string& insert) {
  return "WITH ins AS (" + insert +
         " ON CONFLICT DO NOTHING RETURNING rel_oid) "
         "SELECT rel_oid::bigint, count(*) FROM ins GROUP BY 1";
}

std::string NotKept(const std::string& keep, const std::string& alias) {
  return "NOT EXISTS (SELECT 1 FROM " + keep + " x WHERE x.rel_oid = " + alias +
         ".tableoid AND x.row_tid = " + alias + ".ctid)";
}

// Rows of `alias`'s table kept in `keep` since `since`, as a join condition.
std::string KeptSince(const std::string& keep, const std::string& alias, int since) {
  return "JOIN " + keep + " k ON k.rel_oid = " + alias + ".tableoid AND k.row_tid = " + alias +
         ".ctid AND k.gen > " + std::to_string(since);
}

}  // namespace

std::string Ident(const std::string& name) { return pg::QuoteIdent(name); }

std::string KeepTable(int node) { return "pg_temp.spur_keep_" + std::to_string(node); }

std::string CreateKeepTable(const std::string& keep) {
  return "CREATE TEMP TABLE " + keep.substr(keep.find('.') + 1) +
         " (rel_oid oid NOT NULL, row_tid tid NOT NULL, gen int NOT NULL, via int NOT NULL,"
         " PRIMARY KEY (rel_oid, row_tid)) ON COMMIT DROP";
}

std::string ListKeepTables() {
  return "SELECT relname FROM pg_class WHERE relnamespace = pg_my_temp_schema() "
         "AND relkind = 'r' AND relname LIKE 'spur\\_keep\\_%'";
}

std::string Scan(const pg::Table& t) { return t.kind == 'p' ? t.qualified : "ONLY " + t.qualified; }

std::string SampleRoot(const pg::Table& leaf, const std::string& keep, double percent,
                       int64_t seed) {
  return ByLeaf("INSERT INTO " + keep +
                " (rel_oid, row_tid, gen, via) SELECT tableoid, ctid, 1, 0 FROM " + Scan(leaf) +
                " TABLESAMPLE BERNOULLI (" + Number(percent) + ") REPEATABLE (" +
                std::to_string(seed) + ")");
}

std::string WhereRoot(const pg::Table& table, const std::string& keep, const std::string& where) {
  // No alias: the condition may name the table ("orders.created_at").
  return ByLeaf("INSERT INTO " + keep +
                " (rel_oid, row_tid, gen, via) SELECT tableoid, ctid, 1, 0 FROM " + Scan(table) +
                " WHERE (" + where + "\n)");
}

std::string Downward(const Step& s) {
  return Counted("INSERT INTO " + s.child_keep + " (rel_oid, row_tid, gen, via)" +
                 " SELECT c.tableoid, c.ctid, " + std::to_string(s.gen) + ", " +
                 std::to_string(s.via) + " FROM " + Scan(*s.edge->child) +
                 " c WHERE EXISTS (SELECT 1 FROM " + Scan(*s.edge->parent) + " p " +
                 KeptSince(s.parent_keep, "p", s.since) + " WHERE " + Match(*s.edge->fk) +
                 ") AND " + NotKept(s.child_keep, "c"));
}

std::string Upward(const Step& s) {
  return Counted("INSERT INTO " + s.parent_keep + " (rel_oid, row_tid, gen, via)" +
                 " SELECT p.tableoid, p.ctid, " + std::to_string(s.gen) + ", 0 FROM " +
                 Scan(*s.edge->parent) + " p WHERE EXISTS (SELECT 1 FROM " + Scan(*s.edge->child) +
                 " c " + KeptSince(s.child_keep, "c", s.since) + " AND k.via <> " +
                 std::to_string(s.via) + " WHERE " + Match(*s.edge->fk) + ") AND " +
                 NotKept(s.parent_keep, "p"));
}

std::string CountByLeaf(const std::string& keep) {
  return "SELECT rel_oid::bigint, count(*) FROM " + keep + " GROUP BY 1";
}

}  // namespace spur::subset::sql
