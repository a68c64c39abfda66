// Where everything lives inside a pool directory.
//
//   <root>/spur.db            metadata (SQLite, WAL mode, 0600)
//   <root>/lock               the pool lock (flock)
//   <root>/pool.img           optional sparse XFS image, loop-mounted at data/
//   <root>/data/branches/<id> one dataset per branch (a postgres data directory)
//   <root>/data/snapshots/<id> one dataset per snapshot
//   <root>/logs/<id>.log      postgres log of branch <id>
//   <root>/run/<id>/          socket directory of branch <id>
//
// Datasets are named by id, not by name, so a deleted and re-created branch
// never meets the leftovers of its namesake.
#pragma once

#include <cstdint>
#include <string>

namespace spur::engine {

struct Layout {
  std::string root;

  std::string db() const { return root + "/spur.db"; }
  std::string lock() const { return root + "/lock"; }
  std::string audit_log() const { return root + "/audit.log"; }
  std::string api_socket() const { return root + "/spur.sock"; }
  std::string image() const { return root + "/pool.img"; }
  std::string data() const { return root + "/data"; }
  std::string branches() const { return data() + "/branches"; }
  std::string snapshots() const { return data() + "/snapshots"; }
  std::string logs() const { return root + "/logs"; }
  std::string run() const { return root + "/run"; }

  std::string BranchData(int64_t id) const { return branches() + "/" + std::to_string(id); }
  // Where a reset builds the new data before swapping it in.
  std::string BranchStaging(int64_t id) const { return BranchData(id) + ".new"; }
  // Where `spur sync` builds a branch's next dataset, its socket, log and lock.
  std::string BranchSync(int64_t id) const { return BranchData(id) + ".sync"; }
  std::string SyncSocketDir(int64_t id) const { return run() + "/" + std::to_string(id) + "s"; }
  std::string SyncLog(int64_t id) const { return logs() + "/" + std::to_string(id) + ".sync.log"; }
  std::string SyncLock(int64_t id) const { return run() + "/sync-" + std::to_string(id) + ".lock"; }
  std::string SnapshotData(int64_t id) const { return snapshots() + "/" + std::to_string(id); }
  std::string BranchLog(int64_t id) const { return logs() + "/" + std::to_string(id) + ".log"; }
  std::string BranchSocketDir(int64_t id) const { return run() + "/" + std::to_string(id); }
};

// sun_path holds 107 bytes; "<run>/<id>/.s.PGSQL.<port>" must fit.
inline bool SocketPathFits(const Layout& layout) { return layout.run().size() + 32 < 107; }

}  // namespace spur::engine
