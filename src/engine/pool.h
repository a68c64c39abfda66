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

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "catalog/store.h"
#include "common/status.h"
#include "common/x509.h"
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
#include "pg/xid_range.h"
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
  std::string listen_addresses = "127.0.0.1";  // where branch postgres listens
  std::string advertise_host = "127.0.0.1";    // host part of printed URIs
  bool sample_data = true;                     // only when there is no source
};

struct CreateBranchOptions {
  std::string name;
  std::optional<std::string> from;      // parent branch (none = main)
  std::optional<std::string> snapshot;  // fork from this snapshot instead
  std::optional<int64_t> ttl_seconds;
  std::string owner;
  std::map<std::string, std::string> pg_settings;
  std::map<std::string, std::string> labels;
  bool is_protected = false;
  std::optional<int64_t> idle_expiry_seconds;  // delete after this long unused
};

// Changes to a branch's lifecycle settings; unset fields stay as they are.
struct BranchPatch {
  std::optional<bool> is_protected;
  std::optional<int64_t> ttl_seconds;                        // 0 removes the expiry
  std::optional<int64_t> idle_expiry_seconds;                // 0 removes it
  std::optional<std::map<std::string, std::string>> labels;  // replaces all
  std::optional<std::string> owner;
};

// What the reaper did (or failed to do) to one branch.
struct LifecycleAction {
  std::string
      action;  // branch.warn | branch.expire | branch.suspend | schedule.stop | schedule.start
  std::string branch;
  std::string reason;  // one line, for the audit log and events
  Status result;
};

// What the Postgres proxy knows of a branch's clients (proxy/connections).
struct ProxyUse {
  int open = 0;             // connections open through the proxy now
  int64_t last_closed = 0;  // when the last one closed; 0 = never
};

// Inputs of one reaper pass.
struct LifecyclePolicy {
  int64_t warn_before = 3600;
  int64_t idle_suspend = 0;  // 0 = never suspend
  // The proxy's connections per branch; unset when the daemon has no proxy.
  // A branch with one open is in use without asking its postgres.
  std::function<std::optional<ProxyUse>(const std::string& branch)> proxy_use;
  // Clients reach branches only through the proxy (spur serve --proxy-only):
  // idleness comes from proxy_use alone, and no postgres is asked for its
  // client count (pg_stat_activity).
  bool proxy_only = false;
};

// Cost of one branch so far, from driver usage and running time.
struct BranchCost {
  std::string branch, owner;
  std::map<std::string, std::string> labels;
  uint64_t exclusive_bytes = 0;
  double running_hours = 0;
  double age_hours = 0;
  double storage_cost = 0;    // exclusive GiB x price x months alive
  double compute_cost = 0;    // running hours x price
  double month_estimate = 0;  // a month at the current size and duty cycle
};

// One side of `spur diff`: a running branch, or a snapshot served by a
// throw-away instance on a clone of it (reached on its own socket only).
// OK when `value` is a host name or IP address (`list`: several,
// comma-separated, or *), as postgres listen_addresses and URIs take them;
// InvalidArgument naming `what` otherwise.
Status ValidateHosts(const std::string& what, const std::string& value, bool list);

struct DiffSide {
  std::string kind;  // "branch" | "snapshot"
  std::string name;
  std::string database;  // the branch's database (its URI's)
  std::string pgdata;    // data directory whose files the fast path compares
  std::string socket_dir;
  int port = 0;
  // Transactions in flight at every fork on its lineage (pg/xid_range.h),
  // and why they are not all known when they are not ("" when they are).
  std::vector<pg::XidRange> inflight;
  std::string inflight_unknown;
  bool ephemeral = false;   // a throw-away instance CloseDiffSide removes
  std::string scratch_log;  // OpenScratch: its postgres log, removed with it
  std::string driver;       // the pool's storage driver: "copy" shares no blocks
  // Superuser conninfo to `db` (default: the side's database).
  std::string Conninfo(const std::string& db = "") const;
};

// A branch with what is known about it right now.
// A sync's staging cluster: an empty postgres beside a branch's data, reached
// only on its own Unix socket, that a sync fills and FinishSync swaps in.
struct SyncTarget {
  catalog::Branch branch;
  pg::InstanceSpec spec;              // the staging instance
  std::optional<os::FileLock> guard;  // the branch's sync lock, held until finished
  std::string standby_database;       // physical: the database the branch's URI names
  std::optional<os::OsUser> run_as;   // physical: who runs pg_basebackup into spec.pgdata
  std::map<std::string, std::string> standby_settings;  // physical: the primary's minimums
  // Conninfo for `db` on the staging instance as `user` (default superuser).
  std::string Conninfo(const std::string& db, const std::string& user = pg::kSuperuser) const;
};

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

// Free space a pool keeps before it copies data: a checkpoint or WAL switch
// on a full disk stops postgres (issue 11: a create on a full pool crashed
// the parent's postgres in pg_backup_start).
inline constexpr uint64_t kMinFreeBytes = uint64_t{256} << 20;

class Pool {
 public:
  static Result<std::unique_ptr<Pool>> Init(const InitOptions& options,
                                            const os::Clock& clock = os::SystemClock());
  // Opens an existing pool: locks it, mounts its image if needed, reconciles.
  // With `hold_lock` false the lock is released once open; the caller then
  // takes it (LockFile()) around every use (the daemon does).
  static Result<std::unique_ptr<Pool>> Open(const std::string& root,
                                            const os::Clock& clock = os::SystemClock(),
                                            bool hold_lock = true);

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
  // Paths under data/ that Layout does not recognise, found by the last
  // Reconcile: left alone (a warning is logged), never destroyed.
  const std::vector<std::string>& unknown_datasets() const { return unknown_datasets_; }

  // Creates and starts a branch. ResourceExhausted (naming the quota) when
  // the pool's or the owner's quota is used up.
  Result<catalog::Branch> CreateBranch(const CreateBranchOptions& options);
  // Deletes `name` (and, with `recursive`, its descendants). Returns the names
  // deleted, deepest first. Protected branches need `force`.
  Result<std::vector<std::string>> DeleteBranch(const std::string& name, bool recursive,
                                                bool force = false);
  // Back to the parent's state now (new implicit snapshot), or to `snapshot`.
  // Name, port, role and password are kept; the TTL starts again. Protected
  // branches need `force`. With `keep_backup`, the branch's state is first
  // kept as a named snapshot of that name (AlreadyExists if taken), once
  // every other check has passed: a refused reset takes no backup.
  Result<catalog::Branch> ResetBranch(const std::string& name,
                                      const std::optional<std::string>& snapshot,
                                      bool force = false,
                                      const std::optional<std::string>& keep_backup = std::nullopt);
  Result<catalog::Branch> StartBranch(const std::string& name);
  // `reason`: "user", "idle" or "schedule" (shown, and decides whether the
  // schedule may start it again).
  Result<catalog::Branch> StopBranch(const std::string& name, const std::string& reason = "user");
  // Renews: the branch now expires `seconds` from now. Refused for protected
  // branches (they never expire).
  Result<catalog::Branch> ExtendBranch(const std::string& name, int64_t seconds);
  Result<catalog::Branch> PatchBranch(const std::string& name, const BranchPatch& patch);

  // One reaper pass at the clock's now: records client activity, records
  // expiry warnings, deletes expired branches (never protected ones, never a
  // branch with children), suspends idle ones and applies shutdown schedules.
  // Each action is attempted independently and reported with its result.
  Result<std::vector<LifecycleAction>> Tick(const LifecyclePolicy& policy);

  // Idle time of every running branch counts from now (called when idle
  // suspend is switched on, so branches whose use was never watched are not
  // suspended at the first pass).
  Status RestartIdleClocks();

  // Per-branch cost at the given prices: every branch, or the one named.
  Result<std::vector<BranchCost>> Cost(double price_gib_month, double price_running_hour);
  Result<BranchCost> CostOf(const std::string& branch, double price_gib_month,
                            double price_running_hour);

  // Logical sync. BeginSync makes and starts an empty staging cluster for
  // `branch` with its login role (superuser until FinishSync) and database;
  // FailedPrecondition when a sync into the branch already runs. FinishSync
  // stops it, swaps it in for the branch's data (crash-safe, like reset),
  // starts the branch and takes snapshot `snapshot_name`. AbortSync removes
  // the staging cluster; the branch is untouched. Begin and Finish need the
  // pool lock; the load in between does not.
  Result<SyncTarget> BeginSync(const std::string& branch);
  // Physical sync: an empty dataset for engine::StandbyBackup of `url` (run
  // by the caller without the pool lock), swapped in by FinishSync; the
  // branch then follows the source as its streaming standby.
  Result<SyncTarget> BeginStandbySync(const std::string& branch, const std::string& url);
  Result<catalog::Snapshot> FinishSync(SyncTarget& target, const std::string& snapshot_name);
  void AbortSync(SyncTarget& target);

  // `spur diff`. OpenDiffSide resolves `name` as a branch (started when
  // stopped) or else a snapshot with data (an instance on a clone of it,
  // started here; CloseDiffSide stops and removes it). NotFound when it is
  // neither. DiffBase is what a branch is compared with by default: its
  // parent (FailedPrecondition for a root branch).
  Result<DiffSide> OpenDiffSide(const std::string& name);
  Status CloseDiffSide(DiffSide& side);
  Result<std::string> DiffBase(const std::string& branch);

  // `spur rehearse`: a writable throw-away copy of branch or snapshot `name`,
  // served by its own instance on a Unix socket only (no TCP), as a DiffSide
  // with `ephemeral` set; CloseDiffSide stops and destroys it. A running
  // branch is copied consistently (a snapshot taken straight into the copy,
  // its implicit record dropped again), a stopped one as it is on disk.
  // NotFound for an unknown name; FailedPrecondition for a snapshot that
  // keeps no data; StorageFull when the pool is nearly full. Leaves nothing
  // behind on failure; if the process dies, reconcile removes the copy (its
  // pid is gone) and the unused implicit snapshot record.
  Result<DiffSide> OpenScratch(const std::string& name);

  // `name` defaults to "<branch>-<unix time>".
  Result<catalog::Snapshot> CreateSnapshot(const std::string& branch,
                                           const std::optional<std::string>& name);
  Status DeleteSnapshot(const std::string& name);
  Result<std::vector<catalog::Snapshot>> ListSnapshots();

  Result<std::vector<BranchInfo>> ListBranches(bool with_usage);
  Result<BranchInfo> ShowBranch(const std::string& name, bool with_usage);
  Result<PoolStatus> GetStatus();

  // TLS (engine/tls.h). Issues the pool's server certificate (making the CA
  // first when there is none) for DefaultTlsNames plus `extra_names`; running
  // branches keep their old certificate until they restart.
  Result<CertInfo> IssueTlsCertificate(const std::vector<std::string>& extra_names);
  // Branches speak TLS (and refuse TCP without it) from their next start;
  // FailedPrecondition when turning it on before a certificate was issued.
  // Returns the branches still running without the new setting.
  Result<std::vector<std::string>> SetBranchTls(bool on);

  // listen_addresses (where branch postgres listens: from each branch's next
  // start; returns the branches running with the old one) or
  // advertise_host (the host in printed URIs: at once; returns none).
  // InvalidArgument for another key or a value that is not host names or
  // addresses. With TLS, the pool's certificate must name the new host
  // (`spur tls init --name HOST`). Saved in the catalog.
  Result<std::vector<std::string>> SetAddress(const std::string& key, const std::string& value);

  // postgresql://role:password@host:port/database
  std::string Uri(const catalog::Branch& branch) const;
  const Layout& layout() const { return layout_; }
  // The metadata store (tokens, repositories and deliveries live there too).
  catalog::Store& store() { return *store_; }
  const os::Clock& clock() const { return clock_; }
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
  // A superuser session on the running branch (init's sample data and import
  // only: everything else goes through InstanceControl).
  Result<pg::Connection> Superuser(const catalog::Branch& branch, const std::string& db);
  Status StartInstance(catalog::Branch& branch);
  // Sets the branch's own password on its running instance (not on a
  // standby), then lets TCP clients in (InstanceControl::OpenTcp). Every
  // start runs it; reconcile runs it for a running branch whose TCP is shut.
  Status ApplyCredentials(const catalog::Branch& branch);
  Result<int> AllocatePort();

  // Copies `source` consistently into `dst` (which must not exist) and records
  // snapshot `name`. Named snapshots pass dst = "" and get their own dataset;
  // implicit ones are cloned straight into the branch being made (dst) and
  // are recorded without data. On failure nothing is left behind.
  Result<catalog::Snapshot> TakeSnapshot(const catalog::Branch& source, const std::string& name,
                                         bool implicit, const std::string& dst);
  // `spur diff`: adds the in-flight ranges of `snap` and of every snapshot
  // above it; serves a snapshot through a throw-away instance.
  Status AddLineage(catalog::Snapshot snap, DiffSide& side);
  Status StartSnapshotInstance(const catalog::Snapshot& snap, DiffSide& side);
  Status CloneLive(const catalog::Branch& source, const std::string& dst,
                   catalog::Snapshot& snapshot);
  // OK when branches can be made from `snap` (it has data, its branch lives).
  Status CheckForkable(const catalog::Snapshot& snap);
  Status DropImplicitSnapshotIfUnused(std::optional<int64_t> snapshot_id);
  Status DestroySnapshot(const catalog::Snapshot& snapshot);
  Status DeleteOne(const catalog::Branch& branch);
  Status CheckQuotas(const std::string& owner);
  // OutOfSpace (naming the pool and what to do) when the pool's filesystem
  // has less than kMinFreeBytes free; `what` names the refused operation.
  Status CheckFreeSpace(const std::string& what);
  BranchCost CostOf(const catalog::Branch& b, double price_gib_month, double price_running_hour);
  // Marks `b` stopped and adds the run that just ended to its running time.
  void MarkStopped(catalog::Branch& b, const std::string& reason);
  Status ApplySchedules(std::vector<LifecycleAction>& actions);
  Result<BranchInfo> Describe(const catalog::Branch& branch, bool with_usage);
  std::string ImplicitSnapshotName(const std::string& branch) const;
  void Repaired(const std::string& what);
  // Reconcile: removes an interrupted sync's staging data (a sync that still
  // runs holds its lock and is left alone).
  // Of `running` (the runs marked running), those into `b` whose process
  // died are marked failed.
  Status ReconcileSyncStaging(const catalog::Branch& b, const std::vector<catalog::SyncRun>& runs);
  // Swaps the complete dataset at BranchStaging(b) in for b's (stopped) data:
  // live -> BranchOld, staging -> live, then BranchOld is destroyed. Each step
  // leaves a state FinishSwap completes; there is always one complete copy.
  // On an error (not a crash) before the new data is in place, the old data
  // is put back and the staging dataset is left for the caller.
  Status SwapInStaging(catalog::Branch& b);
  // Reconcile: completes or rolls back an interrupted swap of `b` from what is
  // on disk (see SwapInStaging); never destroys the only complete copy.
  Status FinishSwap(const catalog::Branch& b);
  // The end of a reset's or sync's swap: records `intent` in `b` (its base,
  // database, settings; a reset also restarts the TTL clock), stores `b` and
  // deletes the intent. The instance is stopped after a swap: `b` is marked
  // stopped. On failure the intent stays for reconcile.
  Status CommitSwap(catalog::Branch& b, const catalog::SwapIntent& intent);
  // Reconcile: when `b` has a swap intent, its new data was complete before
  // the swap began, so the swap is finished forward (SwapInStaging when
  // <id>.new is still there) and committed (CommitSwap).
  Status FinishSwapIntent(catalog::Branch& b);
  // Reconcile: removes datasets Layout classifies whose owner is gone; leaves
  // unclassified ones alone and lists them in unknown_datasets().
  Status RemoveOrphanDatasets(const std::set<int64_t>& branch_ids,
                              const std::set<int64_t>& snapshot_ids);
  // The branch, its sync lock (FailedPrecondition when a sync holds it) and
  // the spec of its staging dataset, for BeginSync and BeginStandbySync.
  Result<SyncTarget> ClaimSyncTarget(const std::string& branch);

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
  std::vector<std::string> unknown_datasets_;
};

// Runs `fn` with the pool to itself (the caller's lock: a file lock in the
// CLI, api::PoolAccess in the daemon) and returns what it returns. What the
// work that takes the pool in several holds (RunDiff, pr::Flow) is given.
using WithPool = std::function<Status(const std::function<Status(Pool&)>&)>;

}  // namespace spur::engine
