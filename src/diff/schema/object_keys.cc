#include "diff/schema/object_keys.h"

#include "diff/schema/sql_text.h"

namespace spur::diff::schema {

std::string KeyOf(const Extension& e) { return "extension " + QuoteIdent(e.name); }
std::string KeyOf(const Schema& s) { return SchemaKey(s.name); }
std::string KeyOf(const Type& t) { return "type " + Qualified(t.schema, t.name); }
std::string KeyOf(const Sequence& s) { return "sequence " + Qualified(s.schema, s.name); }
std::string KeyOf(const Function& f) {
  return (f.procedure ? "procedure " : "function ") + f.identity;
}
std::string KeyOf(const Table& t) { return TableKey(t.schema, t.name); }
std::string KeyOf(const View& v) {
  return (v.materialized ? "materialized view " : "view ") + Qualified(v.schema, v.name);
}
std::string KeyOf(const Index& i) { return "index " + Qualified(i.schema, i.name); }
std::string KeyOf(const Constraint& c) {
  return "constraint " + QuoteIdent(c.name) + " on " + Qualified(c.schema, c.table);
}
std::string KeyOf(const Trigger& t) {
  return "trigger " + QuoteIdent(t.name) + " on " + Qualified(t.schema, t.table);
}
std::string KeyOf(const Policy& p) {
  return "policy " + QuoteIdent(p.name) + " on " + Qualified(p.schema, p.table);
}
std::string KeyOf(const DefaultPrivilege& d) {
  std::string key = "default privileges for role " + QuoteIdent(d.role);
  if (!d.schema.empty()) key += " in schema " + QuoteIdent(d.schema);
  return key + " on " + DefaultPrivilegeObjects(d.object_type);
}

std::string SchemaKey(const std::string& schema) { return "schema " + QuoteIdent(schema); }
std::string TableKey(const std::string& schema, const std::string& table) {
  return "table " + Qualified(schema, table);
}
std::string ColumnKey(const std::string& schema, const std::string& table,
                      const std::string& column) {
  return "column " + Qualified(schema, table) + "." + QuoteIdent(column);
}
std::string DefaultKey(const std::string& schema, const std::string& table,
                       const std::string& column) {
  return "default " + Qualified(schema, table) + "." + QuoteIdent(column);
}

std::string DefaultPrivilegeObjects(char object_type) {
  switch (object_type) {
    case 'r':
      return "tables";
    case 'S':
      return "sequences";
    case 'f':
      return "functions";
    case 'T':
      return "types";
    case 'n':
      return "schemas";
    default:
      return "objects";
  }
}

}  // namespace spur::diff::schema
