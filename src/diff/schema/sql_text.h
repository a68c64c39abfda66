// Spelling names and values in SQL the way postgres prints them: QuoteIdent
// matches quote_ident() (PostgreSQL 15 keyword list), QuoteLiteral matches
// quote_literal(). Pure functions.
#pragma once

#include <string>
#include <string_view>

namespace spur::diff::schema {

// `name` bare when it is a lower-case identifier and no reserved word, else in
// double quotes with inner quotes doubled.
std::string QuoteIdent(std::string_view name);
// QuoteIdent(schema) + "." + QuoteIdent(name).
std::string Qualified(std::string_view schema, std::string_view name);
// 'value' with quotes doubled; E'...' with backslashes doubled when it has any.
std::string QuoteLiteral(std::string_view value);
// Returns `name` cut so that name + suffix fits in NAMEDATALEN-1 (63) bytes,
// then the suffix: a derived name postgres will not truncate.
std::string DerivedName(std::string_view name, std::string_view suffix);

}  // namespace spur::diff::schema
