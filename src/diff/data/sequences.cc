#include "diff/data/sequences.h"

#include <algorithm>
#include <map>

namespace spur::diff::data {
namespace {

constexpr size_t kPerQuery = 200;

// User sequences, with the table that owns each: 'a' (OWNED BY, serial) or
// 'i' (identity) dependencies on a table.
constexpr const char* kSequencesSql = R"(
  SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), n.nspname || '.' || c.relname,
         coalesce((SELECT quote_ident(tn.nspname) || '.' || quote_ident(t.relname)
                     FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
                     JOIN pg_namespace tn ON tn.oid = t.relnamespace
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                      AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                    LIMIT 1), '')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'S'
    AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
    AND NOT EXISTS (SELECT 1 FROM pg_depend e
                    WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid
                      AND e.deptype = 'e')
  ORDER BY 1)";

}  // namespace

Result<std::vector<SequenceState>> ReadSequences(pg::Connection& conn) {
  ASSIGN_OR_RETURN(auto rows, conn.Query(kSequencesSql));
  std::vector<SequenceState> out;
  for (const auto& r : rows) {
    if (!r[0] || !r[1] || !r[2]) return Internal("sequence list: unexpected NULL");
    out.push_back({*r[0], *r[1], *r[2], "", false});
  }
  for (size_t i = 0; i < out.size(); i += kPerQuery) {
    const size_t n = std::min(kPerQuery, out.size() - i);
    std::string sql;
    for (size_t j = i; j < i + n; ++j) {
      sql += (sql.empty() ? "" : " UNION ALL ") + std::string("SELECT ") + std::to_string(j) +
             ", last_value::text, is_called FROM " + out[j].qualified;
    }
    ASSIGN_OR_RETURN(auto values, conn.Query(sql));
    for (const auto& v : values) {
      if (!v[0] || !v[1] || !v[2]) return Internal("sequence values: unexpected NULL");
      SequenceState& s = out[std::stoul(*v[0])];
      s.last_value = *v[1];
      s.is_called = *v[2] == "t";
    }
  }
  return out;
}

std::vector<SequenceChange> DiffSequences(const std::vector<SequenceState>& from,
                                          const std::vector<SequenceState>& to,
                                          const std::vector<std::string>& owners) {
  std::map<std::string, const SequenceState*> before;
  for (const auto& s : from) before[s.qualified] = &s;
  std::vector<SequenceChange> out;
  for (const auto& s : to) {
    if (!owners.empty() && std::find(owners.begin(), owners.end(), s.owner) == owners.end()) {
      continue;
    }
    auto it = before.find(s.qualified);
    if (it == before.end()) {
      out.push_back({std::nullopt, s});
    } else if (it->second->last_value != s.last_value || it->second->is_called != s.is_called) {
      out.push_back({*it->second, s});
    }
  }
  return out;
}

}  // namespace spur::diff::data
