// Personal data written into a database's schema rather than its rows: a
// view's text, a function body, a column default, a comment, an index,
// check or policy expression. pg_dump copies these as they are, so masking
// rows cannot reach them; strict masking refuses a sync whose source holds
// any (naming the object), and `mask verify` searches them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "pg/conn.h"

namespace spur::sync {

struct SchemaText {
  std::string object;  // "view public.vip", "comment on public.people.email", ...
  std::string text;
};

// The text of every user object of those kinds (not system schemas, not
// extension members), as the server prints it.
[[nodiscard]] Result<std::vector<SchemaText>> ReadSchemaText(pg::Connection& conn);

// What personal literals `text` holds, as words for messages ("an email
// address", "a phone number", "a card number"); empty when none. Emails:
// local@domain.tld; phone numbers: '+' then at least 8 digits with spaces,
// dashes, dots or parentheses; card numbers: 13-19 digits (spaces or dashes
// between) passing the Luhn check. Never returns the literal itself.
std::vector<std::string> PersonalLiterals(std::string_view text);

}  // namespace spur::sync
