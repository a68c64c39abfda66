// The one parser for JSON that comes from outside: API request bodies,
// webhook payloads, a server's replies to the CLI. nlohmann's parser and the
// values it builds recurse per nesting level, so a body of 100,000 '['
// would overflow the stack; this bounds size and depth with a linear scan
// BEFORE parsing, and refuses duplicate object keys (which parsers resolve
// differently, so a signature or a check could see another value than the
// code that acts on it).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/status.h"

namespace spur {

struct JsonLimits {
  size_t max_bytes = size_t{10} << 20;  // the HTTP server's body limit
  int max_depth = 64;                   // arrays and objects inside each other
};

// Parses `text` as one JSON value. InvalidArgument (one line, naming `what`,
// e.g. "request body") when it is larger than `limits.max_bytes`, nests
// deeper than `limits.max_depth`, is not valid JSON (including strings that
// are not UTF-8) or repeats a key within one object. Never throws; memory
// and stack use are bounded by the limits.
Result<nlohmann::json> ParseUntrustedJson(std::string_view text, std::string_view what,
                                          const JsonLimits& limits = {});

// The deepest nesting of arrays/objects in `text`, counted outside strings,
// stopping early once it exceeds `stop_after`. Linear, no recursion; does
// not validate anything else.
int JsonNestingDepth(std::string_view text, int stop_after);

}  // namespace spur
