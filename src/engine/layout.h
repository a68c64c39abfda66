// Where everything lives inside a pool directory. Layout is the one place
// that builds dataset names, and the one that reads them back (Classify):
// reconciliation acts only on names Layout recognises, so data a new feature
// keeps under data/ is never taken for leftovers.
//
//   <root>/spur.db                 metadata (SQLite, WAL mode, 0600)
//   <root>/lock                    the pool lock (flock)
//   <root>/pool.img                optional sparse XFS image, loop-mounted at data/
//   <root>/data/branches/<id>      one dataset per branch (a postgres data directory)
//   <root>/data/branches/<id>.new  a reset's (or sync's) complete next data, being swapped in
//   <root>/data/branches/<id>.old  the data a swap moved away, to be destroyed
//   <root>/data/branches/<id>.sync a sync's staging cluster, being filled
//   <root>/data/snapshots/<id>     one dataset per snapshot
//   <root>/data/snapshots/<id>.diff-<pid>  `spur diff`'s throw-away instance of a snapshot
//   <root>/logs/<id>.log           postgres log of branch <id> (0600; logs/ is 0700)
//   <root>/run/<id>/               socket directory of branch <id> (0700, postgres's user)
//
// Datasets are named by id, not by name, so a deleted and re-created branch
// never meets the leftovers of its namesake.
#pragma once

#include <cstdint>
#include <string>

namespace spur::engine {

// What a dataset path is, for reconciliation.
struct DatasetName {
  enum class Kind {
    kBranch,         // data/branches/<id>
    kBranchStaging,  // data/branches/<id>.new
    kBranchOld,      // data/branches/<id>.old
    kBranchSync,     // data/branches/<id>.sync
    kSnapshot,       // data/snapshots/<id>
    kSnapshotDiff,   // data/snapshots/<id>.diff-<pid>
    kScratch,        // data/snapshots/scratch-<pid>-<n>
    kUnknown,        // anything else: never touched by reconcile
  };
  Kind kind = Kind::kUnknown;
  int64_t id = 0;   // branch or snapshot id
  int64_t pid = 0;  // kSnapshotDiff, kScratch: the process that owns it
};

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
  // Tokens for forges' APIs, one file per name, placed by the operator
  // (repository setting forge_token_file).
  std::string forge_token(const std::string& name) const { return root + "/forge-tokens/" + name; }
  std::string run() const { return root + "/run"; }

  std::string BranchData(int64_t id) const { return branches() + "/" + std::to_string(id); }
  // Where a reset (or a finishing sync) puts the complete new data before
  // swapping it in.
  std::string BranchStaging(int64_t id) const { return BranchData(id) + ".new"; }
  // Where a swap moves the branch's previous data before destroying it.
  std::string BranchOld(int64_t id) const { return BranchData(id) + ".old"; }
  // Where `spur sync` builds a branch's next dataset, its socket, log and lock.
  std::string BranchSync(int64_t id) const { return BranchData(id) + ".sync"; }
  std::string SyncSocketDir(int64_t id) const { return run() + "/" + std::to_string(id) + "s"; }
  std::string SyncLog(int64_t id) const { return logs() + "/" + std::to_string(id) + ".sync.log"; }
  std::string SyncLock(int64_t id) const { return run() + "/sync-" + std::to_string(id) + ".lock"; }
  std::string SnapshotData(int64_t id) const { return snapshots() + "/" + std::to_string(id); }
  // `spur diff`: a throw-away instance of snapshot `id` run by process `pid`.
  std::string SnapshotDiffData(int64_t id, int64_t pid) const {
    return SnapshotData(id) + ".diff-" + std::to_string(pid);
  }
  std::string SnapshotDiffSocketDir(int64_t pid) const {
    return run() + "/diff-" + std::to_string(pid);
  }
  std::string SnapshotDiffLog(int64_t id) const {
    return logs() + "/snapshot-" + std::to_string(id) + ".diff.log";
  }
  // `spur rehearse`: the n-th throw-away writable copy made by process `pid`.
  std::string ScratchData(int64_t pid, int64_t n) const {
    return snapshots() + "/scratch-" + std::to_string(pid) + "-" + std::to_string(n);
  }
  std::string ScratchSocketDir(int64_t pid, int64_t n) const {
    return run() + "/x" + std::to_string(pid) + "-" + std::to_string(n);
  }
  std::string ScratchLog(int64_t pid, int64_t n) const {
    return logs() + "/scratch-" + std::to_string(pid) + "-" + std::to_string(n) + ".log";
  }
  std::string BranchLog(int64_t id) const { return logs() + "/" + std::to_string(id) + ".log"; }
  std::string BranchSocketDir(int64_t id) const { return run() + "/" + std::to_string(id); }

  // Reads back a dataset path built by the methods above; kUnknown for any
  // other path (other folders, other suffixes, ids that do not parse).
  DatasetName Classify(const std::string& path) const;
};

// sun_path holds 107 bytes; "<run>/<id>/.s.PGSQL.<port>" must fit.
inline bool SocketPathFits(const Layout& layout) { return layout.run().size() + 32 < 107; }

}  // namespace spur::engine
