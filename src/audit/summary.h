// Bounded summaries of what an audit record says about a request. A record
// never holds a request body: only its size, its SHA-256 and a summary that
// is small by construction, with secrets left out. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace spur::audit {

struct SummaryLimits {
  size_t max_string = 96;   // bytes of a string (and of a key) kept; longer ones end in "…"
  size_t max_entries = 16;  // entries of an object or array; then one "…": "+N more" entry
  int max_depth = 3;        // containers nested deeper become "{N keys}" / "[N items]"
  size_t budget = 2048;     // about this many bytes of keys and strings in all; then "+N more"
};

// Limits of what List shows: wider than what requests are summarized to, so a
// summary written by this version reads back unchanged.
inline constexpr SummaryLimits kReadLimits{256, 40, 5, 8192};

// A copy of `v` within `limits`. The value of every key that names a secret
// (password, secret, token, credential, in any case and at any depth) is
// "(redacted)". Strings are cut on a UTF-8 boundary. Never throws; the
// recursion is bounded by max_depth, not by the input.
nlohmann::json Summarize(const nlohmann::json& v, const SummaryLimits& limits = {});

// Whether `key` names a secret whose value an audit record must not hold.
bool IsSecretKey(std::string_view key);

// `s` cut to at most `max` bytes on a UTF-8 boundary, with "…" appended when cut.
std::string Truncate(std::string_view s, size_t max);

// What the audit record of a request holds: Summarize(body) when the body is
// an object (anything else under "body"), `extra` (query and path parameters,
// summarized alike), and "body_bytes" and "body_sha256" of `raw_body` (of the
// compact JSON of `body` when `raw_body` is empty). Bounded whatever the input.
nlohmann::json RequestDetail(const nlohmann::json& body, std::string_view raw_body,
                             const std::map<std::string, std::string>& extra);

}  // namespace spur::audit
