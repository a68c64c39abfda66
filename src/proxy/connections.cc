#include "proxy/connections.h"

namespace spur::proxy {

Result<ConnectionTable::Id> ConnectionTable::Open(const std::string& branch) {
  std::lock_guard<std::mutex> lock(mu_);
  BranchStats& s = stats_[branch];
  if (s.open >= limits_.per_branch) {
    ++s.refused;
    return ResourceExhausted("branch \"" + branch + "\" has " + std::to_string(s.open) +
                             " connections through the proxy, its limit; close one or retry");
  }
  if (open_total_ >= limits_.per_pool) {
    ++s.refused;
    return ResourceExhausted("the proxy holds " + std::to_string(open_total_) +
                             " connections, the pool's limit; retry later");
  }
  forgotten_.erase(branch);  // a branch of the same name again
  ++s.open;
  ++s.total;
  ++open_total_;
  const Id id = next_++;
  conns_[id] = Conn{branch, std::nullopt};
  return id;
}

void ConnectionTable::Close(Id id, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  auto s = stats_.find(it->second.branch);
  if (s != stats_.end()) {
    --s->second.open;
    s->second.last_closed = now;
    if (s->second.open == 0 && forgotten_.erase(s->first) > 0) stats_.erase(s);
  }
  --open_total_;
  conns_.erase(it);
}

void ConnectionTable::AddBytes(Id id, uint64_t to_server, uint64_t to_client) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  auto s = stats_.find(it->second.branch);
  if (s == stats_.end()) return;
  s->second.bytes_to_server += to_server;
  s->second.bytes_to_client += to_client;
}

void ConnectionTable::SetCancelKey(Id id, int32_t pid, int32_t key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = conns_.find(id);
  if (it != conns_.end()) it->second.cancel = std::make_pair(pid, key);
}

std::optional<std::string> ConnectionTable::BranchForCancel(int32_t pid, int32_t key) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, c] : conns_) {
    if (c.cancel && c.cancel->first == pid && c.cancel->second == key) return c.branch;
  }
  return std::nullopt;
}

ConnectionTable::BranchStats ConnectionTable::Stats(const std::string& branch) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = stats_.find(branch);
  return it == stats_.end() ? BranchStats{} : it->second;
}

std::map<std::string, ConnectionTable::BranchStats> ConnectionTable::All() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

std::optional<int64_t> ConnectionTable::IdleFor(const std::string& branch, int64_t now) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = stats_.find(branch);
  if (it == stats_.end() || it->second.open > 0 || it->second.last_closed == 0) return std::nullopt;
  return now - it->second.last_closed;
}

void ConnectionTable::Forget(const std::string& branch) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = stats_.find(branch);
  if (it == stats_.end()) return;
  if (it->second.open == 0) {
    stats_.erase(it);
  } else {
    forgotten_.insert(branch);
  }
}

}  // namespace spur::proxy
