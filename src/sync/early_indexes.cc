#include "sync/early_indexes.h"

namespace spur::sync {
namespace {

bool Plain(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

// Primary keys, unique and exclusion constraints, then indexes no
// constraint owns; only on plain tables outside any partition tree.
constexpr const char* kDefinitions = R"sql(
SELECT 'c', n.nspname, c.relname, con.conname,
       format('ALTER TABLE ONLY %I.%I ADD CONSTRAINT %I %s', n.nspname, c.relname, con.conname,
              pg_get_constraintdef(con.oid))
FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE con.contype IN ('p', 'u', 'x') AND c.relkind = 'r' AND NOT c.relispartition
  AND con.conparentid = 0 AND c.oid = ANY($1::oid[])
UNION ALL
SELECT 'i', n.nspname, c.relname, ic.relname, pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND NOT c.relispartition AND NOT ic.relispartition
  AND c.oid = ANY($1::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid
                  AND con.contype IN ('p', 'u', 'x'))
ORDER BY 1, 2, 3, 4
)sql";

}  // namespace

Result<EarlyIndexes> PlanEarlyIndexes(pg::Connection& source, const pg::Schema& schema) {
  std::string oids = "{";
  for (const auto& t : schema.tables) {
    if (!t.leaf() || t.partition_of) continue;
    if (oids.size() > 1) oids += ",";
    oids += std::to_string(t.oid);
  }
  oids += "}";
  EarlyIndexes out;
  ASSIGN_OR_RETURN(auto rows, source.Query(kDefinitions, {oids}));
  for (const auto& r : rows) {
    const std::string &kind = *r[0], &nsp = *r[1], &table = *r[2], &name = *r[3];
    if (!Plain(nsp) || !Plain(table) || !Plain(name)) continue;
    out.statements[nsp + "." + table].push_back(*r[4]);
    out.skip[nsp + "." + table].push_back(
        kind == "c" ? "CONSTRAINT " + nsp + " " + table + " " + name : "INDEX " + nsp + " " + name);
  }
  return out;
}

std::string FilterRestoreList(const std::string& list, const std::set<std::string>& skip) {
  std::string out;
  size_t pos = 0;
  while (pos < list.size()) {
    size_t nl = list.find('\n', pos);
    std::string line = list.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? list.size() : nl + 1;
    // "3200; 2606 16401 CONSTRAINT public customers customers_pkey owner"
    bool drop = false;
    if (!line.empty() && line[0] != ';') {
      for (const char* kind : {" CONSTRAINT ", " INDEX "}) {
        size_t at = line.find(kind);
        if (at == std::string::npos || line.compare(at - 3, 3, " FK") == 0) continue;
        std::string rest = line.substr(at + 1);
        for (const auto& s : skip) {
          if (rest.compare(0, s.size(), s) == 0 &&
              (rest.size() == s.size() || rest[s.size()] == ' ')) {
            drop = true;
          }
        }
      }
    }
    out += (drop ? ";" : "") + line + "\n";
  }
  return out;
}

}  // namespace spur::sync
