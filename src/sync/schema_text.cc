#include "sync/schema_text.h"

namespace spur::sync {
namespace {

// Schema text of user objects: view and function bodies, defaults,
// comments on relations, columns and functions, index definitions, check
// constraints, policies.
constexpr const char* kSchemaTextSql = R"(
  WITH user_ns AS (
    SELECT oid FROM pg_namespace
    WHERE nspname <> 'information_schema' AND nspname NOT LIKE 'pg\_%'),
  not_ext AS (SELECT objid FROM pg_depend WHERE deptype = 'e')
  SELECT 'view ' || c.oid::regclass::text, pg_get_viewdef(c.oid)
    FROM pg_class c WHERE c.relkind IN ('v', 'm') AND c.relnamespace IN (SELECT oid FROM user_ns)
     AND c.oid NOT IN (SELECT objid FROM not_ext)
  UNION ALL
  SELECT 'function ' || p.oid::regprocedure::text, p.prosrc
    FROM pg_proc p WHERE p.pronamespace IN (SELECT oid FROM user_ns)
     AND p.oid NOT IN (SELECT objid FROM not_ext)
  UNION ALL
  SELECT 'default of ' || d.adrelid::regclass::text || '.' || a.attname,
         pg_get_expr(d.adbin, d.adrelid)
    FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
    JOIN pg_class c ON c.oid = d.adrelid WHERE c.relnamespace IN (SELECT oid FROM user_ns)
     AND NOT c.relispartition  -- a partition repeats its parent's default
  UNION ALL
  SELECT 'comment on ' || c.oid::regclass::text ||
           CASE WHEN d.objsubid > 0 THEN '.' || a.attname ELSE '' END, d.description
    FROM pg_description d JOIN pg_class c ON d.classoid = 'pg_class'::regclass AND c.oid = d.objoid
    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
   WHERE c.relnamespace IN (SELECT oid FROM user_ns)
  UNION ALL
  SELECT 'comment on function ' || p.oid::regprocedure::text, d.description
    FROM pg_description d JOIN pg_proc p ON d.classoid = 'pg_proc'::regclass AND p.oid = d.objoid
   WHERE p.pronamespace IN (SELECT oid FROM user_ns)
  UNION ALL
  SELECT 'index ' || i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
   WHERE c.relnamespace IN (SELECT oid FROM user_ns)
  UNION ALL
  SELECT 'constraint ' || con.conname || ' on ' || con.conrelid::regclass::text,
         pg_get_constraintdef(con.oid)
    FROM pg_constraint con WHERE con.contype = 'c' AND con.conrelid <> 0
     AND con.connamespace IN (SELECT oid FROM user_ns)
  UNION ALL
  SELECT 'policy ' || pol.polname || ' on ' || pol.polrelid::regclass::text,
         coalesce(pg_get_expr(pol.polqual, pol.polrelid), '') || ' ' ||
         coalesce(pg_get_expr(pol.polwithcheck, pol.polrelid), '')
    FROM pg_policy pol)";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsLocalChar(char c) {
  return IsAlpha(c) || IsDigit(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
bool IsDomainChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '.' || c == '-'; }

bool HasEmail(std::string_view t) {
  for (size_t at = t.find('@'); at != std::string_view::npos; at = t.find('@', at + 1)) {
    if (at == 0 || !IsLocalChar(t[at - 1])) continue;
    size_t end = at + 1;
    while (end < t.size() && IsDomainChar(t[end])) ++end;
    const std::string_view domain = t.substr(at + 1, end - at - 1);
    const size_t dot = domain.rfind('.');
    if (dot == std::string_view::npos || dot == 0) continue;
    size_t letters = 0;
    for (char c : domain.substr(dot + 1)) letters += IsAlpha(c) ? 1 : 0;
    if (letters >= 2 && letters == domain.size() - dot - 1) return true;
  }
  return false;
}

bool HasPhone(std::string_view t) {
  for (size_t plus = t.find('+'); plus != std::string_view::npos; plus = t.find('+', plus + 1)) {
    size_t digits = 0, i = plus + 1;
    if (i >= t.size() || !IsDigit(t[i])) continue;
    for (; i < t.size(); ++i) {
      const char c = t[i];
      if (IsDigit(c)) {
        ++digits;
      } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
        break;
      }
    }
    if (digits >= 8) return true;
  }
  return false;
}

bool Luhn(const std::string& digits) {
  int sum = 0;
  bool doubled = false;
  for (size_t i = digits.size(); i-- > 0;) {
    int d = digits[i] - '0';
    if (doubled) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    doubled = !doubled;
  }
  return sum % 10 == 0;
}

bool HasCard(std::string_view t) {
  for (size_t i = 0; i < t.size(); ++i) {
    if (!IsDigit(t[i]) || (i > 0 && (IsDigit(t[i - 1]) || IsAlpha(t[i - 1])))) continue;
    std::string digits;
    size_t j = i;
    for (; j < t.size() && digits.size() < 20; ++j) {
      if (IsDigit(t[j])) {
        digits += t[j];
      } else if ((t[j] != ' ' && t[j] != '-') || j + 1 >= t.size() || !IsDigit(t[j + 1])) {
        break;
      }
    }
    const bool ends = j >= t.size() || (!IsDigit(t[j]) && !IsAlpha(t[j]));
    if (ends && digits.size() >= 13 && digits.size() <= 19 && Luhn(digits)) return true;
  }
  return false;
}

}  // namespace

Result<std::vector<SchemaText>> ReadSchemaText(pg::Connection& conn) {
  ASSIGN_OR_RETURN(auto rows, conn.Query(kSchemaTextSql));
  std::vector<SchemaText> out;
  for (const pg::Row& r : rows) {
    if (r[0] && r[1]) out.push_back({*r[0], *r[1]});
  }
  return out;
}

std::vector<std::string> PersonalLiterals(std::string_view text) {
  std::vector<std::string> out;
  if (HasEmail(text)) out.push_back("an email address");
  if (HasPhone(text)) out.push_back("a phone number");
  if (HasCard(text)) out.push_back("a card number");
  return out;
}

}  // namespace spur::sync
