// Every connection the proxy holds open, per branch: admission against the
// per-branch and per-pool limits, counters for /metrics and `spur branch
// list`, idle time for suspend and expiry (no polling of pg_stat_activity
// for branches reached only through the proxy), and the cancel keys that
// route a CancelRequest to the branch whose backend it names. Thread-safe;
// time comes from the caller (unix seconds), so tests need no clock.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "common/status.h"

namespace spur::proxy {

class ConnectionTable {
 public:
  struct Limits {
    int per_branch = 100;
    int per_pool = 1000;
  };
  struct BranchStats {
    int open = 0;
    uint64_t total = 0;            // connections admitted, ever
    uint64_t refused = 0;          // refused by a limit
    uint64_t bytes_to_server = 0;  // client -> postgres
    uint64_t bytes_to_client = 0;  // postgres -> client
    int64_t last_closed = 0;       // when the last connection closed (0: never)
  };
  using Id = uint64_t;

  explicit ConnectionTable(Limits limits) : limits_(limits) {}

  // Admits one more connection to `branch`. ResourceExhausted
  // (the client is told 53300) when the branch or the pool is at its limit;
  // nothing is admitted then, only the refusal counted.
  [[nodiscard]] Result<Id> Open(const std::string& branch);
  // Ends connection `id` at `now`, with the bytes it relayed each way. An
  // unknown or already closed id changes nothing.
  void Close(Id id, int64_t now);
  // Adds to a connection's byte counters while it is open (unknown id: no-op).
  void AddBytes(Id id, uint64_t to_server, uint64_t to_client);
  // Records the backend cancel key postgres gave connection `id`.
  void SetCancelKey(Id id, int32_t pid, int32_t key);
  // The branch of the open connection whose backend is `pid` with secret
  // `key`, or nullopt: a CancelRequest with any other pair is dropped, as
  // postgres drops it, so nobody cancels another branch's queries by pid.
  // A scan of the open connections: at most Limits::per_pool.
  std::optional<std::string> BranchForCancel(int32_t pid, int32_t key) const;

  BranchStats Stats(const std::string& branch) const;  // zeros for an unknown branch
  std::map<std::string, BranchStats> All() const;
  // Seconds `branch` has had no open connection at `now`, or nullopt while
  // one is open or none was ever made through the proxy.
  std::optional<int64_t> IdleFor(const std::string& branch, int64_t now) const;
  // Drops the counters of a deleted branch, at once or, while connections
  // to it are open, when the last one closes: metric labels stay those of
  // live branches.
  void Forget(const std::string& branch);

 private:
  struct Conn {
    std::string branch;
    std::optional<std::pair<int32_t, int32_t>> cancel;  // (pid, key)
  };

  Limits limits_;
  mutable std::mutex mu_;
  Id next_ = 1;
  int open_total_ = 0;
  std::map<Id, Conn> conns_;
  std::map<std::string, BranchStats> stats_;
  std::set<std::string> forgotten_;  // dropped when their last connection closes
};

}  // namespace spur::proxy
