#include "diff/schema/sql_text.h"

#include <algorithm>
#include <array>

namespace spur::diff::schema {
namespace {

// pg_get_keywords() WHERE catcode <> 'U' on PostgreSQL 15: the words
// quote_ident() quotes. Sorted for binary search.
constexpr std::array<std::string_view, 151> kQuotedKeywords = {"all",
                                                               "analyse",
                                                               "analyze",
                                                               "and",
                                                               "any",
                                                               "array",
                                                               "as",
                                                               "asc",
                                                               "asymmetric",
                                                               "authorization",
                                                               "between",
                                                               "bigint",
                                                               "binary",
                                                               "bit",
                                                               "boolean",
                                                               "both",
                                                               "case",
                                                               "cast",
                                                               "char",
                                                               "character",
                                                               "check",
                                                               "coalesce",
                                                               "collate",
                                                               "collation",
                                                               "column",
                                                               "concurrently",
                                                               "constraint",
                                                               "create",
                                                               "cross",
                                                               "current_catalog",
                                                               "current_date",
                                                               "current_role",
                                                               "current_schema",
                                                               "current_time",
                                                               "current_timestamp",
                                                               "current_user",
                                                               "dec",
                                                               "decimal",
                                                               "default",
                                                               "deferrable",
                                                               "desc",
                                                               "distinct",
                                                               "do",
                                                               "else",
                                                               "end",
                                                               "except",
                                                               "exists",
                                                               "extract",
                                                               "false",
                                                               "fetch",
                                                               "float",
                                                               "for",
                                                               "foreign",
                                                               "freeze",
                                                               "from",
                                                               "full",
                                                               "grant",
                                                               "greatest",
                                                               "group",
                                                               "grouping",
                                                               "having",
                                                               "ilike",
                                                               "in",
                                                               "initially",
                                                               "inner",
                                                               "inout",
                                                               "int",
                                                               "integer",
                                                               "intersect",
                                                               "interval",
                                                               "into",
                                                               "is",
                                                               "isnull",
                                                               "join",
                                                               "lateral",
                                                               "leading",
                                                               "least",
                                                               "left",
                                                               "like",
                                                               "limit",
                                                               "localtime",
                                                               "localtimestamp",
                                                               "national",
                                                               "natural",
                                                               "nchar",
                                                               "none",
                                                               "normalize",
                                                               "not",
                                                               "notnull",
                                                               "null",
                                                               "nullif",
                                                               "numeric",
                                                               "offset",
                                                               "on",
                                                               "only",
                                                               "or",
                                                               "order",
                                                               "out",
                                                               "outer",
                                                               "overlaps",
                                                               "overlay",
                                                               "placing",
                                                               "position",
                                                               "precision",
                                                               "primary",
                                                               "real",
                                                               "references",
                                                               "returning",
                                                               "right",
                                                               "row",
                                                               "select",
                                                               "session_user",
                                                               "setof",
                                                               "similar",
                                                               "smallint",
                                                               "some",
                                                               "substring",
                                                               "symmetric",
                                                               "table",
                                                               "tablesample",
                                                               "then",
                                                               "time",
                                                               "timestamp",
                                                               "to",
                                                               "trailing",
                                                               "treat",
                                                               "trim",
                                                               "true",
                                                               "union",
                                                               "unique",
                                                               "user",
                                                               "using",
                                                               "values",
                                                               "varchar",
                                                               "variadic",
                                                               "verbose",
                                                               "when",
                                                               "where",
                                                               "window",
                                                               "with",
                                                               "xmlattributes",
                                                               "xmlconcat",
                                                               "xmlelement",
                                                               "xmlexists",
                                                               "xmlforest",
                                                               "xmlnamespaces",
                                                               "xmlparse",
                                                               "xmlpi",
                                                               "xmlroot",
                                                               "xmlserialize",
                                                               "xmltable"};

bool SafeBare(std::string_view name) {
  if (name.empty()) return false;
  if (!((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_')) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return !std::binary_search(kQuotedKeywords.begin(), kQuotedKeywords.end(), name);
}

}  // namespace

std::string QuoteIdent(std::string_view name) {
  if (SafeBare(name)) return std::string(name);
  std::string out = "\"";
  for (char c : name) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

std::string Qualified(std::string_view schema, std::string_view name) {
  return QuoteIdent(schema) + "." + QuoteIdent(name);
}

std::string QuoteLiteral(std::string_view value) {
  bool backslash = value.find('\\') != std::string_view::npos;
  std::string out = backslash ? "E'" : "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += c;
    out += c;
  }
  return out + "'";
}

std::string DerivedName(std::string_view name, std::string_view suffix) {
  constexpr size_t kMaxName = 63;
  size_t keep = suffix.size() >= kMaxName ? 0 : kMaxName - suffix.size();
  if (name.size() > keep) {
    // Do not cut a UTF-8 sequence in half.
    while (keep > 0 && (static_cast<unsigned char>(name[keep]) & 0xC0) == 0x80) --keep;
    name = name.substr(0, keep);
  }
  return std::string(name) + std::string(suffix);
}

}  // namespace spur::diff::schema
