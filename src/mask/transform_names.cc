// Dictionary rules: first_name, last_name, full_name, street, city.
//
// A value maps to dictionary entries chosen by PRF(value) (ASCII case folded,
// so "ANN" and "Ann" pick the same name), written in the input's case style.
// Many values share an entry, so on unique columns the rules switch to a
// format-preserving permutation of the value's letters and digits instead.
#include <charconv>
#include <string>

#include "mask/dictionaries.h"
#include "mask/fpe.h"
#include "mask/transform_internal.h"

namespace spur::mask::internal {
namespace {

enum class CaseStyle { kAsIs, kUpper, kLower };

CaseStyle StyleOf(std::string_view s) {
  bool lower = false, upper = false;
  for (char c : s) {
    lower |= c >= 'a' && c <= 'z';
    upper |= c >= 'A' && c <= 'Z';
  }
  if (upper && !lower) return CaseStyle::kUpper;
  if (lower && !upper) return CaseStyle::kLower;
  return CaseStyle::kAsIs;
}

void ApplyStyle(CaseStyle style, std::string& s) {
  if (style == CaseStyle::kAsIs) return;
  for (char& c : s) {
    if (style == CaseStyle::kUpper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    if (style == CaseStyle::kLower && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
}

uint64_t CaseFoldedHash(const Prf& prf, std::string_view s) {
  SipHasher h = prf.Start();
  for (char c : s) h.Byte(static_cast<uint8_t>(c >= 'A' && c <= 'Z' ? c + 32 : c));
  return h.Finish64();
}

// Takes an index below words.size() from `h` and divides it out, so one
// hash chooses several words independently.
std::string_view Pick(std::span<const std::string_view> words, uint64_t& h) {
  const std::string_view word = words[h % words.size()];
  h /= words.size();
  return word;
}

class DictionaryTransformer final : public Transformer {
 public:
  DictionaryTransformer(Kind kind, const Prf& prf) : kind_(kind), prf_(prf) {}

  Status Apply(std::optional<std::string_view> in, std::string& out,
               bool& out_null) const override {
    out.clear();
    out_null = !in.has_value();
    if (!in || in->empty()) return Status::Ok();
    uint64_t h = CaseFoldedHash(prf_, *in);
    switch (kind_) {
      case Kind::kFirstName:
        out.append(Pick(FirstNames(), h));
        break;
      case Kind::kLastName:
        out.append(Pick(LastNames(), h));
        break;
      case Kind::kFullName:
        out.append(Pick(FirstNames(), h));
        out.push_back(' ');
        out.append(Pick(LastNames(), h));
        break;
      case Kind::kCity:
        out.append(Pick(Cities(), h));
        break;
      default:
        AppendStreet(h, out);
        break;
    }
    ApplyStyle(StyleOf(*in), out);
    return Status::Ok();
  }
  bool bijective() const override { return false; }

 private:
  // "<1-9999> <Name> <Suffix>", e.g. "742 Maple Avenue".
  static void AppendStreet(uint64_t h, std::string& out) {
    char number[8];
    const auto [end, ec] = std::to_chars(number, number + sizeof number, 1 + h % 9999);
    h /= 9999;
    out.append(number, end);
    out.push_back(' ');
    out.append(Pick(StreetNames(), h));
    out.push_back(' ');
    out.append(Pick(StreetSuffixes(), h));
  }

  Kind kind_;
  Prf prf_;
};

// The unique-column variant: letters and digits permuted within their class,
// case-folded (values equal but for case, as citext keys and the columns
// referencing them may hold, stay equal but for case).
class LetterPermutation final : public Transformer {
 public:
  explicit LetterPermutation(const Prf& prf) : fpe_(prf, kAlphanumeric) {}

  Status Apply(std::optional<std::string_view> in, std::string& out,
               bool& out_null) const override {
    out_null = !in.has_value();
    out.assign(in.value_or(""));
    fpe_.EncryptCaseFolded(out);
    return Status::Ok();
  }
  bool bijective() const override { return true; }

 private:
  CharFpe fpe_;
};

}  // namespace

Result<TransformerPtr> MakeDictionaryTransformer(const BuildContext& ctx) {
  const Prf prf = ctx.PrfFor(ctx.spec.kind);
  if (ctx.column.unique) return TransformerPtr(std::make_unique<LetterPermutation>(prf));
  return TransformerPtr(std::make_unique<DictionaryTransformer>(ctx.spec.kind, prf));
}

}  // namespace spur::mask::internal
