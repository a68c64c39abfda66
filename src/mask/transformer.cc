// MaskKey, and MakeTransformer: checks a rule against its column, then hands
// it to the factory of its family (transform_*.cc).
#include "mask/transformer.h"

#include <openssl/rand.h>

#include <string>
#include <utility>

#include "mask/transform_internal.h"
#include "pg/array_text.h"

namespace spur::mask {
namespace {

using internal::BuildContext;
using internal::ColumnType;
using internal::TransformerPtr;
using internal::TypeFamily;

// What to use instead of a rule that does not fit a column of `family`.
const char* Suggestion(TypeFamily family) {
  switch (family) {
    case TypeFamily::kInt2:
    case TypeFamily::kInt4:
    case TypeFamily::kInt8:
      return "use hash (a bijective integer permutation) or noise";
    case TypeFamily::kNumeric:
    case TypeFamily::kFloat4:
    case TypeFamily::kFloat8:
      return "use noise";
    case TypeFamily::kDate:
    case TypeFamily::kTimestamp:
    case TypeFamily::kTimestampTz:
      return "use date_shift or birthdate";
    case TypeFamily::kUuid:
      return "use uuid or hash";
    case TypeFamily::kJson:
      return "use json with per-path rules";
    default:
      return "use null, constant or keep";
  }
}

// The column types each kind works on, as words for messages, and the test.
struct TypeRule {
  const char* accepts;
  bool (*fits)(TypeFamily);
};

TypeRule RuleFor(Kind kind) {
  using enum Kind;
  using F = TypeFamily;
  switch (kind) {
    case kKeep:
    case kNull:
    case kConstant:
      return {"any", [](F) { return true; }};
    case kHash:
      return {"text, integer and uuid", [](F f) {
                return internal::IsTextLike(f) || internal::IsInteger(f) || f == F::kUuid;
              }};
    case kUuid:
      return {"uuid and text", [](F f) { return internal::IsTextLike(f) || f == F::kUuid; }};
    case kDateShift:
    case kBirthdate:
      return {"date, timestamp and text", [](F f) {
                return internal::IsTextLike(f) || f == F::kDate || f == F::kTimestamp ||
                       f == F::kTimestampTz;
              }};
    case kNoise:
      return {"smallint, integer, bigint, numeric, real and double precision", [](F f) {
                return internal::IsInteger(f) || f == F::kNumeric || f == F::kFloat4 ||
                       f == F::kFloat8;
              }};
    case kJson:
      return {"json, jsonb and text", [](F f) { return internal::IsTextLike(f) || f == F::kJson; }};
    default:
      return {"text", [](F f) { return internal::IsTextLike(f); }};
  }
}

Status CheckType(const BuildContext& ctx) {
  const TypeRule rule = RuleFor(ctx.spec.kind);
  if (rule.fits(ctx.type.family)) return Status::Ok();
  return InvalidArgument("column " + ctx.where + " is " + ctx.column.type + " but rule \"" +
                         KindName(ctx.spec.kind) + "\" works on " + rule.accepts + " columns; " +
                         Suggestion(ctx.type.family));
}

bool CanBeBijective(Kind kind) {
  switch (kind) {
    case Kind::kNull:
    case Kind::kConstant:
    case Kind::kNoise:
    case Kind::kPartial:
    case Kind::kRegex:
    case Kind::kDateShift:
    case Kind::kBirthdate:
      return false;
    default:
      return true;
  }
}

Status CheckUnique(const BuildContext& ctx) {
  if (!ctx.column.unique || CanBeBijective(ctx.spec.kind)) return Status::Ok();
  return InvalidArgument("column " + ctx.where + " is unique or a key, and rule \"" +
                         KindName(ctx.spec.kind) +
                         "\" could map two values to one; use a bijective rule (hash, email, "
                         "phone, uuid, postcode, first_name...)");
}

Result<TransformerPtr> MakeForKind(const BuildContext& ctx) {
  switch (ctx.spec.kind) {
    case Kind::kKeep:
    case Kind::kNull:
    case Kind::kConstant:
    case Kind::kPartial:
      return internal::MakeTextTransformer(ctx);
    case Kind::kRegex:
      return internal::MakeRegexTransformer(ctx);
    case Kind::kFirstName:
    case Kind::kLastName:
    case Kind::kFullName:
    case Kind::kStreet:
    case Kind::kCity:
      return internal::MakeDictionaryTransformer(ctx);
    case Kind::kEmail:
    case Kind::kPhone:
    case Kind::kCreditCard:
    case Kind::kIban:
    case Kind::kPostcode:
      return internal::MakeIdentityTransformer(ctx);
    case Kind::kHash:
    case Kind::kUuid:
      return internal::MakeHashTransformer(ctx);
    case Kind::kDateShift:
    case Kind::kBirthdate:
      return internal::MakeDateTransformer(ctx);
    case Kind::kNoise:
      return internal::MakeNumberTransformer(ctx);
    case Kind::kJson:
      return internal::MakeJsonTransformer(ctx);
  }
  return InvalidArgument("column " + ctx.where + ": unknown rule");
}

// Adapts a transformer to character(N) and character varying(N): strips the
// blank padding of character(N) values (insignificant in PostgreSQL, so
// "Ann  " masks like "Ann") and cuts outputs to N characters.
class LengthLimited final : public Transformer {
 public:
  LengthLimited(TransformerPtr inner, size_t max_chars, bool blank_padded)
      : inner_(std::move(inner)), max_chars_(max_chars), blank_padded_(blank_padded) {}

  Status Apply(std::optional<std::string_view> in, std::string& out,
               bool& out_null) const override {
    if (in && blank_padded_) {
      const size_t end = in->find_last_not_of(' ');
      in = in->substr(0, end == std::string_view::npos ? 0 : end + 1);
    }
    RETURN_IF_ERROR(inner_->Apply(in, out, out_null));
    if (max_chars_ > 0 && !out_null && out.size() > max_chars_ &&
        internal::CountCodePoints(out) > max_chars_) {
      internal::TruncateCodePoints(out, max_chars_);
    }
    return Status::Ok();
  }

  bool bijective() const override { return inner_->bijective(); }

 private:
  TransformerPtr inner_;
  size_t max_chars_;
  bool blank_padded_;
};

// Applies an element rule to every element of an array value, at any
// depth; NULL elements stay NULL (unless the rule says otherwise), the
// array's shape is kept.
class ElementWise final : public Transformer {
 public:
  ElementWise(TransformerPtr element, std::string where)
      : element_(std::move(element)), where_(std::move(where)) {}

  Status Apply(std::optional<std::string_view> in, std::string& out,
               bool& out_null) const override {
    out_null = !in.has_value();
    out.clear();
    if (!in) return Status::Ok();
    const pg::array_text::ElementFn each = [this](std::optional<std::string_view> e,
                                                  std::string& e_out, bool& e_null) {
      return element_->Apply(e, e_out, e_null);
    };
    Status st = pg::array_text::Rewrite(*in, each, out);
    if (!st.ok() && st.message().starts_with("array value")) {
      return internal::ValueError(where_, st.message());
    }
    return st;
  }
  bool bijective() const override { return element_->bijective(); }

 private:
  TransformerPtr element_;
  std::string where_;
};

// Rules that replace a whole array value rather than each element.
bool AppliesToWholeValue(Kind kind) {
  return kind == Kind::kKeep || kind == Kind::kNull || kind == Kind::kConstant;
}

}  // namespace

Result<MaskKey> MaskKey::FromHex(std::string_view hex) {
  if (hex.size() != 64) {
    return InvalidArgument("mask key must be 64 hex characters (32 bytes), got " +
                           std::to_string(hex.size()) + " characters");
  }
  MaskKey key;
  for (size_t i = 0; i < 32; ++i) {
    const int high = internal::HexDigitValue(hex[2 * i]);
    const int low = internal::HexDigitValue(hex[2 * i + 1]);
    if (high < 0 || low < 0) return InvalidArgument("mask key has a non-hex character");
    key.bytes[i] = static_cast<uint8_t>(high * 16 + low);
  }
  return key;
}

Result<MaskKey> MaskKey::Generate() {
  MaskKey key;
  if (RAND_bytes(key.bytes.data(), static_cast<int>(key.bytes.size())) != 1) {
    return Internal("cannot generate a mask key: OpenSSL RAND_bytes failed");
  }
  return key;
}

std::string MaskKey::ToHex() const {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(64, '0');
  for (size_t i = 0; i < 32; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return out;
}

Result<std::unique_ptr<Transformer>> MakeTransformer(const TransformSpec& spec,
                                                     const ColumnInfo& column, const MaskKey& key) {
  if (column.type.ends_with("[]") && !AppliesToWholeValue(spec.kind)) {
    ColumnInfo element = column;
    element.name += "[]";  // messages read "column t.tags[] is integer": the elements
    element.type = column.type.substr(0, column.type.size() - 2);
    ASSIGN_OR_RETURN(TransformerPtr inner, MakeTransformer(spec, element, key));
    const std::string where = column.table.empty() ? column.name : column.table + "." + column.name;
    return TransformerPtr(std::make_unique<ElementWise>(std::move(inner), where));
  }
  const ColumnType type = internal::ParseColumnType(column.type);
  const std::string where = column.table.empty() ? column.name : column.table + "." + column.name;
  const BuildContext ctx{spec, column, type, key, where};
  RETURN_IF_ERROR(CheckType(ctx));
  RETURN_IF_ERROR(CheckUnique(ctx));
  ASSIGN_OR_RETURN(TransformerPtr transformer, MakeForKind(ctx));
  const bool adapt = spec.kind != Kind::kKeep && spec.kind != Kind::kJson &&
                     (type.max_chars > 0 || type.blank_padded);
  if (!adapt) return transformer;
  return TransformerPtr(
      std::make_unique<LengthLimited>(std::move(transformer), type.max_chars, type.blank_padded));
}

}  // namespace spur::mask
