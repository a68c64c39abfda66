#include "common/string_interner.h"

#include <cstring>
#include <functional>

namespace spur {
namespace {

uint64_t HashOf(std::string_view s) { return std::hash<std::string_view>{}(s); }
uint64_t Slot(uint64_t h, uint32_t id) { return (h & 0xffffffff00000000ULL) | (uint64_t{id} + 1); }
uint32_t IdOf(uint64_t slot) { return static_cast<uint32_t>(slot) - 1; }
bool SameHash(uint64_t slot, uint64_t h) { return (slot >> 32) == (h >> 32); }

}  // namespace

size_t StringInterner::Probe(std::string_view s, uint64_t h) const {
  const size_t mask = slots_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    const uint64_t slot = slots_[i];
    if (slot == 0) return i;
    if (SameHash(slot, h) && views_[IdOf(slot)] == s) return i;
  }
}

std::optional<uint32_t> StringInterner::Find(std::string_view s) const {
  if (slots_.empty()) return std::nullopt;
  const uint64_t slot = slots_[Probe(s, HashOf(s))];
  if (slot == 0) return std::nullopt;
  return IdOf(slot);
}

uint32_t StringInterner::Intern(std::string_view s) {
  // At most half full: probes stay short.
  if ((views_.size() + 1) * 2 > slots_.size()) Grow();
  const uint64_t h = HashOf(s);
  const size_t i = Probe(s, h);
  if (slots_[i] != 0) return IdOf(slots_[i]);
  const auto id = static_cast<uint32_t>(views_.size());
  views_.push_back(Store(s));
  slots_[i] = Slot(h, id);
  return id;
}

std::string_view StringInterner::Store(std::string_view s) {
  if (s.empty()) return {};
  if (s.size() > kBlockBytes / 4) {  // a long value gets a block of its own
    large_.push_back(std::make_unique<char[]>(s.size()));
    std::memcpy(large_.back().get(), s.data(), s.size());
    return {large_.back().get(), s.size()};
  }
  if (block_used_ + s.size() > kBlockBytes) {
    blocks_.push_back(std::make_unique<char[]>(kBlockBytes));
    block_used_ = 0;
  }
  char* at = blocks_.back().get() + block_used_;
  std::memcpy(at, s.data(), s.size());
  block_used_ += s.size();
  return {at, s.size()};
}

void StringInterner::Grow() {
  std::vector<uint64_t> old;
  old.swap(slots_);
  slots_.assign(old.empty() ? 64 : old.size() * 2, 0);
  const size_t mask = slots_.size() - 1;
  for (uint64_t slot : old) {
    if (slot == 0) continue;
    const uint64_t h = HashOf(views_[IdOf(slot)]);
    size_t i = h & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

}  // namespace spur
