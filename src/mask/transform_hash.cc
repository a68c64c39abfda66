// hash and uuid: keyed replacements for identifiers.
//  - hash on text: 32 lower-case hex characters of the 128-bit SipHash PRF.
//    Not a permutation, but collision-free in practice: among a billion
//    distinct values the chance of any two colliding is about 2^-68, so it is
//    reported bijective and accepted on unique columns.
//  - hash on smallint/integer/bigint: IntPermutation, a true bijection that
//    keeps the sign and the type's range.
//  - uuid (and hash on uuid columns): a keyed permutation of the 122 bits a
//    version-4 UUID randomises, keeping the 4 version and 2 variant bits, in
//    the canonical lower-case form.
#include <charconv>
#include <string>
#include <utility>

#include "mask/fpe.h"
#include "mask/transform_internal.h"

namespace spur::mask::internal {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

void AppendHex(uint64_t v, int digits, std::string& out) {
  for (int i = digits - 1; i >= 0; --i) out.push_back(kHexDigits[(v >> (4 * i)) & 0xf]);
}

// On citext columns the value is ASCII-lower-cased first (its canonical
// form there), so values citext holds equal hash alike.
class TextHashTransformer final : public Transformer {
 public:
  TextHashTransformer(const Prf& prf, bool fold_case) : prf_(prf), fold_case_(fold_case) {}

  Status Apply(std::optional<std::string_view> in, std::string& out,
               bool& out_null) const override {
    out.clear();
    out_null = !in.has_value();
    if (!in) return Status::Ok();
    std::string folded;
    if (fold_case_) {
      folded.assign(*in);
      for (char& c : folded) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      }
      in = folded;
    }
    const U128 h = prf_.Hash128(*in);
    AppendHex(h.hi, 16, out);
    AppendHex(h.lo, 16, out);
    return Status::Ok();
  }
  bool bijective() const override { return true; }

 private:
  Prf prf_;
  bool fold_case_;
};

class IntHashTransformer final : public Transformer {
 public:
  IntHashTransformer(const Prf& prf, int bits, std::string where)
      : perm_(prf, bits), bits_(bits), where_(std::move(where)) {}

  Status Apply(std::optional<std::string_view> in, std::string& out,
               bool& out_null) const override {
    out.clear();
    out_null = !in.has_value();
    if (!in) return Status::Ok();
    int64_t v = 0;
    const char* end = in->data() + in->size();
    auto [ptr, ec] = std::from_chars(in->data(), end, v);
    const int64_t limit = bits_ == 64 ? 0 : int64_t{1} << (bits_ - 1);
    if (ec != std::errc() || ptr != end || (bits_ < 64 && (v < -limit || v >= limit))) {
      return ValueError(where_, "hash: value is not an integer of the column's type");
    }
    char buf[24];
    auto [out_end, out_ec] = std::to_chars(buf, buf + sizeof buf, perm_.Encrypt(v));
    out.append(buf, out_end);
    return Status::Ok();
  }
  bool bijective() const override { return true; }

 private:
  IntPermutation perm_;
  int bits_;
  std::string where_;
};

class UuidTransformer final : public Transformer {
 public:
  UuidTransformer(const Prf& prf, std::string where) : perm_(prf, 122), where_(std::move(where)) {}

  Status Apply(std::optional<std::string_view> in, std::string& out,
               bool& out_null) const override {
    out.clear();
    out_null = !in.has_value();
    if (!in) return Status::Ok();
    U128 uuid;
    if (!Parse(*in, uuid)) {
      return ValueError(where_, "uuid: value is not a UUID (32 hex digits, optional hyphens)");
    }
    uuid = Permute(uuid);
    AppendHex(uuid.hi >> 32, 8, out);
    out.push_back('-');
    AppendHex(uuid.hi >> 16, 4, out);
    out.push_back('-');
    AppendHex(uuid.hi, 4, out);
    out.push_back('-');
    AppendHex(uuid.lo >> 48, 4, out);
    out.push_back('-');
    AppendHex(uuid.lo, 12, out);
    return Status::Ok();
  }
  bool bijective() const override { return true; }

 private:
  // Reads the forms PostgreSQL's uuid input accepts: 32 hex digits, with an
  // optional hyphen after any group of four, optionally in braces.
  static bool Parse(std::string_view s, U128& uuid) {
    if (s.size() >= 2 && s.front() == '{' && s.back() == '}') s = s.substr(1, s.size() - 2);
    int digits = 0;
    bool hyphen_ok = false;
    for (char c : s) {
      if (c == '-' && hyphen_ok) {
        hyphen_ok = false;
        continue;
      }
      const int v = HexDigitValue(c);
      if (v < 0 || digits == 32) return false;
      uint64_t& word = digits < 16 ? uuid.hi : uuid.lo;
      word = (word << 4) | static_cast<uint64_t>(v);
      ++digits;
      hyphen_ok = digits % 4 == 0 && digits < 32;
    }
    return digits == 32 && (s.empty() || s.back() != '-');
  }

  // Bits (from the top) 48-51 are the version and 64-65 the variant; the
  // other 122 are permuted as one number.
  U128 Permute(U128 uuid) const {
    const uint64_t version = uuid.hi & 0xf000;
    const uint64_t variant = uuid.lo & (3ULL << 62);
    const uint64_t top60 = ((uuid.hi >> 16) << 12) | (uuid.hi & 0xfff);
    const uint64_t low62 = uuid.lo & ~(3ULL << 62);
    // The 122-bit number top60:low62.
    const U128 packed{top60 >> 2, (top60 << 62) | low62};
    const U128 p = perm_.Encrypt(packed);
    const uint64_t p_top60 = (p.hi << 2) | (p.lo >> 62);
    const uint64_t p_low62 = p.lo & ~(3ULL << 62);
    return U128{((p_top60 >> 12) << 16) | version | (p_top60 & 0xfff), variant | p_low62};
  }

  BitPermutation perm_;
  std::string where_;
};

}  // namespace

Result<TransformerPtr> MakeHashTransformer(const BuildContext& ctx) {
  const Prf prf = ctx.PrfFor(ctx.spec.kind);
  const TypeFamily family = ctx.type.family;
  if (ctx.spec.kind == Kind::kUuid || family == TypeFamily::kUuid) {
    return TransformerPtr(std::make_unique<UuidTransformer>(prf, ctx.where));
  }
  if (IsInteger(family)) {
    return TransformerPtr(
        std::make_unique<IntHashTransformer>(prf, IntegerBits(family), ctx.where));
  }
  if (ctx.column.unique && ctx.type.max_chars > 0 && ctx.type.max_chars < 16) {
    return InvalidArgument("column " + ctx.where + " is unique and " + ctx.column.type +
                           " holds fewer than 16 of hash's 32 hex characters, so masked values "
                           "could collide; widen the column or use email, phone or postcode");
  }
  return TransformerPtr(std::make_unique<TextHashTransformer>(prf, ctx.type.case_insensitive));
}

}  // namespace spur::mask::internal
