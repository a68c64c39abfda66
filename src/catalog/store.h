// The pool's metadata store: SQLite in WAL mode, the single source of truth
// for branches, snapshots, lineage, ports, credentials, TTLs and settings.
//
// A Store is used by one thread. Cross-process safety: SQLite transactions
// for each write, plus the pool lock (engine) around multi-step mutations.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catalog/records.h"
#include "common/status.h"

struct sqlite3;

namespace spur::catalog {

class Store {
 public:
  // Opens (creating if needed) the database at `path` and applies pending
  // schema migrations. ":memory:" gives a private in-memory store (tests).
  [[nodiscard]] static Result<std::unique_ptr<Store>> Open(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  int schema_version() const { return schema_version_; }

  // Runs `sql` statements (BEGIN IMMEDIATE/COMMIT/ROLLBACK and the like).
  Status Exec(const std::string& sql);

  // Pool-level key/value settings (driver, image, run-as user, defaults...).
  Result<std::optional<std::string>> GetSetting(const std::string& key);
  Status SetSetting(const std::string& key, const std::string& value);

  // Branches. InsertBranch fills in `id`. NotFound when absent.
  Status InsertBranch(Branch& branch);
  Status UpdateBranch(const Branch& branch);
  Status DeleteBranch(int64_t id);
  Result<Branch> GetBranch(const std::string& name);
  Result<Branch> GetBranchById(int64_t id);
  Result<std::vector<Branch>> ListBranches();
  Result<std::vector<Branch>> ChildrenOf(int64_t id);
  // Children, grandchildren and so on of branch `id` (not `id` itself).
  Result<std::vector<Branch>> DescendantsOf(int64_t id);

  // Snapshots. InsertSnapshot fills in `id`.
  Status InsertSnapshot(Snapshot& snapshot);
  Status UpdateSnapshot(const Snapshot& snapshot);
  Status DeleteSnapshot(int64_t id);
  Result<Snapshot> GetSnapshot(const std::string& name);
  Result<Snapshot> GetSnapshotById(int64_t id);
  Result<std::vector<Snapshot>> ListSnapshots();
  // Branches whose data was cloned from snapshot `id`.
  Result<std::vector<Branch>> BranchesFromSnapshot(int64_t id);

  // API tokens. GetTokenByHash: NotFound when absent (revoked ones are returned).
  Status InsertToken(Token& token);
  Result<Token> GetTokenByHash(const std::string& hash);
  Result<std::vector<Token>> ListTokens();
  Status TouchToken(int64_t id, int64_t at);
  Status RevokeToken(int64_t id, int64_t at);  // NotFound when absent

  // Quotas (owner "" = pool-wide).
  Status PutQuota(const Quota& quota);
  Status DeleteQuota(const std::string& owner);  // NotFound when absent
  Result<std::vector<Quota>> ListQuotas();

  // Shutdown schedules.
  Status PutSchedule(const Schedule& schedule);
  Status DeleteSchedule(const std::string& name);  // NotFound when absent
  Result<std::vector<Schedule>> ListSchedules();

  // Repositories.
  Status PutRepo(const Repo& repo);
  Status DeleteRepo(const std::string& name);  // NotFound when absent
  Result<Repo> GetRepo(const std::string& name);
  Result<std::vector<Repo>> ListRepos();

  // Webhook deliveries. InsertDelivery: AlreadyExists for a redelivery.
  Status InsertDelivery(Delivery& delivery);
  Status FinishDelivery(int64_t id, const std::string& state, const std::string& result,
                        int64_t at);
  Result<Delivery> GetDelivery(const std::string& forge, const std::string& delivery_id);
  Result<std::vector<Delivery>> PendingDeliveries();
  Result<std::vector<Delivery>> ListDeliveries(int limit);

  // Pull request → branch bindings.
  Status PutPullRequest(const PullRequest& pr);
  Status DeletePullRequest(const std::string& repo, int64_t number);
  Result<std::optional<PullRequest>> GetPullRequest(const std::string& repo, int64_t number);
  Result<std::optional<PullRequest>> PullRequestForBranch(const std::string& branch);

  // The last applied webhook event of each pull request (store_pr_events.cc).
  // GetPrEvent: nullopt when none is kept. PutPrEvent replaces the PR's row
  // and forgets every row applied before `forget_before` (bounded retention).
  Result<std::optional<PrEvent>> GetPrEvent(const std::string& forge, const std::string& repo,
                                            int64_t number);
  Status PutPrEvent(const PrEvent& event, int64_t forget_before);

  // Swap intents (store_swap_intents.cc), one per branch at most.
  // GetSwapIntent: nullopt when the branch has none. PutSwapIntent replaces
  // the branch's; DeleteSwapIntent is OK when there is none. DeleteBranch
  // deletes the branch's intent too.
  Result<std::optional<SwapIntent>> GetSwapIntent(int64_t branch_id);
  Status PutSwapIntent(const SwapIntent& intent);
  Status DeleteSwapIntent(int64_t branch_id);

  // Sources. InsertSource: AlreadyExists when the name is taken.
  Status InsertSource(const Source& source);
  Status DeleteSource(const std::string& name);  // NotFound when absent
  Result<Source> GetSource(const std::string& name);
  Result<std::vector<Source>> ListSources();

  // Sync runs, newest first.
  Status InsertSyncRun(SyncRun& run);  // sets run.id
  Status UpdateSyncRun(const SyncRun& run);
  Result<std::vector<SyncRun>> ListSyncRuns(int limit);
  // Runs still marked running (reconciliation checks they still are).
  Result<std::vector<SyncRun>> RunningSyncRuns();
  // The newest finished (done) run into `branch`, if any.
  Result<std::optional<SyncRun>> LastDoneSyncRun(const std::string& branch);
  // The run that took `snapshot`; NotFound when no sync made it.
  Result<SyncRun> SyncRunForSnapshot(const std::string& snapshot);

  // Sync schedules, one per (source, branch).
  Status PutSyncSchedule(const SyncSchedule& schedule);
  Status DeleteSyncSchedule(const std::string& source, const std::string& branch);
  Result<std::vector<SyncSchedule>> ListSyncSchedules();

  // Appends to the event log (what spur did and why; reconciliation reports).
  Status RecordEvent(int64_t at, const std::string& kind, const std::string& subject,
                     const std::string& detail);

 private:
  explicit Store(sqlite3* db) : db_(db) {}
  // Runs a write statement that must hit a row; NotFound(`missing`) otherwise.
  Status RunOne(const char* sql, const std::string& key, const std::string& missing);
  Status Migrate();
  sqlite3* db_;
  int schema_version_ = 0;
};

}  // namespace spur::catalog
