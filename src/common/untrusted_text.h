// Text that comes from outside (request paths, bodies, flags, payloads):
// checking that it is UTF-8, and echoing it into error messages safely.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace spur {

// Length of the well-formed UTF-8 sequence starting at text[i] (RFC 3629
// table 3.9: no overlongs, surrogates or code points above U+10FFFF), or 0
// when the bytes there are not one. `i` must be < text.size().
size_t Utf8SequenceLength(std::string_view text, size_t i);

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code
// points above U+10FFFF). NUL bytes are valid UTF-8 and allowed here.
bool IsValidUtf8(std::string_view text);

// Offset of the first byte that is not part of well-formed UTF-8 in `text`
// (same rules as IsValidUtf8), or npos when there is none: for errors that
// name where a file read from outside (mask.yaml, .spur.yaml) goes wrong.
size_t InvalidUtf8At(std::string_view text);

// Offset of the first ASCII control character (below 0x20, or 0x7f) in `text`
// that is not one of `allowed`, or npos when there is none: for names and
// values read from files that must round-trip and print on one line.
size_t ControlCharAt(std::string_view text, std::string_view allowed = {});

// A configuration file read from outside (mask.yaml, subset.yaml, .spur.yaml)
// before a parser sees it: OK when it is well-formed UTF-8 with no control
// characters but tab, newline and carriage return; otherwise InvalidArgument
// "<name> is not valid UTF-8 (byte N)..." or "<name> holds a control
// character (byte N)...". yaml-cpp turns a NUL into bytes that are not UTF-8,
// so this must run before it.
[[nodiscard]] Status CheckTextFile(std::string_view name, std::string_view text);

// `input` in double quotes, safe to put into a one-line error message: at
// most `max_chars` bytes of it (then "..."), control characters, quotes,
// backslashes and bytes that are not UTF-8 written as escapes (\n, \", \\,
// \xNN). The result is always valid UTF-8 with no control characters. Every
// message that echoes outside input uses this.
std::string Quote(std::string_view input, size_t max_chars = 80);

// `text` with every byte that is not part of valid UTF-8 written as \xNN and
// every other character kept (newlines too): makes any message serializable
// as JSON.
std::string ValidUtf8(std::string_view text);

}  // namespace spur
