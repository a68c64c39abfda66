#include <gtest/gtest.h>

#include <array>
#include <string>

#include "mask/prf.h"

namespace spur::mask {
namespace {

// The reference key 00 01 .. 0f and message 00 01 .. (len-1), as in the
// SipHash paper's appendix and the reference implementation's vectors.h.
SipKey ReferenceKey() {
  uint8_t bytes[16];
  for (int i = 0; i < 16; ++i) bytes[i] = static_cast<uint8_t>(i);
  return SipKey::FromBytes(bytes);
}

std::string ReferenceMessage(size_t len) {
  std::string m;
  for (size_t i = 0; i < len; ++i) m.push_back(static_cast<char>(i));
  return m;
}

// Output bytes in the order vectors.h lists them, as a little-endian word.
uint64_t Le(std::array<uint8_t, 8> b) {
  uint64_t w = 0;
  for (int i = 7; i >= 0; --i) w = (w << 8) | b[i];
  return w;
}

TEST(MaskPrfTest, SipHash64MatchesReferenceVectors) {
  const struct {
    size_t len;
    std::array<uint8_t, 8> out;
  } kVectors[] = {
      {0, {0x31, 0x0e, 0x0e, 0xdd, 0x47, 0xdb, 0x6f, 0x72}},
      {1, {0xfd, 0x67, 0xdc, 0x93, 0xc5, 0x39, 0xf8, 0x74}},
      {7, {0x37, 0xd1, 0x01, 0x8b, 0xf5, 0x00, 0x02, 0xab}},
      {8, {0x62, 0x24, 0x93, 0x9a, 0x79, 0xf5, 0xf5, 0x93}},
      {15, {0xe5, 0x45, 0xbe, 0x49, 0x61, 0xca, 0x29, 0xa1}},
      {63, {0x72, 0x45, 0x06, 0xeb, 0x4c, 0x32, 0x8a, 0x95}},
  };
  for (const auto& v : kVectors) {
    EXPECT_EQ(SipHash64(ReferenceKey(), ReferenceMessage(v.len)), Le(v.out)) << "len " << v.len;
  }
}

TEST(MaskPrfTest, SipHash128MatchesReferenceVectors) {
  const struct {
    size_t len;
    std::array<uint8_t, 8> lo, hi;
  } kVectors[] = {
      {0,
       {0xa3, 0x81, 0x7f, 0x04, 0xba, 0x25, 0xa8, 0xe6},
       {0x6d, 0xf6, 0x72, 0x14, 0xc7, 0x55, 0x02, 0x93}},
      {1,
       {0xda, 0x87, 0xc1, 0xd8, 0x6b, 0x99, 0xaf, 0x44},
       {0x34, 0x76, 0x59, 0x11, 0x9b, 0x22, 0xfc, 0x45}},
      {8,
       {0x3b, 0x62, 0xa9, 0xba, 0x62, 0x58, 0xf5, 0x61},
       {0x0f, 0x83, 0xe2, 0x64, 0xf3, 0x14, 0x97, 0xb4}},
      {15,
       {0x54, 0x93, 0xe9, 0x99, 0x33, 0xb0, 0xa8, 0x11},
       {0x7e, 0x08, 0xec, 0x0f, 0x97, 0xcf, 0xc3, 0xd9}},
      {63,
       {0x51, 0x50, 0xd1, 0x77, 0x2f, 0x50, 0x83, 0x4a},
       {0x50, 0x3e, 0x06, 0x9a, 0x97, 0x3f, 0xbd, 0x7c}},
  };
  for (const auto& v : kVectors) {
    const U128 h = SipHash128(ReferenceKey(), ReferenceMessage(v.len));
    EXPECT_EQ(h.lo, Le(v.lo)) << "len " << v.len;
    EXPECT_EQ(h.hi, Le(v.hi)) << "len " << v.len;
  }
}

TEST(MaskPrfTest, IncrementalHashingMatchesOneShot) {
  const SipKey key = ReferenceKey();
  const std::string message = ReferenceMessage(40);
  for (size_t split = 0; split <= message.size(); ++split) {
    SipHasher h(key);
    for (size_t i = 0; i < split; ++i) h.Byte(static_cast<uint8_t>(message[i]));
    h.Bytes(std::string_view(message).substr(split));
    EXPECT_EQ(h.Finish64(), SipHash64(key, message)) << "split " << split;
  }
  // A word is its 8 little-endian bytes, at any alignment.
  for (size_t lead = 0; lead < 8; ++lead) {
    SipHasher words(key);
    std::string bytes;
    for (size_t i = 0; i < lead; ++i) {
      words.Byte('x');
      bytes.push_back('x');
    }
    words.Word(0x0807060504030201ULL);
    bytes += std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    EXPECT_EQ(words.Finish64(), SipHash64(key, bytes)) << "lead " << lead;
  }
}

TEST(MaskPrfTest, DerivedKeysDifferByLabelAndMaskKey) {
  std::array<uint8_t, 32> key{};
  std::array<uint8_t, 32> other{};
  other[31] = 1;
  const Prf email = Prf::Derive(key, "email");
  const Prf phone = Prf::Derive(key, "phone");
  EXPECT_NE(email.Hash64("x"), phone.Hash64("x"));
  EXPECT_NE(email.Hash64("x"), Prf::Derive(other, "email").Hash64("x"));
  EXPECT_EQ(email.Hash64("x"), Prf::Derive(key, "email").Hash64("x"));
}

TEST(MaskPrfTest, DerivationIsHmacSha256OfTheLabel) {
  // HMAC-SHA256(32 zero bytes, "spur-mask/v1/email") is dc605543bdae8555
  // cf9eb34ec7fa9c20 99e9..., computed with `openssl dgst -sha256 -mac HMAC`;
  // its first 16 bytes, read little-endian, are the SipHash key.
  std::array<uint8_t, 32> key{};
  const SipKey derived = Prf::Derive(key, "email").key();
  EXPECT_EQ(derived.k0, 0x5585aebd435560dcULL);
  EXPECT_EQ(derived.k1, 0x209cfac74eb39ecfULL);
}

}  // namespace
}  // namespace spur::mask
