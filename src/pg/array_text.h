// PostgreSQL's text form of arrays (what array_out writes and COPY carries):
// "{a,b,NULL,\"c d\"}", nested "{{1,2},{3,4}}", and a leading dimension
// decoration "[0:1]={...}" when a lower bound is not 1. Pure functions, no
// sockets; safe to call from any thread.
//
// Elements are quoted ("...", with \" and \\) or unquoted; an unquoted NULL
// (any case) is SQL NULL. Reading also accepts what array_in accepts and
// array_out never writes: whitespace around elements and braces, backslash
// escapes in unquoted elements. The delimiter is ',' (every type but box).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace spur::pg::array_text {

// PostgreSQL's limit on array dimensions (MAXDIM); deeper nesting is refused.
inline constexpr int kMaxDimensions = 6;

// Replaces one element: `in` is its value (nullopt = NULL); the callee
// writes the new value to `out` and sets `out_null`.
using ElementFn =
    std::function<Status(std::optional<std::string_view> in, std::string& out, bool& out_null)>;

// Rewrites every element of the array literal `literal` through `fn`, in
// order, keeping the braces, the nesting and the dimension decoration, and
// writes the result (elements quoted where array_in needs it) to `out`.
// InvalidArgument when `literal` is not an array literal (unbalanced braces,
// an unfinished quote, text after the closing brace, more than
// kMaxDimensions levels); the message never contains an element. An error
// from `fn` is returned as is. `out` is unspecified after an error.
[[nodiscard]] Status Rewrite(std::string_view literal, const ElementFn& fn, std::string& out);

// Every element of `literal`, in order (nullopt for NULL). Same errors as
// Rewrite.
[[nodiscard]] Result<std::vector<std::optional<std::string>>> Elements(std::string_view literal);

// Appends `value` as an array element: quoted when it is empty, is "NULL"
// in any case, or holds a brace, comma, quote, backslash or whitespace.
void AppendElement(std::string_view value, std::string& out);

}  // namespace spur::pg::array_text
