#include "mask/transform_internal.h"

#include <charconv>
#include <string>

namespace spur::mask::internal {
namespace {

// N from "...(N)" at the end of `s`, or 0.
size_t ParenthesisedLength(std::string_view s) {
  const size_t open = s.rfind('(');
  if (open == std::string_view::npos || !s.ends_with(")")) return 0;
  size_t n = 0;
  const char* begin = s.data() + open + 1;
  const char* end = s.data() + s.size() - 1;
  auto [ptr, ec] = std::from_chars(begin, end, n);
  return ec == std::errc() && ptr == end ? n : 0;
}

bool IsKnownOtherType(std::string_view t) {
  constexpr std::string_view kExact[] = {"boolean",  "bytea",   "inet",   "cidr",    "macaddr",
                                         "macaddr8", "money",   "oid",    "point",   "line",
                                         "lseg",     "box",     "path",   "polygon", "circle",
                                         "tsvector", "tsquery", "pg_lsn", "xid"};
  for (std::string_view name : kExact) {
    if (t == name) return true;
  }
  return t.starts_with("time ") || t.starts_with("time(") || t == "time" ||
         t.starts_with("interval") || t.starts_with("bit") || t.ends_with("]");
}

}  // namespace

ColumnType ParseColumnType(std::string_view t) {
  ColumnType type;
  if (t.ends_with("[]")) {
    type.family = TypeFamily::kOther;
  } else if (t == "text" || t == "name" || t == "bpchar" || t.starts_with("character varying")) {
    type.family = TypeFamily::kText;
    type.max_chars = ParenthesisedLength(t);
  } else if (t.starts_with("character")) {
    type.family = TypeFamily::kText;
    type.max_chars = t == "character" ? 1 : ParenthesisedLength(t);
    type.blank_padded = true;
  } else if (t == "\"char\"") {
    type.family = TypeFamily::kText;
    type.max_chars = 1;
  } else if (t == "citext" || t.ends_with(".citext")) {
    type.family = TypeFamily::kText;
    type.case_insensitive = true;
  } else if (t == "smallint") {
    type.family = TypeFamily::kInt2;
  } else if (t == "integer") {
    type.family = TypeFamily::kInt4;
  } else if (t == "bigint") {
    type.family = TypeFamily::kInt8;
  } else if (t.starts_with("numeric")) {
    type.family = TypeFamily::kNumeric;
  } else if (t == "real") {
    type.family = TypeFamily::kFloat4;
  } else if (t == "double precision") {
    type.family = TypeFamily::kFloat8;
  } else if (t == "date") {
    type.family = TypeFamily::kDate;
  } else if (t.starts_with("timestamp")) {
    type.family = t.ends_with("with time zone") && !t.ends_with("without time zone")
                      ? TypeFamily::kTimestampTz
                      : TypeFamily::kTimestamp;
  } else if (t == "uuid") {
    type.family = TypeFamily::kUuid;
  } else if (t == "json" || t == "jsonb") {
    type.family = TypeFamily::kJson;
  } else if (IsKnownOtherType(t)) {
    type.family = TypeFamily::kOther;
  }
  return type;
}

bool IsTextLike(TypeFamily family) {
  return family == TypeFamily::kText || family == TypeFamily::kUnknown;
}

bool IsInteger(TypeFamily family) {
  return family == TypeFamily::kInt2 || family == TypeFamily::kInt4 || family == TypeFamily::kInt8;
}

int IntegerBits(TypeFamily family) {
  switch (family) {
    case TypeFamily::kInt2:
      return 16;
    case TypeFamily::kInt4:
      return 32;
    default:
      return 64;
  }
}

Prf BuildContext::PrfFor(Kind kind) const { return Prf::Derive(key.bytes, KindName(kind)); }

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Status ValueError(std::string_view where, std::string_view problem) {
  return InvalidArgument("column " + std::string(where) + ": " + std::string(problem));
}

size_t CountCodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += !IsUtf8Continuation(c);
  return n;
}

void TruncateCodePoints(std::string& s, size_t max) {
  size_t seen = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (IsUtf8Continuation(s[i])) continue;
    if (seen++ == max) {
      s.resize(i);
      return;
    }
  }
}

}  // namespace spur::mask::internal
