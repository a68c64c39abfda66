// A set of strings, each held once and named by a dense id (0, 1, 2, ... in
// the order they were first added). Built for millions of short values (the
// originals `spur mask verify` searches for): the bytes live in a few large
// blocks instead of one allocation each, and the index is one flat array of
// (hash, id) slots, so a lookup that misses touches one cache line and never
// the strings.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace spur {

class StringInterner {
 public:
  StringInterner() = default;
  StringInterner(const StringInterner&) = delete;
  StringInterner& operator=(const StringInterner&) = delete;
  StringInterner(StringInterner&&) = default;
  StringInterner& operator=(StringInterner&&) = default;

  // The id of `s`: the one it already has, else the next one (size() before
  // the call). Never fails; the caller keeps size() below 2^32 - 1.
  uint32_t Intern(std::string_view s);
  // The id of `s`, or nullopt when it was never added.
  std::optional<uint32_t> Find(std::string_view s) const;
  // The string named `id` (< size()). The view stays valid as long as the
  // interner: blocks are never moved or freed while it lives.
  std::string_view Get(uint32_t id) const { return views_[id]; }
  size_t size() const { return views_.size(); }

 private:
  static constexpr size_t kBlockBytes = 1 << 20;

  std::string_view Store(std::string_view s);
  void Grow();
  // The slot holding `s` (hash `h`), or the empty slot where it would go.
  size_t Probe(std::string_view s, uint64_t h) const;

  std::vector<std::unique_ptr<char[]>> blocks_;  // short values, packed
  std::vector<std::unique_ptr<char[]>> large_;   // one per long value
  size_t block_used_ = kBlockBytes;              // bytes used in blocks_.back()
  std::vector<std::string_view> views_;
  // 0 = empty; else the hash's high 32 bits, then id + 1 in the low 32.
  std::vector<uint64_t> slots_;
};

}  // namespace spur
