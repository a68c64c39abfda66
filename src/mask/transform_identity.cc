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

// The canonical form an email keys on is its ASCII-lower-cased text: every
// letter and digit is permuted case-folded (CharFpe::EncryptCaseFolded), so
// "Ann@X.com" in a text column, "ann@x.com" in a citext one and the same
// address inside a jsonb document mask to the same address (in their own
// case). A recognised address (no whitespace or control bytes, one '@', a
// dotted domain, a top-level domain of 1-24 letters) keeps its TLD, '@', '.'
// and punctuation; anything else has every letter and digit permuted, TLD
// included, so free text around an address ("Ann <ann@x.com>") never
// passes through.
class EmailTransformer final : public FpeTransformer {
 public:
  EmailTransformer(const Prf& prf, std::string where)
      : FpeTransformer(prf, kAlphanumeric, std::move(where)) {}

 protected:
  Status Mask(std::string& value) const override {
    fpe_.EncryptCaseFolded(std::span<char>(value.data(), KeptTldStart(value)));
    return Status::Ok();
  }

 private:
  // Where the kept ".tld" starts in a recognised address, else the size.
  static size_t KeptTldStart(std::string_view v) {
    const size_t at = v.find('@');
    if (at == 0 || at == std::string_view::npos || v.find('@', at + 1) != std::string_view::npos) {
      return v.size();
    }
    for (char c : v) {
      if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return v.size();
    }
    const size_t dot = v.rfind('.');
    if (dot == std::string_view::npos || dot < at + 2) return v.size();
    const std::string_view tld = v.substr(dot + 1);
    if (tld.empty() || tld.size() > 24) return v.size();
    for (char c : tld) {
      if (!IsAsciiLetter(c)) return v.size();
    }
    return dot;
  }
};

// A phone number as recognised: optional leading '+', digits and the
// separators " -.()/" (at least one digit), then optionally an extension
// ("ext", "ext.", "x" or "#", any case, then digits). Returns the length of
// the longest recognised prefix of `v` (0 when it does not start with one).
size_t RecognisedPhonePrefix(std::string_view v) {
  auto is_sep = [](char c) {
    return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/';
  };
  size_t i = 0;
  while (i < v.size() && v[i] == ' ') ++i;
  if (i < v.size() && v[i] == '+') ++i;
  size_t last_digit = std::string_view::npos;
  while (i < v.size() && (IsAsciiDigit(v[i]) || is_sep(v[i]))) {
    if (IsAsciiDigit(v[i])) last_digit = i;
    ++i;
  }
  if (last_digit == std::string_view::npos) return 0;
  size_t end = last_digit + 1;
  if (end < v.size() && v[end] == ')') ++end;  // "(555)" ends with its parenthesis
  // Extension.
  size_t j = end;
  while (j < v.size() && v[j] == ' ') ++j;
  size_t marker = 0;
  auto lower_at = [&](size_t k) { return k < v.size() ? static_cast<char>(v[k] | 0x20) : '\0'; };
  if (lower_at(j) == 'e' && lower_at(j + 1) == 'x' && lower_at(j + 2) == 't') {
    marker = v.substr(j + 3, 1) == "." ? 4 : 3;
  } else if (lower_at(j) == 'x' || (j < v.size() && v[j] == '#')) {
    marker = 1;
  }
  if (marker == 0) return end;
  size_t k = j + marker;
  while (k < v.size() && v[k] == ' ') ++k;
  size_t digits_end = k;
  while (digits_end < v.size() && IsAsciiDigit(v[digits_end])) ++digits_end;
  return digits_end > k ? digits_end : end;
}

// Permutes the digits; keeps a leading '+' with the digit after it (the
// start of the country code) and the separators. Text that is not part of a
// recognised number (RecognisedPhonePrefix: "555-0100 ext. 12 (ask for
// Ann)" keeps "ext. 12" and drops the rest) is removed, so free text never
// passes through; a value with no number at all becomes a keyed 10-digit
// number. Bijective on recognised numbers.
class PhoneTransformer final : public FpeTransformer {
 public:
  PhoneTransformer(const Prf& prf, std::string where)
      : FpeTransformer(prf, kDigits, std::move(where)), prf_(prf) {}

 protected:
  Status Mask(std::string& value) const override {
    const size_t keep = RecognisedPhonePrefix(value);
    if (keep == 0) {
      ReplaceWithKeyedNumber(value);
      return Status::Ok();
    }
    if (keep < value.size()) {
      value.resize(keep);
      while (!value.empty() && value.back() == ' ') value.pop_back();
    }
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

 private:
  void ReplaceWithKeyedNumber(std::string& value) const {
    uint64_t h = prf_.Hash64(value);
    value.assign(10, '0');
    for (char& c : value) {
      c = static_cast<char>('0' + h % 10);
      h /= 10;
    }
  }

  Prf prf_;
};

// Letters and digits permuted within their class (case-folded: "sw1a" and
// "SW1A" are one postcode), everything else kept.
class PostcodeTransformer final : public FpeTransformer {
 public:
  PostcodeTransformer(const Prf& prf, std::string where)
      : FpeTransformer(prf, kAlphanumeric, std::move(where)) {}

 protected:
  Status Mask(std::string& value) const override {
    fpe_.EncryptCaseFolded(value);
    return Status::Ok();
  }
};

// Keeps the number: the first run of digits, spaces and dashes after any
// leading spaces, trimmed. Free text after it is removed, never passed
// through (digits in that text included).
void DropNonCardCharacters(std::string& value) {
  const size_t first = value.find_first_not_of(' ');
  value.erase(0, first == std::string::npos ? value.size() : first);
  size_t end = 0;
  while (end < value.size() &&
         (IsAsciiDigit(value[end]) || value[end] == ' ' || value[end] == '-')) {
    ++end;
  }
  value.resize(end);
  while (!value.empty() && (value.back() == ' ' || value.back() == '-')) value.pop_back();
}

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
    DropNonCardCharacters(value);
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
    fpe_.EncryptCaseFolded(std::span<char>(value).subspan(pos[3] + 1));
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
      return TransformerPtr(std::make_unique<EmailTransformer>(prf, ctx.where));
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
