#include "mask/aho_corasick.h"

#include <algorithm>
#include <deque>

namespace spur::mask {

AhoCorasick::AhoCorasick(const std::vector<std::string>& patterns)
    : pattern_count_(patterns.size()) {
  BuildClasses(patterns);
  std::vector<std::vector<uint32_t>> own = BuildTrie(patterns);
  BuildLinks(own);
  out_begin_.reserve(own.size() + 1);
  for (const std::vector<uint32_t>& ids : own) {
    out_begin_.push_back(static_cast<uint32_t>(out_.size()));
    out_.insert(out_.end(), ids.begin(), ids.end());
  }
  out_begin_.push_back(static_cast<uint32_t>(out_.size()));
}

void AhoCorasick::BuildClasses(const std::vector<std::string>& patterns) {
  bool used[256] = {};
  for (const std::string& p : patterns) {
    for (unsigned char c : p) used[c] = true;
    max_length_ = std::max(max_length_, p.size());
  }
  for (int b = 0; b < 256; ++b) {
    if (used[b]) class_of_[b] = static_cast<uint16_t>(classes_++);
  }
}

std::vector<std::vector<uint32_t>> AhoCorasick::BuildTrie(
    const std::vector<std::string>& patterns) {
  std::vector<std::vector<uint32_t>> own(1);
  next_.assign(classes_, kNone);
  for (uint32_t id = 0; id < patterns.size(); ++id) {
    if (patterns[id].empty()) continue;
    State s = kStart;
    for (unsigned char c : patterns[id]) {
      State& edge = next_[static_cast<size_t>(s) * classes_ + class_of_[c]];
      if (edge == kNone) {
        edge = static_cast<State>(own.size());
        own.emplace_back();
        next_.resize(next_.size() + classes_, kNone);  // may move `edge`: reread below
      }
      s = next_[static_cast<size_t>(s) * classes_ + class_of_[c]];
    }
    own[s].push_back(id);
  }
  return own;
}

void AhoCorasick::BuildLinks(const std::vector<std::vector<uint32_t>>& own) {
  const size_t n = own.size();
  std::vector<State> fail(n, kStart);
  dict_link_.assign(n, kNone);
  std::vector<uint8_t> reports(n, 0);  // 1 when s or a suffix of s ends a pattern
  std::deque<State> queue;
  for (size_t c = 0; c < classes_; ++c) {
    State& edge = next_[c];
    if (edge == kNone) {
      edge = kStart;
    } else {
      queue.push_back(edge);  // depth 1: fails to the start
    }
  }
  while (!queue.empty()) {
    const State s = queue.front();
    queue.pop_front();
    const State f = fail[s];
    dict_link_[s] = own[f].empty() ? dict_link_[f] : f;
    reports[s] = !own[s].empty() || dict_link_[s] != kNone;
    for (size_t c = 0; c < classes_; ++c) {
      State& edge = next_[static_cast<size_t>(s) * classes_ + c];
      const State via_fail = next_[static_cast<size_t>(f) * classes_ + c];
      if (edge == kNone) {
        edge = via_fail;
      } else {
        fail[edge] = via_fail;
        queue.push_back(edge);
      }
    }
  }
  for (State& target : next_) {
    if (reports[target]) target |= kReports;
  }
  state_count_ = n;
}

}  // namespace spur::mask
