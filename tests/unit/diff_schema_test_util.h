// Hand-built catalogs for the schema diff's unit tests: small builders for
// the objects, and helpers to look at a planned script.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "diff/schema/object_keys.h"
#include "diff/schema/schema_diff.h"

namespace spur::diff::schema::testing {

// What a new table or view owned by postgres has without any GRANT.
inline Acl OwnerAcl(std::initializer_list<const char*> privileges) {
  Acl acl;
  for (const char* p : privileges) acl.push_back(Grant{"postgres", p, false});
  return acl;
}
inline Acl TableAcl() {
  return OwnerAcl({"DELETE", "INSERT", "REFERENCES", "SELECT", "TRIGGER", "TRUNCATE", "UPDATE"});
}

inline Column Col(std::string name, std::string type, bool not_null = false) {
  Column c;
  c.name = std::move(name);
  c.type = std::move(type);
  c.not_null = not_null;
  return c;
}

inline Table MakeTable(std::string name, std::vector<Column> columns,
                       std::string schema = "public") {
  Table t;
  t.schema = std::move(schema);
  t.name = std::move(name);
  t.owner = "postgres";
  t.columns = std::move(columns);
  t.acl = TableAcl();
  return t;
}

inline View MakeView(std::string name, std::string definition, std::vector<Column> columns) {
  View v;
  v.schema = "public";
  v.name = std::move(name);
  v.owner = "postgres";
  v.definition = std::move(definition);
  v.columns = std::move(columns);
  v.acl = TableAcl();
  return v;
}

inline Index MakeIndex(std::string name, std::string table, std::string columns) {
  Index i;
  i.schema = "public";
  i.name = name;
  i.table = table;
  i.definition = "CREATE INDEX " + name + " ON public." + table + " USING btree (" + columns + ")";
  return i;
}

inline Constraint MakeConstraint(std::string table, std::string name, char type,
                                 std::string definition) {
  Constraint c;
  c.schema = "public";
  c.table = std::move(table);
  c.name = name;
  c.type = type;
  c.definition = std::move(definition);
  return c;
}

inline Function MakeFunction(std::string name, std::string args, std::string result,
                             std::string body) {
  Function f;
  f.schema = "public";
  f.name = name;
  f.owner = "postgres";
  f.identity = "public." + name + "(" + args + ")";
  f.result = result;
  f.signature = "f|" + args;
  f.definition = "CREATE OR REPLACE FUNCTION public." + name + "(" + args + ")\n RETURNS " +
                 result + "\n LANGUAGE sql\nAS $function$" + body + "$function$";
  f.acl = {Grant{"", "EXECUTE", false}, Grant{"postgres", "EXECUTE", false}};
  return f;
}

inline std::string ColKey(const Table& t, const std::string& column) {
  return ColumnKey(t.schema, t.name, column);
}

// The statements' SQL, in order.
inline std::vector<std::string> Sqls(const SchemaDiff& d) {
  std::vector<std::string> out;
  for (const Statement& s : d.statements) out.push_back(s.sql);
  return out;
}

// Index of the first statement whose SQL starts with `prefix`, or -1.
inline int Find(const SchemaDiff& d, const std::string& prefix) {
  for (size_t i = 0; i < d.statements.size(); ++i) {
    if (d.statements[i].sql.rfind(prefix, 0) == 0) return static_cast<int>(i);
  }
  return -1;
}

inline const Statement* FindStatement(const SchemaDiff& d, const std::string& prefix) {
  int i = Find(d, prefix);
  return i < 0 ? nullptr : &d.statements[i];
}

inline bool HasHazard(const Statement* s, Hazard h) {
  if (s == nullptr) return false;
  for (Hazard x : s->hazards) {
    if (x == h) return true;
  }
  return false;
}

// Diff that must succeed; the catalogs are sorted first, as ReadCatalog does.
inline SchemaDiff MustDiff(Catalog from, Catalog to, const DiffOptions& options = {}) {
  SortCatalog(from);
  SortCatalog(to);
  auto d = Diff(from, to, options);
  EXPECT_TRUE(d.ok()) << d.status().message();
  return d.ok() ? *d : SchemaDiff{};
}

inline std::string Script(const SchemaDiff& d) {
  std::string out;
  for (const Statement& s : d.statements) out += s.sql + "\n";
  return out;
}

}  // namespace spur::diff::schema::testing
