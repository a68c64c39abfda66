// Helpers shared by the mask transformer tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mask/transformer.h"

namespace spur::mask::testing {

inline MaskKey TestKey(char hex_digit = '1') {
  return *MaskKey::FromHex(std::string(64, hex_digit));
}

inline ColumnInfo Column(std::string type, bool unique = false, std::string name = "c") {
  return ColumnInfo{"public.users", std::move(name), std::move(type), unique};
}

inline TransformSpec Rule(Kind kind) {
  TransformSpec spec;
  spec.kind = kind;
  spec.days = 30;
  spec.percent = 10;
  return spec;
}

// Builds a transformer, failing the test (and returning nullptr) on error.
inline std::unique_ptr<Transformer> Make(const TransformSpec& spec, const ColumnInfo& column,
                                         const MaskKey& key = TestKey()) {
  Result<std::unique_ptr<Transformer>> t = MakeTransformer(spec, column, key);
  EXPECT_TRUE(t.ok()) << KindName(spec.kind) << " on " << column.type << ": "
                      << t.status().message();
  return t.ok() ? std::move(t).value() : nullptr;
}

inline std::unique_ptr<Transformer> Make(Kind kind, const std::string& type = "text",
                                         bool unique = false) {
  return Make(Rule(kind), Column(type, unique));
}

// Applies `t` to a non-NULL value, failing the test on error.
inline std::string Mask(const Transformer& t, std::string_view in) {
  std::string out;
  bool out_null = true;
  const Status st = t.Apply(in, out, out_null);
  EXPECT_TRUE(st.ok()) << st.message();
  EXPECT_FALSE(out_null);
  return out;
}

// The Status of applying `t` to `in`.
inline Status ApplyStatus(const Transformer& t, std::string_view in) {
  std::string out;
  bool out_null = false;
  return t.Apply(in, out, out_null);
}

}  // namespace spur::mask::testing
