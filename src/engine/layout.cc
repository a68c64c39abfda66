#include "engine/layout.h"

#include <optional>
#include <string_view>

namespace spur::engine {
namespace {

// A decimal id as the layout writes it: digits, no sign, no leading zero.
std::optional<int64_t> ParseId(std::string_view s) {
  if (s.empty() || s.size() > 18 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// `name` with `prefix` removed, when it starts with it.
std::optional<std::string_view> After(std::string_view name, std::string_view prefix) {
  if (name.substr(0, prefix.size()) != prefix) return std::nullopt;
  return name.substr(prefix.size());
}

DatasetName ClassifyBranch(std::string_view name) {
  using K = DatasetName::Kind;
  const auto dot = name.find('.');
  auto id = ParseId(name.substr(0, dot));
  if (!id) return {};
  if (dot == std::string_view::npos) return {K::kBranch, *id, 0};
  const std::string_view suffix = name.substr(dot);
  if (suffix == ".new") return {K::kBranchStaging, *id, 0};
  if (suffix == ".old") return {K::kBranchOld, *id, 0};
  if (suffix == ".sync") return {K::kBranchSync, *id, 0};
  return {};
}

DatasetName ClassifySnapshot(std::string_view name) {
  using K = DatasetName::Kind;
  if (auto rest = After(name, "scratch-")) {
    const auto dash = rest->find('-');
    if (dash == std::string_view::npos) return {};
    auto pid = ParseId(rest->substr(0, dash));
    auto n = ParseId(rest->substr(dash + 1));
    if (!pid || !n) return {};
    return {K::kScratch, *n, *pid};
  }
  const auto dot = name.find('.');
  auto id = ParseId(name.substr(0, dot));
  if (!id) return {};
  if (dot == std::string_view::npos) return {K::kSnapshot, *id, 0};
  auto pid = After(name.substr(dot), ".diff-");
  if (!pid) return {};
  auto p = ParseId(*pid);
  if (!p) return {};
  return {K::kSnapshotDiff, *id, *p};
}

}  // namespace

DatasetName Layout::Classify(const std::string& path) const {
  if (auto name = After(path, branches() + "/"); name && name->find('/') == std::string::npos) {
    return ClassifyBranch(*name);
  }
  if (auto name = After(path, snapshots() + "/"); name && name->find('/') == std::string::npos) {
    return ClassifySnapshot(*name);
  }
  return {};
}

}  // namespace spur::engine
