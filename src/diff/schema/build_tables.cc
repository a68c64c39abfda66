// Builders for tables (their columns are objects of their own, build_columns.cc).
#include "diff/schema/builders.h"
#include "diff/schema/comments.h"
#include "diff/schema/object_keys.h"
#include "diff/schema/privileges.h"
#include "diff/schema/sql_text.h"

namespace spur::diff::schema {
namespace {

std::string Name(const TableName& t) { return Qualified(t.schema, t.name); }
std::string Name(const Table& t) { return Qualified(t.schema, t.name); }

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

std::string CreateStatement(const Table& t) {
  std::string sql = std::string("CREATE ") + (t.unlogged ? "UNLOGGED " : "") + "TABLE " + Name(t);
  if (t.partition_of) {
    sql += " PARTITION OF " + Name(*t.partition_of) + " " + t.partition_bound;
  } else {
    std::vector<std::string> columns;
    for (const Column& c : t.columns) {
      if (!c.inherited) columns.push_back("    " + ColumnDefinition(c));
    }
    sql += columns.empty() ? " ()" : " (\n" + Join(columns, ",\n") + "\n)";
    if (!t.inherits.empty()) {
      std::vector<std::string> parents;
      for (const TableName& p : t.inherits) parents.push_back(Name(p));
      sql += " INHERITS (" + Join(parents, ", ") + ")";
    }
  }
  if (t.partitioned) sql += " PARTITION BY " + t.partition_key;
  if (!t.options.empty()) sql += " WITH (" + Join(t.options, ", ") + ")";
  return sql + ";";
}

// What a column of a new table still needs after CREATE TABLE: inherited
// columns start as their parent's, declared ones without comment or grants.
std::vector<Statement> NewColumnTouchUps(const ObjectSet& to, const Table& t, const Column& c,
                                         const std::string& key) {
  Column base = c;
  base.comment.reset();
  base.acl.clear();
  if (c.inherited) {
    const Column* parent = ParentColumn(to, t, c.name);
    base.default_expr = parent ? parent->default_expr : std::nullopt;
    base.not_null = parent ? parent->not_null : false;
  }
  return ColumnTouchUps(t, base, c, key);
}

void AddRls(std::vector<Statement>& out, const Table& from, const Table& to,
            const std::string& key) {
  const std::string prefix = "ALTER TABLE " + Name(to) + " ";
  const std::vector<Hazard> h = {Hazard::kAccessExclusive, Hazard::kAuthorization};
  if (from.rls_enabled != to.rls_enabled) {
    out.push_back(
        Sql(prefix + (to.rls_enabled ? "ENABLE" : "DISABLE") + " ROW LEVEL SECURITY;", key, h));
  }
  if (from.rls_forced != to.rls_forced) {
    out.push_back(
        Sql(prefix + (to.rls_forced ? "FORCE" : "NO FORCE") + " ROW LEVEL SECURITY;", key, h));
  }
}

// Storage parameters keep the order they were set in (pg_dump shows it): to
// match `to` exactly, reset every old one and set the new list in order.
void AddOptions(std::vector<Statement>& out, const Table& from, const Table& to,
                const std::string& key) {
  if (from.options == to.options) return;
  std::vector<std::string> reset;
  for (const std::string& o : from.options) reset.push_back(o.substr(0, o.find('=')));
  std::string sql = "ALTER TABLE " + Name(to);
  if (!reset.empty()) sql += " RESET (" + Join(reset, ", ") + ")";
  if (!to.options.empty())
    sql += std::string(reset.empty() ? "" : ",") + " SET (" + Join(to.options, ", ") + ")";
  out.push_back(Sql(sql + ";", key, {Hazard::kAccessExclusive}));
}

bool SameParent(const Table& a, const Table& b) {
  return a.partition_of == b.partition_of && a.partition_bound == b.partition_bound;
}

// NO INHERIT in the alter step; DETACH, ATTACH and INHERIT in the finish
// step, once the columns match (a partition stays attached while its parent's
// columns change, so it follows them).
void AddParents(std::vector<Statement>& alter, std::vector<Statement>& finish, const Table& from,
                const Table& to, const std::string& key) {
  const std::vector<Hazard> ae = {Hazard::kAccessExclusive};
  if (!SameParent(from, to)) {
    if (from.partition_of) {
      finish.push_back(
          Sql("ALTER TABLE " + Name(*from.partition_of) + " DETACH PARTITION " + Name(from) + ";",
              key, ae));
    }
    if (to.partition_of) {
      finish.push_back(Sql("ALTER TABLE " + Name(*to.partition_of) + " ATTACH PARTITION " +
                               Name(to) + " " + to.partition_bound + ";",
                           key, {Hazard::kAccessExclusive, Hazard::kValidates}));
    }
  }
  auto has = [](const std::vector<TableName>& list, const TableName& t) {
    for (const TableName& x : list) {
      if (x == t) return true;
    }
    return false;
  };
  for (const TableName& p : from.inherits) {
    if (!has(to.inherits, p)) {
      alter.push_back(Sql("ALTER TABLE " + Name(to) + " NO INHERIT " + Name(p) + ";", key, ae));
    }
  }
  for (const TableName& p : to.inherits) {
    if (!has(from.inherits, p)) {
      finish.push_back(Sql("ALTER TABLE " + Name(to) + " INHERIT " + Name(p) + ";", key, ae));
    }
  }
}

std::vector<std::string> ColumnKeys(const Table& t) {
  std::vector<std::string> keys;
  for (const Column& c : t.columns) {
    keys.push_back(ColumnKey(t.schema, t.name, c.name));
    if (c.default_expr) keys.push_back(DefaultKey(t.schema, t.name, c.name));
  }
  return keys;
}

}  // namespace

bool SameTableAttributes(const Table& a, const Table& b) {
  Table x = a, y = b;
  x.columns.clear();
  y.columns.clear();
  return x == y;
}

Fate TableChangeFate(const Table& from, const Table& to) {
  // A table cannot become partitioned (or stop being), nor change its
  // partition key, in place.
  if (from.partitioned != to.partitioned || from.partition_key != to.partition_key) {
    return Fate::kReplace;
  }
  return Fate::kAlter;
}

Chain CreateTable(const ObjectRef& to, const PlanContext& ctx) {
  const Table& t = *to.table;
  std::vector<Statement> out = {Sql(CreateStatement(t), to.key)};
  for (const Column& c : t.columns) {
    for (Statement& s : NewColumnTouchUps(ctx.to(), t, c, to.key)) out.push_back(std::move(s));
  }
  AddRls(out, Table{}, t, to.key);
  AddCommentStatement(out, "TABLE " + Name(t), std::nullopt, t.comment, to.key);
  Acl initial = CreationAcl('r', t.owner, t.schema, ctx.to().catalog().default_privileges);
  for (Statement& s : AclStatements("TABLE " + Name(t), initial, t.acl, to.key)) {
    out.push_back(std::move(s));
  }
  Action a = MakeAction(to.key, Step::kCreate, rank::kTable, std::move(out));
  a.covers = ColumnKeys(t);
  return {std::move(a)};
}

Chain DropTable(const ObjectRef& from) {
  return {MakeAction(from.key, Step::kDrop, -rank::kTable,
                     {Sql("DROP TABLE " + Name(*from.table) + ";", from.key,
                          {Hazard::kAccessExclusive, Hazard::kDeletesData})})};
}

Chain AlterTable(const ObjectRef& from, const ObjectRef& to, const PlanContext&) {
  const Table& f = *from.table;
  const Table& t = *to.table;
  std::vector<Statement> alter, finish;
  AddParents(alter, finish, f, t, to.key);
  if (f.unlogged != t.unlogged) {
    alter.push_back(Sql("ALTER TABLE " + Name(t) + (t.unlogged ? " SET UNLOGGED;" : " SET LOGGED;"),
                        to.key, {Hazard::kAccessExclusive, Hazard::kRewritesTable}));
  }
  AddOptions(alter, f, t, to.key);
  AddRls(alter, f, t, to.key);
  AddCommentStatement(alter, "TABLE " + Name(t), f.comment, t.comment, to.key);
  for (Statement& s : AclStatements("TABLE " + Name(t), f.acl, t.acl, to.key)) {
    alter.push_back(std::move(s));
  }
  Chain chain;
  if (!alter.empty())
    chain.push_back(MakeAction(to.key, Step::kAlter, rank::kTable, std::move(alter)));
  if (!finish.empty()) {
    Action a = MakeAction(to.key, Step::kFinish, rank::kFinish, std::move(finish));
    a.covers = ColumnKeys(t);
    chain.push_back(std::move(a));
  }
  return chain;
}

}  // namespace spur::diff::schema
