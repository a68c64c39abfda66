// PostgreSQL COPY text format (the default of COPY ... TO STDOUT), one row at
// a time: bytes in, fields out, and back. Pure functions, no sockets; safe to
// call from any thread.
//
// A row is the fields separated by a tab and ended by '\n'. A field is "\N"
// for NULL; otherwise its bytes with backslash escapes: \b \f \n \r \t \v for
// those control characters, \\ for a backslash, \NNN (1 to 3 octal digits)
// and \xHH (1 or 2 hex digits) for any byte, and a backslash before any other
// byte (including a real tab) for that byte itself. COPY TO writes only the
// named escapes and \\; it never writes octal, hex or escaped tabs, but rows
// using them are read the way the server reads them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace spur::pg::copy_text {

// The raw field that stands for NULL.
inline constexpr std::string_view kNull = "\\N";

// Splits one row, as PQgetCopyData returns it (ending in '\n'), into its raw
// (still escaped) fields, which point into `row`. Replaces the contents of
// `fields`. A tab that follows an escaping backslash belongs to its field.
// InvalidArgument when the row does not end in '\n' or ends in an unfinished
// escape (a lone backslash before the '\n').
[[nodiscard]] Status SplitRow(std::string_view row, std::vector<std::string_view>& fields);

// True when the raw field is NULL ("\N"); "\\N" and "N" are not.
inline bool IsNull(std::string_view raw) { return raw == kNull; }

// Appends the value a raw (non-NULL) field stands for to `out`. Octal and
// hex escapes give single bytes (above \377 wraps like the server: & 0377);
// "\x" without a hex digit is the letter x; a lone trailing backslash is
// dropped, as the server does.
void Unescape(std::string_view raw, std::string& out);

// Appends `value` escaped as a raw field to `out`: backslash, '\n', '\r',
// '\t', '\b', '\f', '\v' become \\ \n \r \t \b \f \v; every other byte is
// copied. Unescape(Escape(v)) == v for every byte string v. Never produces
// "\N" (a value "\N" is written "\\N").
void Escape(std::string_view value, std::string& out);

}  // namespace spur::pg::copy_text
