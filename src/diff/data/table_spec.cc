#include "diff/data/table_spec.h"

#include <algorithm>
#include <charconv>
#include <map>

namespace spur::diff::data {
namespace {

bool IsInteger(const std::string& base_type) {
  return base_type == "int2" || base_type == "int4" || base_type == "int8";
}

std::string Display(const pg::Table& t) { return t.schema + "." + t.name; }

const pg::Column* FindColumn(const pg::Table& t, const std::string& name) {
  for (const auto& c : t.columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// A key both sides have with the same columns, all NOT NULL on both (a
// primary key always is). Primary key first, as ReadSchema lists them.
std::optional<pg::Key> CommonKey(const pg::Table& from, const pg::Table& to) {
  for (const auto& k : to.keys) {
    bool ok = std::any_of(from.keys.begin(), from.keys.end(),
                          [&](const pg::Key& f) { return f.columns == k.columns; });
    for (const auto& col : k.columns) {
      const pg::Column* a = FindColumn(from, col);
      const pg::Column* b = FindColumn(to, col);
      if (!a || !b || !a->not_null || !b->not_null) ok = false;
    }
    if (ok) return k;
  }
  return std::nullopt;
}

TableSpec Pair(const pg::Table& from, const pg::Table& to) {
  TableSpec s;
  s.qualified = to.qualified;
  s.display = Display(to);
  std::map<std::string, Ordering> order;
  for (const auto& c : to.columns) {
    const pg::Column* f = FindColumn(from, c.name);
    if (!f) {
      s.only_to.push_back(c.name);
      // An ALWAYS identity column added on the branch: the script's ADD
      // COLUMN numbers the rows itself, and UPDATE cannot set it.
      if (c.generated || c.missing_unreadable || c.identity_always) {
        s.not_compared.push_back(c.name);
        continue;
      }
    }
    s.columns.push_back(c.name);
    s.generated.push_back(c.generated);
    s.branch_only.push_back(f == nullptr);
    s.fill.push_back(f ? Value() : c.missing_value);
    order[c.name] = f && IsInteger(c.base_type) && IsInteger(f->base_type) ? Ordering::kInteger
                                                                           : Ordering::kText;
  }
  for (const auto& c : from.columns) {
    if (!FindColumn(to, c.name)) {
      s.only_from.push_back(c.name);
      s.not_compared.push_back(c.name);
    }
  }
  if (auto k = CommonKey(from, to)) {
    for (const auto& col : k->columns) {
      auto it = std::find(s.columns.begin(), s.columns.end(), col);
      s.key.push_back(static_cast<size_t>(it - s.columns.begin()));
      s.ordering.push_back(order[col]);
    }
    s.matched_by =
        std::string(k->primary ? "primary key" : "unique") + " (" + Join(k->columns) + ")";
    s.match = s.key;
  } else {
    for (size_t i = 0; i < s.columns.size(); ++i) {
      s.ordering.push_back(order[s.columns[i]]);
      s.match.push_back(i);
    }
    s.matched_by = "whole row";
  }
  return s;
}

int CompareInteger(const std::string& a, const std::string& b) {
  int64_t x = 0, y = 0;
  std::from_chars(a.data(), a.data() + a.size(), x);
  std::from_chars(b.data(), b.data() + b.size(), y);
  return x < y ? -1 : (x > y ? 1 : 0);
}

int Compare(Ordering o, const Value& a, const Value& b) {
  if (!a || !b) return a ? -1 : (b ? 1 : 0);  // NULLs last
  if (o == Ordering::kInteger) return CompareInteger(*a, *b);
  return a->compare(*b) < 0 ? -1 : (*a == *b ? 0 : 1);
}

}  // namespace

Result<std::vector<TableSpec>> PairTables(const pg::Schema& from, const pg::Schema& to,
                                          const std::vector<std::string>& only,
                                          std::vector<std::string>& one_side) {
  // "schema.table", or a bare name for public.
  auto names = [](const std::string& n, const pg::Table& t) {
    return n == Display(t) || (t.schema == "public" && n == t.name);
  };
  auto wanted = [&](const pg::Table& t) {
    return only.empty() ||
           std::any_of(only.begin(), only.end(), [&](const std::string& n) { return names(n, t); });
  };
  for (const auto& n : only) {
    auto on = [&](const pg::Schema& s) {
      return std::any_of(s.tables.begin(), s.tables.end(),
                         [&](const pg::Table& t) { return names(n, t); });
    };
    if (!on(from) && !on(to)) {
      return InvalidArgument("table \"" + n + "\" is on neither side; check --tables");
    }
  }
  std::vector<TableSpec> out;
  for (const auto& t : to.tables) {
    if (!t.leaf() || !wanted(t)) continue;
    const pg::Table* f = from.Find(t.qualified);
    if (!f || !f->leaf()) {
      one_side.push_back(Display(t) + " (only on the branch)");
      out.push_back(Pair(t, t));
      out.back().presence = Presence::kOnlyTo;
      continue;
    }
    out.push_back(Pair(*f, t));
  }
  for (const auto& t : from.tables) {
    if (!t.leaf() || !wanted(t)) continue;
    const pg::Table* other = to.Find(t.qualified);
    if (!other || !other->leaf()) {
      one_side.push_back(Display(t) + " (only on the other side)");
      out.push_back(Pair(t, t));
      out.back().presence = Presence::kOnlyFrom;
    }
  }
  std::sort(out.begin(), out.end(),
            [](const TableSpec& a, const TableSpec& b) { return a.display < b.display; });
  return out;
}

bool Less(const TableSpec& spec, const Values& a, const Values& b) {
  const auto& cols = spec.match;
  for (size_t i = 0; i < cols.size(); ++i) {
    int c = Compare(spec.ordering[i], a[cols[i]], b[cols[i]]);
    if (c != 0) return c < 0;
  }
  return false;
}

bool SameKey(const TableSpec& spec, const Values& a, const Values& b) {
  for (size_t c : spec.match) {
    if (a[c] != b[c]) return false;
  }
  return true;
}

std::string SqlLiteral(const Value& v) {
  if (!v) return "NULL";
  std::string s = "'";
  for (char ch : *v) s += ch == '\'' ? std::string("''") : std::string(1, ch);
  return s + "'";
}

std::string SelectListSql(const TableSpec& spec, SideRole side) {
  std::string s;
  for (size_t i = 0; i < spec.columns.size(); ++i) {
    s += s.empty() ? "" : ", ";
    if (side == SideRole::kFrom && spec.branch_only[i]) {
      s += SqlLiteral(spec.fill[i]) + "::text";
    } else {
      s += "r." + pg::QuoteIdent(spec.columns[i]) + "::text";
    }
  }
  return s.empty() ? "NULL::text" : s;
}

std::string FromSql(const TableSpec& spec) { return "ONLY " + spec.qualified + " AS r"; }

std::string OrderBySql(const TableSpec& spec, SideRole side) {
  std::string s;
  const auto& cols = spec.match;
  for (size_t i = 0; i < cols.size(); ++i) {
    // The same fill in every row of that side: it orders nothing.
    if (side == SideRole::kFrom && spec.branch_only[cols[i]]) continue;
    const std::string col = "r." + pg::QuoteIdent(spec.columns[cols[i]]);
    s += (s.empty() ? "" : ", ") +
         (spec.ordering[i] == Ordering::kInteger ? col : col + "::text COLLATE \"C\"");
  }
  return s;
}

}  // namespace spur::diff::data
