// The generic text rules: keep, null, constant, partial.
#include <charconv>
#include <string>
#include <utility>

#include "mask/transform_internal.h"

namespace spur::mask::internal {
namespace {

class KeepTransformer final : public Transformer {
 public:
  Status Apply(std::optional<std::string_view> in, std::string& out,
               bool& out_null) const override {
    out_null = !in.has_value();
    if (in) {
      out.assign(*in);
    } else {
      out.clear();
    }
    return Status::Ok();
  }
  bool bijective() const override { return true; }
};

class NullTransformer final : public Transformer {
 public:
  Status Apply(std::optional<std::string_view>, std::string& out, bool& out_null) const override {
    out.clear();
    out_null = true;
    return Status::Ok();
  }
  bool bijective() const override { return false; }
};

class ConstantTransformer final : public Transformer {
 public:
  explicit ConstantTransformer(std::string value) : value_(std::move(value)) {}
  Status Apply(std::optional<std::string_view>, std::string& out, bool& out_null) const override {
    out.assign(value_);
    out_null = false;
    return Status::Ok();
  }
  bool bijective() const override { return false; }

 private:
  std::string value_;
};

// Keeps the first `keep_first` and last `keep_last` code points and replaces
// each other code point with `mask`. A value too short to hide anything
// (at most keep_first + keep_last code points) is masked entirely, so a rule
// never reveals a whole value.
class PartialTransformer final : public Transformer {
 public:
  PartialTransformer(size_t keep_first, size_t keep_last, std::string mask)
      : keep_first_(keep_first), keep_last_(keep_last), mask_(std::move(mask)) {}

  Status Apply(std::optional<std::string_view> in, std::string& out,
               bool& out_null) const override {
    out.clear();
    out_null = !in.has_value();
    if (!in) return Status::Ok();
    const size_t n = CountCodePoints(*in);
    const bool reveal = n > keep_first_ + keep_last_;
    size_t index = 0;
    for (size_t i = 0; i < in->size();) {
      size_t end = i + 1;
      while (end < in->size() && IsUtf8Continuation((*in)[end])) ++end;
      const bool keep = reveal && (index < keep_first_ || index >= n - keep_last_);
      if (keep) {
        out.append(*in, i, end - i);
      } else {
        out.append(mask_);
      }
      ++index;
      i = end;
    }
    return Status::Ok();
  }
  bool bijective() const override { return false; }

 private:
  size_t keep_first_, keep_last_;
  std::string mask_;
};

Result<TransformerPtr> MakeConstant(const BuildContext& ctx) {
  const std::string& value = ctx.spec.value;
  if (ctx.type.max_chars > 0 && CountCodePoints(value) > ctx.type.max_chars) {
    return ValueError(ctx.where, "constant value has " + std::to_string(CountCodePoints(value)) +
                                     " characters, more than " + ctx.column.type + " holds");
  }
  if (IsInteger(ctx.type.family)) {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    const int bits = IntegerBits(ctx.type.family);
    const bool in_range =
        bits == 64 || (v >= -(int64_t{1} << (bits - 1)) && v < (int64_t{1} << (bits - 1)));
    if (ec != std::errc() || ptr != value.data() + value.size() || !in_range) {
      return ValueError(ctx.where,
                        "constant value \"" + value + "\" is not a valid " + ctx.column.type);
    }
  }
  return TransformerPtr(std::make_unique<ConstantTransformer>(value));
}

Result<TransformerPtr> MakePartial(const BuildContext& ctx) {
  const TransformSpec& spec = ctx.spec;
  if (spec.keep_first < 0 || spec.keep_last < 0) {
    return ValueError(ctx.where, "partial needs keep_first and keep_last >= 0");
  }
  if (CountCodePoints(spec.mask_char) != 1) {
    return ValueError(ctx.where, "partial needs mask_char to be exactly one character");
  }
  return TransformerPtr(std::make_unique<PartialTransformer>(
      static_cast<size_t>(spec.keep_first), static_cast<size_t>(spec.keep_last), spec.mask_char));
}

}  // namespace

Result<TransformerPtr> MakeTextTransformer(const BuildContext& ctx) {
  switch (ctx.spec.kind) {
    case Kind::kKeep:
      return TransformerPtr(std::make_unique<KeepTransformer>());
    case Kind::kNull:
      return TransformerPtr(std::make_unique<NullTransformer>());
    case Kind::kConstant:
      return MakeConstant(ctx);
    case Kind::kPartial:
      return MakePartial(ctx);
    default:
      return ValueError(ctx.where, "not a text rule");
  }
}

}  // namespace spur::mask::internal
