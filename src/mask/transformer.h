// Transformers: the keyed, deterministic functions that replace personal
// values, one per mask.yaml rule and column. Values travel in PostgreSQL's
// text form (a COPY text field after unescaping); NULL is nullopt.
//
// Every output is a function of (key, kind, parameters, input) only: the
// same input gives the same output in any table, run or database under the
// same key, and a different key changes every output. Transformers are
// immutable after construction and safe to call from many threads.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "mask/transform_spec.h"

namespace spur::mask {

// The pool's masking secret (32 bytes). Transformers derive their own
// subkeys from it per kind, so no two kinds share a PRF key.
struct MaskKey {
  std::array<uint8_t, 32> bytes{};
  // 64 hex characters; InvalidArgument otherwise.
  [[nodiscard]] static Result<MaskKey> FromHex(std::string_view hex);
  // 32 fresh random bytes (OpenSSL RAND_bytes).
  [[nodiscard]] static Result<MaskKey> Generate();
  std::string ToHex() const;
};

class Transformer {
 public:
  virtual ~Transformer() = default;

  // Replaces one value. `in` is the text form (nullopt = NULL). On success
  // `out` holds the text form of the result and `out_null` says whether it
  // is NULL (NULL stays NULL except for `constant`). InvalidArgument when the
  // value cannot be read as the column's type (the message names the column
  // and never contains the value itself).
  [[nodiscard]] virtual Status Apply(std::optional<std::string_view> in, std::string& out,
                                     bool& out_null) const = 0;

  // True when distinct inputs always give distinct outputs (safe on keys).
  virtual bool bijective() const = 0;
};

// Builds the transformer for `spec` on `column`. InvalidArgument (one line,
// naming table.column and saying what to use instead) when the rule does not
// fit the column's type, or when the column is unique and the rule cannot be
// made bijective there (null, constant, noise, partial, regex, date_shift,
// birthdate). Dictionary rules (names, street, city) on unique columns switch
// to a bijective format-preserving variant. On array columns ("text[]",
// domains resolved) every rule but keep, null and constant applies to each
// element, at any depth, with the element type's checks.
[[nodiscard]] Result<std::unique_ptr<Transformer>> MakeTransformer(const TransformSpec& spec,
                                                                   const ColumnInfo& column,
                                                                   const MaskKey& key);

}  // namespace spur::mask
