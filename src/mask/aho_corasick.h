// Aho–Corasick multi-pattern search over bytes: every occurrence of every
// pattern (overlapping ones included) in one pass over the text.
//
// The automaton is a full DFA over byte classes (bytes that occur in no
// pattern share one class), so each text byte costs one table lookup. Memory
// is about 4 bytes x (total pattern bytes + 1) x (distinct pattern bytes + 1).
// Search is streaming: pass the returned state into the next call and
// matches that straddle two calls are found. Immutable after construction;
// Feed is const and safe from many threads, each with its own state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spur::mask {

class AhoCorasick {
 public:
  using State = uint32_t;
  static constexpr State kStart = 0;  // the state before any text

  // Builds the automaton. Pattern i is reported as id i; empty patterns never
  // match; equal patterns are each reported. The patterns' total length must
  // be below 2^31 bytes (states are 31-bit).
  explicit AhoCorasick(const std::vector<std::string>& patterns);

  // Scans `text` from `state` and returns the state after its last byte. For
  // each occurrence ending in `text` calls on_match(pattern_id, end), `end`
  // being the offset in `text` just past the occurrence's last byte (the
  // occurrence may start in earlier text fed with the same state chain).
  template <typename OnMatch>
  State Feed(std::string_view text, State state, OnMatch&& on_match) const {
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    for (size_t i = 0; i < text.size(); ++i) {
      state = next_[static_cast<size_t>(state & ~kReports) * classes_ + class_of_[bytes[i]]];
      if (state & kReports) Report(state & ~kReports, i + 1, on_match);
    }
    return state;
  }

  size_t pattern_count() const { return pattern_count_; }
  size_t max_pattern_length() const { return max_length_; }
  size_t state_count() const { return state_count_; }

 private:
  static constexpr State kNone = UINT32_MAX;
  // Set in next_ entries (and so in states handed out) whose target state, or
  // a suffix of it, ends a pattern: one bit test per byte instead of a lookup.
  static constexpr State kReports = 1u << 31;

  template <typename OnMatch>
  void Report(State state, size_t end, OnMatch& on_match) const {
    for (State s = state; s != kNone; s = dict_link_[s]) {
      for (uint32_t k = out_begin_[s]; k < out_begin_[s + 1]; ++k) on_match(out_[k], end);
    }
  }

  void BuildClasses(const std::vector<std::string>& patterns);
  // Adds the trie of `patterns`; returns each state's own pattern ids.
  std::vector<std::vector<uint32_t>> BuildTrie(const std::vector<std::string>& patterns);
  // Fills failure transitions breadth first and the dictionary links.
  void BuildLinks(const std::vector<std::vector<uint32_t>>& own);

  size_t pattern_count_ = 0;
  size_t max_length_ = 0;
  size_t classes_ = 1;
  uint16_t class_of_[256] = {};
  std::vector<State> next_;          // state * classes_ + class -> state
  std::vector<State> dict_link_;     // nearest proper suffix state with own patterns
  std::vector<uint32_t> out_begin_;  // own patterns of s: out_[out_begin_[s], out_begin_[s+1])
  std::vector<uint32_t> out_;
  size_t state_count_ = 0;
};

}  // namespace spur::mask
