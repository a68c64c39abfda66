#include "mask/fpe.h"

#include <vector>

namespace spur::mask {
namespace {

constexpr char kBase[4] = {0, '0', 'a', 'A'};
constexpr unsigned kRadix[4] = {1, 10, 26, 26};

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

using u128 = unsigned __int128;

u128 ToNative(U128 x) { return (static_cast<u128>(x.hi) << 64) | x.lo; }
U128 FromNative(u128 x) { return U128{static_cast<uint64_t>(x >> 64), static_cast<uint64_t>(x)}; }

}  // namespace

CharFpe::CharFpe(const Prf& prf, unsigned classes) : prf_(prf) {
  for (int c = 0; c < 256; ++c) {
    if ((classes & kDigits) && c >= '0' && c <= '9') class_of_[c] = 1;
    if ((classes & kLower) && c >= 'a' && c <= 'z') class_of_[c] = 2;
    if ((classes & kUpper) && c >= 'A' && c <= 'Z') class_of_[c] = 3;
  }
}

void CharFpe::Encrypt(std::span<char> text, uint64_t tweak) const { Run(text, tweak, false); }
void CharFpe::Decrypt(std::span<char> text, uint64_t tweak) const { Run(text, tweak, true); }

void CharFpe::EncryptCaseFolded(std::span<char> text, uint64_t tweak) const {
  std::vector<size_t> upper;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] >= 'A' && text[i] <= 'Z') {
      upper.push_back(i);
      text[i] = static_cast<char>(text[i] + 32);
    }
  }
  Run(text, tweak, false);
  for (size_t i : upper) {
    if (text[i] >= 'a' && text[i] <= 'z') text[i] = static_cast<char>(text[i] - 32);
  }
}

// Hashes the caller's tweak and the pattern. A class character contributes
// its class number (1-3), any other byte itself; the rare pattern pairs that
// hash alike (a literal \x01 vs a digit) merely share a tweak, which keeps
// the permutation a bijection on each pattern.
uint64_t CharFpe::PatternTweak(std::span<const char> text, uint64_t tweak,
                               size_t& class_chars) const {
  SipHasher h(prf_.key());
  h.Word(tweak);
  class_chars = 0;
  for (char c : text) {
    const uint8_t cls = class_of_[static_cast<uint8_t>(c)];
    class_chars += cls != 0;
    h.Byte(cls != 0 ? cls : static_cast<uint8_t>(c));
  }
  return h.Finish64();
}

void CharFpe::Run(std::span<char> text, uint64_t tweak, bool decrypt) const {
  size_t n = 0;
  const uint64_t pattern_tweak = PatternTweak(text, tweak, n);
  if (n == 0) return;
  // The left half ends after its n/2-th class character.
  size_t split = 0;
  for (size_t seen = 0; seen < n / 2; ++split) {
    seen += class_of_[static_cast<uint8_t>(text[split])] != 0;
  }
  const std::span<char> left = text.first(split);
  const std::span<char> right = text.subspan(split);
  SipHasher keyed(prf_.key());  // every round's PRF input starts with the tweak
  keyed.Word(pattern_tweak);
  for (int i = 0; i < kRounds; ++i) {
    const int round = decrypt ? kRounds - 1 - i : i;
    if (round % 2 == 0) {
      Round(left, right, keyed, round, decrypt);
    } else {
      Round(right, left, keyed, round, decrypt);
    }
  }
}

// Adds (or, decrypting, subtracts) to each class character of `target` a
// value derived from PRF(tweak, round, class characters of `source`), where
// `keyed` has absorbed the tweak already. The PRF output seeds a SplitMix64
// stream that supplies 16 bits per character, scaled to the class radix.
void CharFpe::Round(std::span<char> target, std::span<const char> source, const SipHasher& keyed,
                    int round, bool decrypt) const {
  SipHasher h = keyed;
  h.Byte(static_cast<uint8_t>(round));
  for (char c : source) {
    if (class_of_[static_cast<uint8_t>(c)] != 0) h.Byte(static_cast<uint8_t>(c));
  }
  uint64_t state = h.Finish64();
  uint64_t bits = state;
  int bits_left = 4;
  for (char& c : target) {
    const uint8_t cls = class_of_[static_cast<uint8_t>(c)];
    if (cls == 0) continue;
    if (bits_left == 0) {
      bits = SplitMix64(state);
      bits_left = 4;
    }
    const unsigned radix = kRadix[cls];
    const unsigned add = static_cast<unsigned>(((bits & 0xffff) * radix) >> 16);
    bits >>= 16;
    --bits_left;
    const unsigned value = static_cast<unsigned>(c - kBase[cls]);
    unsigned next;  // value ± add modulo radix, without a division
    if (decrypt) {
      next = value >= add ? value - add : value + radix - add;
    } else {
      next = value + add >= radix ? value + add - radix : value + add;
    }
    c = static_cast<char>(kBase[cls] + next);
  }
}

BitPermutation::BitPermutation(const Prf& prf, int bits)
    : prf_(prf), bits_(bits), half_mask_(bits >= 128 ? ~0ULL : (1ULL << (bits / 2)) - 1) {}

uint64_t BitPermutation::F(int round, uint64_t half) const {
  SipHasher h(prf_.key());
  h.Word(static_cast<uint64_t>(round) | (static_cast<uint64_t>(bits_) << 8));
  h.Word(half);
  return h.Finish64() & half_mask_;
}

U128 BitPermutation::Encrypt(U128 x) const {
  const int half_bits = bits_ / 2;
  const u128 v = ToNative(x);
  uint64_t left = static_cast<uint64_t>(v >> half_bits) & half_mask_;
  uint64_t right = static_cast<uint64_t>(v) & half_mask_;
  for (int round = 0; round < kRounds; ++round) {
    const uint64_t next_right = left ^ F(round, right);
    left = right;
    right = next_right;
  }
  return FromNative((static_cast<u128>(left) << half_bits) | right);
}

U128 BitPermutation::Decrypt(U128 x) const {
  const int half_bits = bits_ / 2;
  const u128 v = ToNative(x);
  uint64_t left = static_cast<uint64_t>(v >> half_bits) & half_mask_;
  uint64_t right = static_cast<uint64_t>(v) & half_mask_;
  for (int round = kRounds - 1; round >= 0; --round) {
    const uint64_t previous_left = right ^ F(round, left);
    right = left;
    left = previous_left;
  }
  return FromNative((static_cast<u128>(left) << half_bits) | right);
}

IntPermutation::IntPermutation(const Prf& prf, int bits) : perm_(prf, bits) {}

int64_t IntPermutation::Encrypt(int64_t v) const { return Walk(v, false); }
int64_t IntPermutation::Decrypt(int64_t v) const { return Walk(v, true); }

// Cycle-walking: applying a permutation of all patterns until the result
// lands back in the input's half (same sign bit) is a permutation of that
// half; on average it takes two steps.
int64_t IntPermutation::Walk(int64_t v, bool decrypt) const {
  const int bits = perm_.bits();
  const uint64_t mask = bits == 64 ? ~0ULL : (1ULL << bits) - 1;
  const uint64_t sign = 1ULL << (bits - 1);
  uint64_t u = static_cast<uint64_t>(v) & mask;
  const uint64_t want = u & sign;
  do {
    const U128 x{0, u};
    u = (decrypt ? perm_.Decrypt(x) : perm_.Encrypt(x)).lo;
  } while ((u & sign) != want);
  if (want != 0) u |= ~mask;  // sign-extend
  return static_cast<int64_t>(u);
}

}  // namespace spur::mask
