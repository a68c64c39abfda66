// Identifier rules built on the format-preserving permutation: email, phone,
// credit_card, iban, postcode. Each keeps the value's length and shape and is
// a bijection on the values of one shape.
#include <string>
#include <utility>

#include "mask/fpe.h"
#include "mask/transform_internal.h"

namespace spur::mask::internal {
namespace {

// Shared shape of these transformers: copy the value, then permute part of
// it in place. NULL stays NULL.
class FpeTransformer : public Transformer {
 public:
  FpeTransformer(const Prf& prf, unsigned classes, std::string where)
      : fpe_(prf, classes), where_(std::move(where)) {}

  Status Apply(std::optional<std::string_view> in, std::string& out, bool& out_null) const final {
    out_null = !in.has_value();
    out.assign(in.value_or(""));
    if (!in) return Status::Ok();
    return Mask(out);
  }
  bool bijective() const final { return true; }

 protected:
  virtual Status Mask(std::string& value) const = 0;

  CharFpe fpe_;
  std::string where_;
};

// Permutes every letter and digit except the top-level domain (after the last
// '.' following the '@'); '@', '.' and other punctuation stay in place. On
// citext columns the value is lower-cased first, so values equal to citext
// stay equal and distinct ones stay distinct.
class EmailTransformer final : public FpeTransformer {
 public:
  EmailTransformer(const Prf& prf, std::string where, bool fold_case)
      : FpeTransformer(prf, kAlphanumeric, std::move(where)), fold_case_(fold_case) {}

 protected:
  Status Mask(std::string& value) const override {
    if (fold_case_) {
      for (char& c : value) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      }
    }
    size_t end = value.size();
    const size_t at = value.rfind('@');
    if (at != std::string::npos) {
      const size_t dot = value.rfind('.');
      if (dot != std::string::npos && dot > at) end = dot;
    }
    fpe_.Encrypt(std::span<char>(value.data(), end));
    return Status::Ok();
  }

 private:
  bool fold_case_;
};

// Permutes the digits; keeps a leading '+' with the digit after it (the
// start of the country code) and every non-digit.
class PhoneTransformer final : public FpeTransformer {
 public:
  PhoneTransformer(const Prf& prf, std::string where)
      : FpeTransformer(prf, kDigits, std::move(where)) {}

 protected:
  Status Mask(std::string& value) const override {
    size_t start = value.find_first_not_of(' ');
    if (start != std::string::npos && value[start] == '+') {
      while (start < value.size() && !IsAsciiDigit(value[start])) ++start;
      start = start < value.size() ? start + 1 : value.size();
    } else {
      start = 0;
    }
    fpe_.Encrypt(std::span<char>(value).subspan(start));
    return Status::Ok();
  }
};

// Letters and digits permuted within their class, everything else kept.
class PostcodeTransformer final : public FpeTransformer {
 public:
  PostcodeTransformer(const Prf& prf, std::string where)
      : FpeTransformer(prf, kAlphanumeric, std::move(where)) {}

 protected:
  Status Mask(std::string& value) const override {
    fpe_.Encrypt(value);
    return Status::Ok();
  }
};

// Keeps the first 6 digits (the issuer) and the separators, permutes the
// digits between them and the last one, and writes a fresh Luhn check digit.
// The output is Luhn-valid; distinct valid inputs give distinct outputs
// (inputs that differ only in a wrong check digit share one).
class CardTransformer final : public FpeTransformer {
 public:
  static constexpr int kKeptDigits = 6;

  CardTransformer(const Prf& prf, std::string where)
      : FpeTransformer(prf, kDigits, std::move(where)) {}

 protected:
  Status Mask(std::string& value) const override {
    size_t digits = 0, middle_start = 0, last = 0;
    uint64_t issuer = 0;  // the kept digits tweak the permutation of the rest
    for (size_t i = 0; i < value.size(); ++i) {
      if (!IsAsciiDigit(value[i])) continue;
      if (digits < kKeptDigits) issuer = issuer * 10 + static_cast<uint64_t>(value[i] - '0');
      if (digits == kKeptDigits) middle_start = i;
      last = i;
      ++digits;
    }
    if (digits < 8) {
      return ValueError(where_,
                        "credit_card: value has fewer than 8 digits; use partial or regex here");
    }
    fpe_.Encrypt(std::span<char>(value).subspan(middle_start, last - middle_start), issuer);
    value[last] = static_cast<char>('0' + LuhnCheckDigit(std::string_view(value).substr(0, last)));
    return Status::Ok();
  }

 private:
  // The digit that makes `body` followed by it pass the Luhn test.
  static int LuhnCheckDigit(std::string_view body) {
    int sum = 0;
    bool doubled = true;  // the rightmost body digit is doubled
    for (size_t i = body.size(); i-- > 0;) {
      if (!IsAsciiDigit(body[i])) continue;
      int d = body[i] - '0';
      if (doubled) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      sum += d;
      doubled = !doubled;
    }
    return (10 - sum % 10) % 10;
  }
};

// Keeps the country code, permutes the BBAN (letters stay letters, digits
// digits) and writes fresh ISO 7064 mod-97 check digits. Spaces are allowed
// anywhere and kept. Distinct valid IBANs give distinct valid IBANs.
class IbanTransformer final : public FpeTransformer {
 public:
  IbanTransformer(const Prf& prf, std::string where)
      : FpeTransformer(prf, kAlphanumeric, std::move(where)) {}

 protected:
  Status Mask(std::string& value) const override {
    size_t pos[4] = {}, seen = 0;
    for (size_t i = 0; i < value.size(); ++i) {
      const char c = value[i];
      if (c == ' ') continue;
      const bool ok = seen < 2   ? IsAsciiLetter(c)
                      : seen < 4 ? IsAsciiDigit(c)
                                 : IsAsciiDigit(c) || IsAsciiLetter(c);
      if (!ok) return NotAnIban();
      if (seen < 4) pos[seen] = i;
      ++seen;
    }
    if (seen < 5) return NotAnIban();
    fpe_.Encrypt(std::span<char>(value).subspan(pos[3] + 1));
    const int check = 98 - Mod97(value, pos[3] + 1, pos);
    value[pos[2]] = static_cast<char>('0' + check / 10);
    value[pos[3]] = static_cast<char>('0' + check % 10);
    return Status::Ok();
  }

 private:
  Status NotAnIban() const {
    return ValueError(where_,
                      "iban: value is not an IBAN (2 letters, 2 check digits, then "
                      "letters and digits)");
  }

  // The IBAN with its BBAN (from `bban_start`) moved before the country
  // code and "00" as check digits, as a number modulo 97 (letters count as
  // 10-35).
  static int Mod97(std::string_view value, size_t bban_start, const size_t pos[4]) {
    int mod = 0;
    auto add = [&mod](char c) {
      if (IsAsciiDigit(c)) {
        mod = (mod * 10 + (c - '0')) % 97;
      } else if (IsAsciiLetter(c)) {
        mod = (mod * 100 + ((c | 0x20) - 'a' + 10)) % 97;
      }
    };
    for (char c : value.substr(bban_start)) add(c);
    add(value[pos[0]]);
    add(value[pos[1]]);
    add('0');
    add('0');
    return mod;
  }
};

}  // namespace

Result<TransformerPtr> MakeIdentityTransformer(const BuildContext& ctx) {
  const Prf prf = ctx.PrfFor(ctx.spec.kind);
  switch (ctx.spec.kind) {
    case Kind::kEmail:
      return TransformerPtr(
          std::make_unique<EmailTransformer>(prf, ctx.where, ctx.type.case_insensitive));
    case Kind::kPhone:
      return TransformerPtr(std::make_unique<PhoneTransformer>(prf, ctx.where));
    case Kind::kCreditCard:
      return TransformerPtr(std::make_unique<CardTransformer>(prf, ctx.where));
    case Kind::kIban:
      return TransformerPtr(std::make_unique<IbanTransformer>(prf, ctx.where));
    case Kind::kPostcode:
      return TransformerPtr(std::make_unique<PostcodeTransformer>(prf, ctx.where));
    default:
      return ValueError(ctx.where, "not an identifier rule");
  }
}

}  // namespace spur::mask::internal
