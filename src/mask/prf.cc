#include "mask/prf.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <bit>
#include <cstdlib>
#include <cstring>
#include <string>

namespace spur::mask {
namespace {

static_assert(std::endian::native == std::endian::little,
              "SipHash word loads assume a little-endian host");

uint64_t LoadLittleEndian(const void* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

}  // namespace

SipKey SipKey::FromBytes(const uint8_t bytes[16]) {
  return SipKey{LoadLittleEndian(bytes), LoadLittleEndian(bytes + 8)};
}

void SipHasher::Word(uint64_t w) {
  const int shift = 8 * static_cast<int>(length_ & 7);
  length_ += 8;
  if (shift == 0) {
    Compress(w);
    return;
  }
  Compress(pending_ | (w << shift));
  pending_ = w >> (64 - shift);
}

void SipHasher::Bytes(std::string_view data) {
  size_t i = 0;
  while (i < data.size() && (length_ & 7) != 0) Byte(static_cast<uint8_t>(data[i++]));
  for (; i + 8 <= data.size(); i += 8) {
    Compress(LoadLittleEndian(data.data() + i));
    length_ += 8;
  }
  while (i < data.size()) Byte(static_cast<uint8_t>(data[i++]));
}

void SipHasher::FinishMessage(uint8_t final_xor) {
  Compress(pending_ | (length_ << 56));
  v2_ ^= final_xor;
  for (int i = 0; i < 4; ++i) Round();
}

uint64_t SipHasher::Finish64() {
  FinishMessage(0xff);
  return v0_ ^ v1_ ^ v2_ ^ v3_;
}

U128 SipHasher::Finish128() {
  FinishMessage(0xee);
  U128 out;
  out.lo = v0_ ^ v1_ ^ v2_ ^ v3_;
  v1_ ^= 0xdd;
  for (int i = 0; i < 4; ++i) Round();
  out.hi = v0_ ^ v1_ ^ v2_ ^ v3_;
  return out;
}

uint64_t SipHash64(const SipKey& key, std::string_view data) {
  SipHasher h(key);
  h.Bytes(data);
  return h.Finish64();
}

U128 SipHash128(const SipKey& key, std::string_view data) {
  SipHasher h(key, /*wide=*/true);
  h.Bytes(data);
  return h.Finish128();
}

Prf Prf::Derive(const std::array<uint8_t, 32>& mask_key, std::string_view label) {
  const std::string message = "spur-mask/v1/" + std::string(label);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), mask_key.data(), static_cast<int>(mask_key.size()),
            reinterpret_cast<const unsigned char*>(message.data()), message.size(), md, &len)) {
    std::abort();  // only fails on allocation failure
  }
  return Prf(SipKey::FromBytes(md));
}

}  // namespace spur::mask
