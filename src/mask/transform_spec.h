// What a mask.yaml rule asks for: one transformer and its parameters, and
// what the column it applies to looks like. Plain data shared by the config
// parser (mask/config), the transformer factory (mask/transformer) and the
// sync planner (sync/plan), which propagates key rules along foreign keys.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace spur::mask {

enum class Kind {
  kKeep,        // explicitly not personal: copied as is
  kEmail,       // bijective, keeps '@', '.', the TLD and character classes
  kFirstName,   // built-in dictionary
  kLastName,    // built-in dictionary
  kFullName,    // "First Last" from the dictionaries
  kPhone,       // digits replaced, format (+, spaces, dashes, length) kept
  kCreditCard,  // Luhn-valid, keeps length and issuer prefix
  kIban,        // valid check digits, keeps country and length
  kStreet,      // dictionary street name + number
  kCity,        // dictionary
  kPostcode,    // digits/letters replaced, format kept
  kDateShift,   // date/timestamp moved by a keyed offset in [-days, +days], never 0
  kBirthdate,   // generalised: to Jan 1st of the year, or the 1st of the month
  kNoise,       // numeric value scaled by a keyed factor in [1-p%, 1+p%]
  kHash,        // keyed hash (hex for text, integer for integer columns)
  kUuid,        // bijective keyed permutation of the 128 bits
  kNull,        // SQL NULL
  kConstant,    // a fixed value
  kPartial,     // keep first/last k characters, mask the rest
  kRegex,       // replace matches of a pattern
  kJson,        // rules per JSON path inside json/jsonb
};

struct TransformSpec {
  Kind kind = Kind::kKeep;
  int days = 0;                       // date_shift: maximum shift, > 0
  std::string generalize = "year";    // birthdate: "year" | "month"
  double percent = 0;                 // noise: > 0
  std::string value;                  // constant: the value (text form)
  int keep_first = 0, keep_last = 0;  // partial
  std::string mask_char = "*";        // partial: one character
  std::string pattern, replace;       // regex: ECMAScript pattern, replacement ($1.. allowed)
  // json: path ("$.a.b", "$.a[*].b", "$.a[0]") -> rule for the value found there.
  std::vector<std::pair<std::string, TransformSpec>> json_paths;
  std::string reason;  // mask.yaml `reason:` on any rule: a note for readers; no effect

  // Declared here and defaulted below the class: clang checks the implicit
  // ones while TransformSpec is still incomplete (json_paths holds it) and
  // fails to compile this header; GCC does not mind either way.
  TransformSpec();
  TransformSpec(const TransformSpec&);
  TransformSpec(TransformSpec&&) noexcept;
  TransformSpec& operator=(const TransformSpec&);
  TransformSpec& operator=(TransformSpec&&) noexcept;
  ~TransformSpec();
};

inline TransformSpec::TransformSpec() = default;
inline TransformSpec::TransformSpec(const TransformSpec&) = default;
inline TransformSpec::TransformSpec(TransformSpec&&) noexcept = default;
inline TransformSpec& TransformSpec::operator=(const TransformSpec&) = default;
inline TransformSpec& TransformSpec::operator=(TransformSpec&&) noexcept = default;
inline TransformSpec::~TransformSpec() = default;

// The column a transformer runs on.
struct ColumnInfo {
  std::string table;  // schema-qualified, for messages
  std::string name;
  // format_type() of the column with domains resolved to their base type:
  // "text", "character varying(80)", "citext" for a domain over citext,
  // "text[]" for an array (element rules apply per element).
  std::string type;
  bool unique = false;  // part of a primary key or unique constraint (or referencing one)
};

// Name used in mask.yaml and messages ("email", "first_name", "date_shift"...).
const char* KindName(Kind kind);

}  // namespace spur::mask
