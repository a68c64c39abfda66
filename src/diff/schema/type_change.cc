#include "diff/schema/type_change.h"

#include <array>
#include <string_view>
#include <vector>

namespace spur::diff::schema {
namespace {

struct Parsed {
  std::string base;             // "character varying", "numeric"
  std::vector<long> modifiers;  // (10), (12,2)
  bool array = false;
};

Parsed Parse(std::string t) {
  Parsed p;
  if (t.size() > 2 && t.compare(t.size() - 2, 2, "[]") == 0) {
    p.array = true;
    t.resize(t.size() - 2);
  }
  size_t open = t.find('(');
  if (open == std::string::npos) {
    p.base = t;
    return p;
  }
  p.base = t.substr(0, open);
  size_t close = t.find(')', open);
  std::string mods =
      t.substr(open + 1, close == std::string::npos ? std::string::npos : close - open - 1);
  size_t start = 0;
  while (start <= mods.size()) {
    size_t comma = mods.find(',', start);
    std::string part =
        mods.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    try {
      p.modifiers.push_back(std::stol(part));
    } catch (...) {
      p.modifiers.push_back(-1);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (close != std::string::npos) p.base += t.substr(close + 1);  // "timestamp(3) with time zone"
  return p;
}

bool IsVarlenText(const std::string& base) { return base == "text" || base == "character varying"; }

// Same base type with a wider (or no) length / precision.
bool Widened(const Parsed& f, const Parsed& t) {
  if (f.base != t.base || f.array != t.array) return false;
  if (t.modifiers.empty()) return f.base != "character" && f.base != "bit";
  if (f.modifiers.empty()) return false;
  if (f.base == "numeric") {
    return f.modifiers.size() == 2 && t.modifiers.size() == 2 && t.modifiers[1] == f.modifiers[1] &&
           t.modifiers[0] >= f.modifiers[0];
  }
  if (f.base == "character varying" || f.base == "bit varying") {
    return t.modifiers[0] >= f.modifiers[0];
  }
  return false;
}

int IntegerRank(const std::string& base) {
  if (base == "smallint") return 1;
  if (base == "integer") return 2;
  if (base == "bigint") return 3;
  return 0;
}

}  // namespace

bool TypeChangeRewrites(const std::string& from, const std::string& to) {
  if (from == to) return false;
  Parsed f = Parse(from), t = Parse(to);
  if (Widened(f, t)) return false;
  if (f.array == t.array && IsVarlenText(f.base) && IsVarlenText(t.base) &&
      (t.base == "text" || t.modifiers.empty())) {
    return false;  // varchar(n) / varchar -> text or varchar
  }
  if (f.base == "cidr" && t.base == "inet" && f.array == t.array) return false;
  return true;
}

bool TypeChangeMayLoseData(const std::string& from, const std::string& to) {
  if (!TypeChangeRewrites(from, to)) return false;
  Parsed f = Parse(from), t = Parse(to);
  if (f.array != t.array) return true;
  if (t.base == "text") return false;
  int fi = IntegerRank(f.base), ti = IntegerRank(t.base);
  if (fi > 0 && ti >= fi) return false;
  if (fi > 0 && t.base == "numeric" && t.modifiers.empty()) return false;
  if (f.base == "real" && t.base == "double precision") return false;
  if (f.base == "numeric" && t.base == "numeric" && f.modifiers.size() == 2) {
    if (t.modifiers.empty()) return false;
    // Room for as many digits before and after the point.
    return !(t.modifiers.size() == 2 && t.modifiers[1] >= f.modifiers[1] &&
             t.modifiers[0] - t.modifiers[1] >= f.modifiers[0] - f.modifiers[1]);
  }
  return true;
}

bool LooksVolatile(const std::string& expression) {
  static constexpr std::array<std::string_view, 9> kVolatile = {
      "nextval(",   "random(",       "gen_random_uuid(",    "uuid_generate_", "clock_timestamp(",
      "timeofday(", "txid_current(", "pg_current_xact_id(", "setval("};
  for (std::string_view f : kVolatile) {
    if (expression.find(f) != std::string::npos) return true;
  }
  return false;
}

}  // namespace spur::diff::schema
