// Internal to http/: the RFC 9110/9112 lexical pieces shared by the request
// and response codecs. Pure functions.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace spur::http {

std::string ToLower(std::string_view text);
// Strips spaces and horizontal tabs at both ends.
std::string_view TrimWhitespace(std::string_view text);

// A token: one or more of A-Z a-z 0-9 ! # $ % & ' * + - . ^ _ ` | ~.
bool IsToken(std::string_view text);
// A header value that can be written as is: no CR, LF or NUL.
bool IsFieldValue(std::string_view text);

// Looks for the blank line that ends a header block in `buffer` (CRLF or bare
// LF line ends). `*scanned` is where the previous call stopped looking and is
// advanced. Returns the offset just past the blank line, or nullopt.
std::optional<size_t> FindHeaderEnd(std::string_view buffer, size_t* scanned);

// Splits a header block (start line, field lines, blank line) into the start
// line and fields with lower-cased names; repeated names are joined with ", "
// except Content-Length, whose values are joined with "\n" so that callers
// can spot repeats. Returns an error message for a malformed block.
std::optional<std::string> SplitHeaderBlock(std::string_view block, std::string_view* start_line,
                                            std::map<std::string, std::string>* fields);

// Parses a Content-Length value: decimal digits only. Values too large for
// size_t saturate at SIZE_MAX. nullopt for anything else (including repeats).
std::optional<size_t> ParseContentLength(std::string_view value);

}  // namespace spur::http
