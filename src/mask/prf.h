// The keyed pseudo-random function under every transformer: SipHash-2-4
// (Aumasson & Bernstein, 2012) with 64-bit and 128-bit outputs, written
// here so the hot path has no library call and no allocation.
//
// A Prf holds one 128-bit SipHash key. Transformers never use the mask key
// directly: Prf::Derive gives each kind its own subkey,
//   subkey = first 16 bytes of HMAC-SHA256(mask key, "spur-mask/v1/" + label),
// so outputs of different kinds are independent and the mask key cannot be
// recovered from any of them. All types here are immutable values (SipHasher
// excepted) and safe to share between threads.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace spur::mask {

// A 128-bit SipHash key as two little-endian words (k0 = bytes 0-7).
struct SipKey {
  uint64_t k0 = 0;
  uint64_t k1 = 0;
  // Reads 16 bytes little-endian, as the reference implementation does.
  static SipKey FromBytes(const uint8_t bytes[16]);
};

// A 128-bit value; `hi` holds the most significant bits.
struct U128 {
  uint64_t hi = 0;
  uint64_t lo = 0;
  friend bool operator==(const U128&, const U128&) = default;
};

// SipHash-2-4 of `data` with 64-bit output.
uint64_t SipHash64(const SipKey& key, std::string_view data);

// SipHash-2-4 with 128-bit output (the reference "siphash128" variant). The
// reference's 16 output bytes are lo (little-endian) followed by hi.
U128 SipHash128(const SipKey& key, std::string_view data);

// Incremental SipHash-2-4: feed bytes and words, then finish once. Gives the
// same result as the one-shot functions on the concatenated bytes. Not
// thread-safe; cheap to create on the stack.
class SipHasher {
 public:
  explicit SipHasher(const SipKey& key, bool wide = false)
      : v0_(key.k0 ^ 0x736f6d6570736575ULL),
        v1_(key.k1 ^ 0x646f72616e646f6dULL ^ (wide ? 0xeeULL : 0)),
        v2_(key.k0 ^ 0x6c7967656e657261ULL),
        v3_(key.k1 ^ 0x7465646279746573ULL) {}

  void Byte(uint8_t b) {
    pending_ |= static_cast<uint64_t>(b) << (8 * (length_ & 7));
    if ((++length_ & 7) == 0) {
      Compress(pending_);
      pending_ = 0;
    }
  }
  void Word(uint64_t w);  // the 8 bytes of `w`, little-endian
  void Bytes(std::string_view data);

  // Call exactly one of these, once, and only with the matching `wide`.
  uint64_t Finish64();
  U128 Finish128();

 private:
  static uint64_t Rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }
  void Round() {
    v0_ += v1_;
    v1_ = Rotl(v1_, 13);
    v1_ ^= v0_;
    v0_ = Rotl(v0_, 32);
    v2_ += v3_;
    v3_ = Rotl(v3_, 16);
    v3_ ^= v2_;
    v0_ += v3_;
    v3_ = Rotl(v3_, 21);
    v3_ ^= v0_;
    v2_ += v1_;
    v1_ = Rotl(v1_, 17);
    v1_ ^= v2_;
    v2_ = Rotl(v2_, 32);
  }
  void Compress(uint64_t m) {
    v3_ ^= m;
    Round();
    Round();
    v0_ ^= m;
  }
  void FinishMessage(uint8_t final_xor);

  uint64_t v0_, v1_, v2_, v3_;
  uint64_t pending_ = 0;  // bytes not yet compressed, little-endian
  uint64_t length_ = 0;   // total bytes fed
};

// A keyed PRF: SipHash-2-4 under a derived subkey.
class Prf {
 public:
  Prf() = default;
  explicit Prf(const SipKey& key) : key_(key) {}

  // The PRF for `label` under the 32-byte mask key (see the file comment).
  static Prf Derive(const std::array<uint8_t, 32>& mask_key, std::string_view label);

  uint64_t Hash64(std::string_view data) const { return SipHash64(key_, data); }
  U128 Hash128(std::string_view data) const { return SipHash128(key_, data); }
  // Starts an incremental hash under this PRF's key.
  SipHasher Start(bool wide = false) const { return SipHasher(key_, wide); }

  const SipKey& key() const { return key_; }

 private:
  SipKey key_;
};

}  // namespace spur::mask
