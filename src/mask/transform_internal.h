// Shared by the transformer implementations (transformer.cc and the
// transform_*.cc files, one per family); not for other subsystems.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "mask/prf.h"
#include "mask/transform_spec.h"
#include "mask/transformer.h"

namespace spur::mask::internal {

// What a column's format_type() says about its values' text form.
enum class TypeFamily {
  kText,         // text, character varying, character, name, citext
  kInt2,         // smallint
  kInt4,         // integer
  kInt8,         // bigint
  kNumeric,      // numeric / decimal
  kFloat4,       // real
  kFloat8,       // double precision
  kDate,         // date
  kTimestamp,    // timestamp without time zone
  kTimestampTz,  // timestamp with time zone
  kUuid,         // uuid
  kJson,         // json, jsonb
  kOther,        // a known type that is none of the above (boolean, bytea, arrays...)
  kUnknown,      // a name we do not know (a domain, an enum): treated as text
};

struct ColumnType {
  TypeFamily family = TypeFamily::kUnknown;
  size_t max_chars = 0;           // character varying(N) / character(N): N; else 0
  bool blank_padded = false;      // character(N): values arrive padded with spaces
  bool case_insensitive = false;  // citext
};

// Reads a format_type() string such as "character varying(80)".
ColumnType ParseColumnType(std::string_view format_type);

// True for families whose values are free text (text-like and unknown).
bool IsTextLike(TypeFamily family);
// True for smallint, integer and bigint.
bool IsInteger(TypeFamily family);
// Bits of an integer family (16, 32, 64).
int IntegerBits(TypeFamily family);

// Everything a family factory needs; references live for the factory call.
struct BuildContext {
  const TransformSpec& spec;
  const ColumnInfo& column;
  ColumnType type;
  const MaskKey& key;
  std::string where;  // "table.column", for messages

  // The PRF for `kind` under the mask key (Prf::Derive with KindName).
  Prf PrfFor(Kind kind) const;
};

// ASCII character tests (the C library's depend on the locale).
inline bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
// 0-15 for a hex digit of either case, else -1.
int HexDigitValue(char c);
// True for the second and later bytes of a UTF-8 sequence.
inline bool IsUtf8Continuation(char c) { return (static_cast<unsigned char>(c) & 0xc0) == 0x80; }

// InvalidArgument "column <where>: <problem>". `problem` must not contain
// the value being transformed.
Status ValueError(std::string_view where, std::string_view problem);

// Number of UTF-8 code points in `s` (continuation bytes not counted).
size_t CountCodePoints(std::string_view s);
// Cuts `s` after `max` code points.
void TruncateCodePoints(std::string& s, size_t max);

// Family factories. MakeTransformer has already checked the kind against
// the column type and uniqueness; each factory checks its own parameters.
using TransformerPtr = std::unique_ptr<Transformer>;
// keep, null, constant, partial (transform_text.cc)
Result<TransformerPtr> MakeTextTransformer(const BuildContext& ctx);
// regex (transform_regex.cc)
Result<TransformerPtr> MakeRegexTransformer(const BuildContext& ctx);
// first_name, last_name, full_name, street, city (transform_names.cc)
Result<TransformerPtr> MakeDictionaryTransformer(const BuildContext& ctx);
// email, phone, credit_card, iban, postcode (transform_identity.cc)
Result<TransformerPtr> MakeIdentityTransformer(const BuildContext& ctx);
// hash, uuid (transform_hash.cc)
Result<TransformerPtr> MakeHashTransformer(const BuildContext& ctx);
// date_shift, birthdate (transform_dates.cc)
Result<TransformerPtr> MakeDateTransformer(const BuildContext& ctx);
// noise (transform_numbers.cc)
Result<TransformerPtr> MakeNumberTransformer(const BuildContext& ctx);
// json (transform_json.cc)
Result<TransformerPtr> MakeJsonTransformer(const BuildContext& ctx);

}  // namespace spur::mask::internal
