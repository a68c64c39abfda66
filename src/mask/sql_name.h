// Table and column names as mask.yaml writes them, read the way PostgreSQL
// reads identifiers: unquoted words fold to lower case (ASCII only), "double
// quoted" ones keep their exact spelling ("" inside stands for one quote).
// Pure functions.
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "common/status.h"

namespace spur::mask {

// A schema-qualified table name as the catalog spells it (no quotes).
struct TableRef {
  std::string schema;
  std::string name;

  auto operator<=>(const TableRef&) const = default;
  bool operator==(const TableRef&) const = default;
  // "public.users"; parts that need it quoted: "public.\"My Table\"".
  std::string ToString() const;
};

// "users" -> public.users; "sales.orders"; "\"My Schema\".\"Order\"". InvalidArgument
// (saying how to write it) for empty parts, more than two parts, stray or
// unbalanced quotes, or unquoted parts that are not plain identifiers
// ([A-Za-z_] then [A-Za-z0-9_$]; bytes >= 0x80 count as letters).
[[nodiscard]] Result<TableRef> ParseTableName(std::string_view text);

// One identifier, same rules, no dots outside quotes.
[[nodiscard]] Result<std::string> ParseColumnName(std::string_view text);

// `name` as written in SQL: unchanged when it is a plain lower-case
// identifier, otherwise in double quotes with quotes doubled. Keywords are
// not quoted (unlike quote_ident): this is for messages and fingerprints.
std::string QuoteIdent(std::string_view name);

}  // namespace spur::mask
