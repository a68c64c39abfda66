// A pool: one directory on a filesystem that can clone, holding every
// branch's data directory, the snapshots and the metadata. The engine's entry
// point; the CLI (and later the daemon) are thin layers over it.
//
// Concurrency: Open() takes the pool's exclusive lock and holds it for the
// life of the Pool object, so commands on one pool run one at a time across
// processes. A Pool object is used by one thread.
//
// Every mutation is crash-safe: it writes a `creating` row (or a non-ready
// snapshot) first, does the disk and process work, then commits the final
// state. Open() reconciles whatever an interrupted command left behind and
// reports what it fixed.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catalog/store.h"
#include "common/status.h"
#include "engine/layout.h"
#include "engine/pool_config.h"
#include "os/clock.h"
#include "os/fiemap.h"
#include "os/lock.h"
#include "os/user.h"
#include "pg/conn.h"
#include "pg/control.h"
#include "pg/installation.h"
#include "pg/instance.h"
#include "storage/driver.h"

namespace spur::engine {

struct InitOptions {
  std::string root;                                // pool directory
  std::optional<uint64_t> image_size;              // make and mount an XFS image (root only)
  std::string driver;                              // "" = detect
  std::string from_pgdata;                         // copy an existing, stopped data directory
  std::string from_url;                            // pg_basebackup from a running server
  std::string run_as = "postgres";                 // when run as root
  std::string pg_bindir;                           // "" = search
  std::map<std::string, std::string> pg_settings;  // pool-wide postgres settings
  int port_base = 5500;
  bool sample_data = true;  // only when there is no source
};

struct CreateBranchOptions {
  std::string name;
  std::optional<std::string> from;      // parent branch (none = main)
  std::optional<std::string> snapshot;  // fork from this snapshot instead
  std::optional<int64_t> ttl_seconds;
  std::string owner;
  std::map<std::string, std::string> pg_settings;
  std::map<std::string, std::string> labels;
};

// A branch with what is known about it right now.
struct BranchInfo {
  catalog::Branch branch;
  std::string parent_name;  // "" for main
  std::string snapshot_name;
  bool running = false;                 // a live postmaster serves it
  std::optional<int> pid;               // its pid (real instances only)
  std::optional<os::SpaceUsage> usage;  // when asked for
};

struct PoolStatus {
  std::string root;
  std::string driver;
  bool image = false;
  std::string filesystem;
  std::string pg_bindir;
  int pg_major = 0;
  int branches = 0, running = 0, stopped = 0, snapshots = 0;
  uint64_t exclusive_bytes = 0, shared_bytes = 0, logical_bytes = 0;
  std::optional<uint64_t> free_bytes;
};

class Pool {
 public:
  static Result<std::unique_ptr<Pool>> Init(const InitOptions& options,
                                            const os::Clock& clock = os::SystemClock());
  // Opens an existing pool: locks it, mounts its image if needed, reconciles.
  static Result<std::unique_ptr<Pool>> Open(const std::string& root,
                                            const os::Clock& clock = os::SystemClock());

  // Unit tests: a pool over injected parts (fake driver and instance control,
  // an in-memory store), with no lock and no image. Reconciles like Open().
  struct Parts {
    Layout layout;
    std::unique_ptr<catalog::Store> store;
    std::unique_ptr<storage::StorageDriver> driver;
    std::unique_ptr<pg::InstanceControl> control;
    PoolConfig config;
  };
  static Result<std::unique_ptr<Pool>> OpenWith(Parts parts, const os::Clock& clock);

  // Makes disk and processes agree with the metadata (Open() runs it; a
  // daemon may run it periodically). Each fix is logged, recorded as an event
  // and listed in repairs().
  Status Reconcile();
  // Everything repaired since the pool was opened, one line each.
  const std::vector<std::string>& repairs() const { return repairs_; }

  Result<catalog::Branch> CreateBranch(const CreateBranchOptions& options);
  // Deletes `name` (and, with `recursive`, its descendants). Returns the names
  // deleted, deepest first.
  Result<std::vector<std::string>> DeleteBranch(const std::string& name, bool recursive);
  // Back to the parent's state now (new implicit snapshot), or to `snapshot`.
  // Name, port, role and password are kept.
  Result<catalog::Branch> ResetBranch(const std::string& name,
                                      const std::optional<std::string>& snapshot);
  Result<catalog::Branch> StartBranch(const std::string& name);
  Result<catalog::Branch> StopBranch(const std::string& name);

  // `name` defaults to "<branch>-<unix time>".
  Result<catalog::Snapshot> CreateSnapshot(const std::string& branch,
                                           const std::optional<std::string>& name);
  Status DeleteSnapshot(const std::string& name);
  Result<std::vector<catalog::Snapshot>> ListSnapshots();

  Result<std::vector<BranchInfo>> ListBranches(bool with_usage);
  Result<BranchInfo> ShowBranch(const std::string& name, bool with_usage);
  Result<PoolStatus> GetStatus();

  // postgresql://role:password@host:port/database
  std::string Uri(const catalog::Branch& branch) const;
  const Layout& layout() const { return layout_; }
  const PoolConfig& config() const { return config_; }
  const pg::Installation& installation() const { return installation_; }

 private:
  Pool(Layout layout, std::optional<os::FileLock> lock, const os::Clock& clock)
      : layout_(std::move(layout)), lock_(std::move(lock)), clock_(clock) {}

  // Shared set-up after the store exists: config, driver, installation.
  Status Load();

  pg::InstanceSpec Spec(const catalog::Branch& branch) const;
  // Spec for the data directory at `pgdata` (a staging copy) of `branch`.
  pg::InstanceSpec SpecAt(const catalog::Branch& branch, const std::string& pgdata) const;
  Result<pg::Connection> Superuser(const catalog::Branch& branch, const std::string& db);
  Status StartInstance(catalog::Branch& branch);
  Result<int> AllocatePort();

  // Copies `source` consistently into `dst` (which must not exist) and records
  // snapshot `name`. Named snapshots pass dst = "" and get their own dataset;
  // implicit ones are cloned straight into the branch being made (dst) and
  // are recorded without data. On failure nothing is left behind.
  Result<catalog::Snapshot> TakeSnapshot(const catalog::Branch& source, const std::string& name,
                                         bool implicit, const std::string& dst);
  Status CloneLive(const catalog::Branch& source, const std::string& dst,
                   catalog::Snapshot& snapshot);
  // OK when branches can be made from `snap` (it has data, its branch lives).
  Status CheckForkable(const catalog::Snapshot& snap);
  Status DropImplicitSnapshotIfUnused(std::optional<int64_t> snapshot_id);
  Status DestroySnapshot(const catalog::Snapshot& snapshot);
  Status DeleteOne(const catalog::Branch& branch);
  Result<BranchInfo> Describe(const catalog::Branch& branch, bool with_usage);
  std::string ImplicitSnapshotName(const std::string& branch) const;
  void Repaired(const std::string& what);

  // Init helpers.
  Status InitMain(const InitOptions& options, catalog::Branch& main);
  Status LoadSampleData(const catalog::Branch& main);

  Layout layout_;
  std::optional<os::FileLock> lock_;  // none in unit tests
  const os::Clock& clock_;
  std::unique_ptr<catalog::Store> store_;
  std::unique_ptr<storage::StorageDriver> driver_;
  std::unique_ptr<pg::InstanceControl> control_;
  PoolConfig config_;
  pg::Installation installation_;
  std::optional<os::OsUser> run_as_;
  std::vector<std::string> repairs_;
};

}  // namespace spur::engine
