// A migration script split into the statements `spur rehearse` runs one by
// one: the statements psql would send for the same file, found by a one-pass
// scanner that follows psql's lexer (src/fe_utils/psqlscan.l). Bytes in,
// statements out: no files, no server. Pure and thread-safe.
//
// What the scanner knows, as psql does (standard_conforming_strings on):
//   'text' with '' for a quote; B'..', X'..', N'..' and U&'..' the same;
//   E'text' where a backslash escapes the next byte, continued by another
//     '..' after whitespace holding a newline (E'a' <newline> 'b\'c' is one
//     string);
//   "identifier" and U&"identifier" with "" for a quote;
//   $tag$text$tag$ where tag is empty or letters, digits and _ (bytes >= 0x80
//     count as letters) not starting with a digit; $1 is a parameter, and a
//     $ inside a word (a$b$c) starts no quote;
//   -- comments to the end of the line (\n or \r), /* comments */ that nest;
//   parentheses: a ';' inside them ends no statement;
//   a body BEGIN [ATOMIC] ... END: in a statement whose first words are
//     CREATE [OR REPLACE] FUNCTION|PROCEDURE, BEGIN and, inside it, CASE
//     open a level that END closes (outside parentheses, whole words, any
//     case), and a ';' inside a level ends no statement.
// A ';' anywhere else ends a statement. Like psql, a '(' or BEGIN never
// closed keeps the rest of the script in the last statement, for the
// server to judge. A UTF-8 byte order mark at the very start is skipped.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace spur::rehearse {

struct Statement {
  // As written, from its first token to the end of its last one: no
  // terminating ';', no comments or whitespace before or after it (comments
  // inside kept). Never empty.
  std::string text;
  size_t line = 0;  // 1-based line of its first byte (lines end at \n)
};

inline constexpr size_t kDefaultMaxStatements = 10000;

// The statements of `script`, in order. A statement with no token (";;",
// only whitespace or comments) is skipped; text after the last ';' is the
// last statement.
//
// InvalidArgument, with one line "line N: <what>; <what to do>", for the
// first of:
//   a NUL byte (N is its line);
//   a quoted string, quoted identifier, dollar-quoted string or /* comment
//     not closed by the end of the script (N is where it opens);
//   a psql meta-command: a backslash outside quotes and comments (\set,
//     \copy, \i, \gset, \; ...), wherever it is on its line, as psql reads
//     one; spur runs plain SQL;
//   COPY ... FROM STDIN (N is the COPY's line): the rows that follow it are
//     psql's input, not SQL;
//   more than `max_statements` statements (N is where the first one too
//     many begins).
[[nodiscard]] Result<std::vector<Statement>> SplitScript(
    std::string_view script, size_t max_statements = kDefaultMaxStatements);

}  // namespace spur::rehearse
