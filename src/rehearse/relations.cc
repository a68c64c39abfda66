#include "rehearse/relations.h"

#include <sys/stat.h>

#include <cstdlib>

namespace spur::rehearse {
namespace {

int64_t ToInt(const std::optional<std::string>& v) {
  return v ? std::strtoll(v->c_str(), nullptr, 10) : 0;
}

}  // namespace

int64_t MainForkBytes(const std::string& pgdata, int64_t database_oid, int64_t filenode) {
  const std::string base =
      pgdata + "/base/" + std::to_string(database_oid) + "/" + std::to_string(filenode);
  int64_t total = 0;
  for (int segment = 0;; ++segment) {
    struct stat st {};
    const std::string path = segment == 0 ? base : base + "." + std::to_string(segment);
    if (::stat(path.c_str(), &st) != 0) return segment == 0 ? -1 : total;
    total += st.st_size;
  }
}

const char* KindName(char relkind) {
  switch (relkind) {
    case 'r':
      return "table";
    case 'm':
      return "materialized view";
    case 'i':
      return "index";
    case 'I':
      return "partitioned index";
    case 'p':
      return "partitioned table";
    case 't':
      return "TOAST table";
    default:
      return "relation";
  }
}

Result<Relations> ReadRelations(pg::Connection& conn, const std::string& pgdata) {
  ASSIGN_OR_RETURN(
      std::vector<pg::Row> rows,
      conn.Query("SELECT c.oid, c.oid::regclass::text, c.relkind, c.relfilenode, "
                 "c.reltablespace, c.reltuples, "
                 "(SELECT oid FROM pg_database WHERE datname = current_database()) "
                 "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                 "WHERE c.relkind IN ('r','m','i','p','I','t') AND c.relpersistence <> 't' "
                 "AND c.oid >= 16384 AND n.nspname NOT IN ('pg_catalog', 'information_schema')"));
  Relations out;
  for (const pg::Row& row : rows) {
    RelationState r;
    r.name = row[1].value_or("");
    r.kind = row[2] && !row[2]->empty() ? (*row[2])[0] : 'r';
    r.filenode = ToInt(row[3]);
    r.tablespace = ToInt(row[4]);
    r.rows = row[5] ? std::strtod(row[5]->c_str(), nullptr) : -1;
    if (r.filenode != 0 && r.tablespace == 0) {
      r.bytes = MainForkBytes(pgdata, ToInt(row[6]), r.filenode);
    }
    out.emplace(ToInt(row[0]), std::move(r));
  }
  return out;
}

}  // namespace spur::rehearse
