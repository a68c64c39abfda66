// Keyed format-preserving permutations, built on the SipHash PRF:
//
//  - CharFpe permutes the characters of a string within their classes
//    (digits, a-z, A-Z) and leaves every other byte where it is, so
//    "AB-123 x@y" becomes something like "QK-806 f@m";
//  - BitPermutation permutes the integers of a fixed bit width;
//  - IntPermutation permutes a signed integer type's values, keeping signs.
//
// Each is a bijection for a fixed key and tweak, so masked keys stay unique,
// and each has its inverse (used by tests; masking never decrypts). These are
// masking permutations, not encryption: they resist guessing the key from
// outputs, but short domains (a 3-digit string) are small by nature.
// All classes are immutable after construction and thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "mask/prf.h"

namespace spur::mask {

// The character classes a CharFpe permutes; combine with |.
enum CharClass : unsigned {
  kDigits = 1,  // 0-9, radix 10
  kLower = 2,   // a-z, radix 26
  kUpper = 4,   // A-Z, radix 26
  kLetters = kLower | kUpper,
  kAlphanumeric = kDigits | kLower | kUpper,
};

// An unbalanced-radix Feistel network over the characters of the enabled
// classes. The n class characters are split into a left half (the first
// n/2) and a right half; each of 10 rounds adds to every character of one
// half, modulo its class's radix, a value derived from PRF(tweak, pattern,
// round, other half). The pattern (the string with its class characters
// replaced by their class) is part of the tweak and never changes, so the
// output has the input's length, pattern and non-class bytes.
class CharFpe {
 public:
  static constexpr int kRounds = 10;

  CharFpe() = default;
  CharFpe(const Prf& prf, unsigned classes);

  // Permutes `text` in place. For fixed key, classes and tweak this is a
  // bijection on the strings that share the input's pattern.
  void Encrypt(std::span<char> text, uint64_t tweak = 0) const;
  // The inverse of Encrypt under the same tweak.
  void Decrypt(std::span<char> text, uint64_t tweak = 0) const;
  // Encrypt on the ASCII-lower-cased text, then each letter that was upper
  // case is upper-cased again: values equal but for case give outputs equal
  // but for the same case, and the output depends on the letters only through
  // their lower-case form. Still a bijection (the case pattern is kept).
  void EncryptCaseFolded(std::span<char> text, uint64_t tweak = 0) const;

 private:
  void Run(std::span<char> text, uint64_t tweak, bool decrypt) const;
  uint64_t PatternTweak(std::span<const char> text, uint64_t tweak, size_t& class_chars) const;
  void Round(std::span<char> target, std::span<const char> source, const SipHasher& keyed,
             int round, bool decrypt) const;

  Prf prf_;
  std::array<uint8_t, 256> class_of_{};  // 0 = kept; 1 digit, 2 lower, 3 upper
};

// A keyed permutation of [0, 2^bits) for an even `bits` in [2, 128]: a
// balanced Feistel network of 8 rounds on two bits/2-bit halves, each round
// XORing a SipHash of (bits, round, other half) into one half.
class BitPermutation {
 public:
  static constexpr int kRounds = 8;

  BitPermutation() = default;
  BitPermutation(const Prf& prf, int bits);

  // `x` must be below 2^bits; so is the result.
  U128 Encrypt(U128 x) const;
  U128 Decrypt(U128 x) const;

  int bits() const { return bits_; }

 private:
  uint64_t F(int round, uint64_t half) const;

  Prf prf_;
  int bits_ = 0;
  uint64_t half_mask_ = 0;
};

// A keyed permutation of the values of a two's-complement integer type of
// `bits` bits (16, 32 or 64) that maps the non-negative values onto
// themselves and the negative values onto themselves: a BitPermutation over
// all `bits`-bit patterns, cycle-walked until the sign bit matches the input.
class IntPermutation {
 public:
  IntPermutation() = default;
  IntPermutation(const Prf& prf, int bits);

  // `v` must lie in the type's range; so does the result.
  int64_t Encrypt(int64_t v) const;
  int64_t Decrypt(int64_t v) const;

 private:
  int64_t Walk(int64_t v, bool decrypt) const;

  BitPermutation perm_;
};

}  // namespace spur::mask
