// noise: value x (1 + u * percent / 100), with u in [-1, 1) from PRF(value),
// so equal values get equal noise. Integers are rounded and clamped to the
// type's range; numeric keeps the input's number of decimals; real and
// double precision print in their shortest exact form. NaN and the
// infinities are returned unchanged.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "mask/transform_internal.h"

namespace spur::mask::internal {
namespace {

bool IsSpecial(std::string_view s) { return s == "NaN" || s == "Infinity" || s == "-Infinity"; }

class NoiseTransformer final : public Transformer {
 public:
  NoiseTransformer(const Prf& prf, double percent, TypeFamily family, std::string where)
      : prf_(prf), percent_(percent), family_(family), where_(std::move(where)) {}

  Status Apply(std::optional<std::string_view> in, std::string& out,
               bool& out_null) const override {
    out.clear();
    out_null = !in.has_value();
    if (!in) return Status::Ok();
    if (IsSpecial(*in)) {
      out.assign(*in);
      return Status::Ok();
    }
    const uint64_t h = prf_.Hash64(*in);
    const double u = static_cast<double>(h >> 11) * 0x1.0p-52 - 1.0;  // [-1, 1)
    const long double factor = 1.0L + static_cast<long double>(u * percent_ / 100.0);
    bool ok = false;
    if (IsInteger(family_)) {
      ok = NoiseInteger(*in, factor, out);
    } else if (family_ == TypeFamily::kNumeric) {
      ok = NoiseNumeric(*in, factor, out);
    } else {
      ok = NoiseFloat(*in, factor, out);
    }
    if (!ok) return ValueError(where_, "noise: value is not a number of the column's type");
    return Status::Ok();
  }
  bool bijective() const override { return false; }

 private:
  bool NoiseInteger(std::string_view in, long double factor, std::string& out) const {
    int64_t v = 0;
    const char* end = in.data() + in.size();
    auto [ptr, ec] = std::from_chars(in.data(), end, v);
    if (ec != std::errc() || ptr != end) return false;
    const int bits = IntegerBits(family_);
    const long double max = std::ldexp(1.0L, bits - 1) - 1;
    const long double min = -std::ldexp(1.0L, bits - 1);
    long double r = std::nearbyint(static_cast<long double>(v) * factor);
    r = r > max ? max : r < min ? min : r;
    char buf[24];
    out.append(buf, std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(r)).ptr);
    return true;
  }

  static bool NoiseNumeric(std::string_view in, long double factor, std::string& out) {
    double v = 0;
    const char* end = in.data() + in.size();
    auto [ptr, ec] = std::from_chars(in.data(), end, v, std::chars_format::fixed);
    if (ec != std::errc() || ptr != end || !std::isfinite(v)) return false;
    const size_t dot = in.find('.');
    const int decimals = dot == std::string_view::npos ? 0 : static_cast<int>(in.size() - dot - 1);
    double r = static_cast<double>(static_cast<long double>(v) * factor);
    if (r == 0) r = 0;  // no "-0.00"
    // Digits past a double's precision are zeros anyway; write them by hand.
    constexpr int kMaxFormatted = 40;
    char buf[360];  // sign, 309 integer digits, point, kMaxFormatted decimals
    auto [out_end, out_ec] = std::to_chars(buf, buf + sizeof buf, r, std::chars_format::fixed,
                                           std::min(decimals, kMaxFormatted));
    if (out_ec != std::errc()) return false;
    out.append(buf, out_end);
    if (decimals > kMaxFormatted) out.append(static_cast<size_t>(decimals - kMaxFormatted), '0');
    return true;
  }

  bool NoiseFloat(std::string_view in, long double factor, std::string& out) const {
    double v = 0;
    const char* end = in.data() + in.size();
    auto [ptr, ec] = std::from_chars(in.data(), end, v);
    if (ec != std::errc() || ptr != end) return false;
    char buf[64];
    char* out_end;
    if (family_ == TypeFamily::kFloat4) {
      const long double limit = std::numeric_limits<float>::max();
      long double r = static_cast<long double>(v) * factor;
      r = r > limit ? limit : r < -limit ? -limit : r;
      out_end = std::to_chars(buf, buf + sizeof buf, static_cast<float>(r)).ptr;
    } else {
      const long double limit = std::numeric_limits<double>::max();
      long double r = static_cast<long double>(v) * factor;
      r = r > limit ? limit : r < -limit ? -limit : r;
      out_end = std::to_chars(buf, buf + sizeof buf, static_cast<double>(r)).ptr;
    }
    out.append(buf, out_end);
    return true;
  }

  Prf prf_;
  double percent_;
  TypeFamily family_;
  std::string where_;
};

}  // namespace

Result<TransformerPtr> MakeNumberTransformer(const BuildContext& ctx) {
  if (!(ctx.spec.percent > 0) || !std::isfinite(ctx.spec.percent)) {
    return ValueError(ctx.where, "noise needs percent > 0");
  }
  return TransformerPtr(std::make_unique<NoiseTransformer>(
      ctx.PrfFor(Kind::kNoise), ctx.spec.percent, ctx.type.family, ctx.where));
}

}  // namespace spur::mask::internal
