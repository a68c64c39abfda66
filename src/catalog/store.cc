#include "catalog/store.h"

#include <sqlite3.h>

#include "catalog/migrations.h"
#include "catalog/statement.h"

namespace spur::catalog {
namespace {

constexpr const char* kBranchColumns =
    "id, name, parent_id, snapshot_id, state, port, role, password, database, owner, labels, "
    "settings, created_at, last_used_at, expires_at, ttl_seconds, protected, idle_expiry_seconds, "
    "warned_at, running_seconds, running_since, stop_reason";
constexpr const char* kSnapshotColumns =
    "id, name, branch_id, branch_name, implicit, ready, consistency, lsn, created_at, has_data, "
    "inflight_xids";

Branch ReadBranch(const Statement& s) {
  Branch b;
  b.id = s.Int(0);
  b.name = s.Text(1);
  b.parent_id = s.OptInt(2);
  b.snapshot_id = s.OptInt(3);
  b.state = BranchStateFrom(s.Text(4)).value_or(BranchState::kCreating);
  b.port = static_cast<int>(s.Int(5));
  b.role = s.Text(6);
  b.password = s.Text(7);
  b.database = s.Text(8);
  b.owner = s.Text(9);
  b.labels_json = s.Text(10);
  b.settings_json = s.Text(11);
  b.created_at = s.Int(12);
  b.last_used_at = s.Int(13);
  b.expires_at = s.OptInt(14);
  b.ttl_seconds = s.OptInt(15);
  b.is_protected = s.Int(16) != 0;
  b.idle_expiry_seconds = s.OptInt(17);
  b.warned_at = s.OptInt(18);
  b.running_seconds = s.Int(19);
  b.running_since = s.OptInt(20);
  b.stop_reason = s.Text(21);
  return b;
}

Snapshot ReadSnapshot(const Statement& s) {
  Snapshot n;
  n.id = s.Int(0);
  n.name = s.Text(1);
  n.branch_id = s.OptInt(2);
  n.branch_name = s.Text(3);
  n.implicit = s.Int(4) != 0;
  n.ready = s.Int(5) != 0;
  n.consistency = s.Text(6);
  n.lsn = s.Text(7);
  n.created_at = s.Int(8);
  n.has_data = s.Int(9) != 0;
  n.inflight_xids = s.Text(10);
  return n;
}

// Binds every branch column but id, starting at `first`.
void BindBranch(Statement& s, const Branch& b, int first) {
  s.Bind(first, b.name)
      .Bind(first + 1, b.parent_id)
      .Bind(first + 2, b.snapshot_id)
      .Bind(first + 3, std::string(ToString(b.state)))
      .Bind(first + 4, static_cast<int64_t>(b.port))
      .Bind(first + 5, b.role)
      .Bind(first + 6, b.password)
      .Bind(first + 7, b.database)
      .Bind(first + 8, b.owner)
      .Bind(first + 9, b.labels_json)
      .Bind(first + 10, b.settings_json)
      .Bind(first + 11, b.created_at)
      .Bind(first + 12, b.last_used_at)
      .Bind(first + 13, b.expires_at)
      .Bind(first + 14, b.ttl_seconds)
      .Bind(first + 15, static_cast<int64_t>(b.is_protected))
      .Bind(first + 16, b.idle_expiry_seconds)
      .Bind(first + 17, b.warned_at)
      .Bind(first + 18, b.running_seconds)
      .Bind(first + 19, b.running_since)
      .Bind(first + 20, b.stop_reason);
}

void BindSnapshot(Statement& s, const Snapshot& n, int first) {
  s.Bind(first, n.name)
      .Bind(first + 1, n.branch_id)
      .Bind(first + 2, n.branch_name)
      .Bind(first + 3, static_cast<int64_t>(n.implicit))
      .Bind(first + 4, static_cast<int64_t>(n.ready))
      .Bind(first + 5, n.consistency)
      .Bind(first + 6, n.lsn)
      .Bind(first + 7, n.created_at)
      .Bind(first + 8, static_cast<int64_t>(n.has_data))
      .Bind(first + 9, n.inflight_xids);
}

}  // namespace

const char* ToString(BranchState s) {
  switch (s) {
    case BranchState::kCreating:
      return "creating";
    case BranchState::kStopped:
      return "stopped";
    case BranchState::kRunning:
      return "running";
    case BranchState::kDeleting:
      return "deleting";
  }
  return "unknown";
}

std::optional<BranchState> BranchStateFrom(const std::string& s) {
  if (s == "creating") return BranchState::kCreating;
  if (s == "stopped") return BranchState::kStopped;
  if (s == "running") return BranchState::kRunning;
  if (s == "deleting") return BranchState::kDeleting;
  return std::nullopt;
}

Result<std::unique_ptr<Store>> Store::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Internal("cannot open metadata " + path + ": " + msg);
  }
  std::unique_ptr<Store> store(new Store(db));
  sqlite3_busy_timeout(db, 30000);
  RETURN_IF_ERROR(
      store->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                  "PRAGMA foreign_keys=ON;"));
  RETURN_IF_ERROR(store->Migrate());
  return store;
}

Store::~Store() { sqlite3_close(db_); }

Status Store::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Internal("metadata store: " + msg);
  }
  return Status::Ok();
}

Status Store::Migrate() {
  {
    // The common case, an up-to-date schema, needs no write transaction.
    Statement peek(db_, "PRAGMA user_version");
    ASSIGN_OR_RETURN(bool row, peek.Step());
    if (row && peek.Int(0) == static_cast<int64_t>(Migrations().size())) {
      schema_version_ = static_cast<int>(peek.Int(0));
      return Status::Ok();
    }
  }
  RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  Statement get(db_, "PRAGMA user_version");
  auto row = get.Step();
  if (!row.ok()) {
    Exec("ROLLBACK").IgnoreError();
    return row.status();
  }
  int version = static_cast<int>(get.Int(0));
  const auto& all = Migrations();
  if (version > static_cast<int>(all.size())) {
    Exec("ROLLBACK").IgnoreError();
    return FailedPrecondition("pool metadata has schema version " + std::to_string(version) +
                              ", newer than this spur knows (" + std::to_string(all.size()) +
                              "); upgrade spur");
  }
  for (size_t i = static_cast<size_t>(version); i < all.size(); ++i) {
    Status st = Exec(all[i]);
    if (!st.ok()) {
      Exec("ROLLBACK").IgnoreError();
      return st.WithContext("migration " + std::to_string(i + 1));
    }
  }
  Status st = Exec("PRAGMA user_version = " + std::to_string(all.size()));
  if (st.ok()) st = Exec("COMMIT");
  if (!st.ok()) {
    Exec("ROLLBACK").IgnoreError();
    return st;
  }
  schema_version_ = static_cast<int>(all.size());
  return Status::Ok();
}

Result<std::optional<std::string>> Store::GetSetting(const std::string& key) {
  Statement s(db_, "SELECT value FROM settings WHERE key = ?");
  s.Bind(1, key);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(s.Text(0));
}

Status Store::SetSetting(const std::string& key, const std::string& value) {
  Statement s(db_,
              "INSERT INTO settings(key, value) VALUES(?, ?) "
              "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  s.Bind(1, key).Bind(2, value);
  return s.Run();
}

Status Store::InsertBranch(Branch& b) {
  std::string sql = std::string("INSERT INTO branches(") + kBranchColumns +
                    ") VALUES(NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  Statement s(db_, sql.c_str());
  BindBranch(s, b, 1);
  Status st = s.Run();
  if (st.code() == Code::kAlreadyExists) {
    return AlreadyExists("branch \"" + b.name + "\" already exists (or its port " +
                         std::to_string(b.port) + " is taken)");
  }
  RETURN_IF_ERROR(st);
  b.id = sqlite3_last_insert_rowid(db_);
  return Status::Ok();
}

Status Store::UpdateBranch(const Branch& b) {
  Statement s(db_,
              "UPDATE branches SET name=?, parent_id=?, snapshot_id=?, state=?, port=?, "
              "role=?, password=?, database=?, owner=?, labels=?, settings=?, "
              "created_at=?, last_used_at=?, expires_at=?, ttl_seconds=?, protected=?, "
              "idle_expiry_seconds=?, warned_at=?, running_seconds=?, running_since=?, "
              "stop_reason=? WHERE id=?");
  BindBranch(s, b, 1);
  s.Bind(22, b.id);
  return s.Run();
}

Status Store::DeleteBranch(int64_t id) {
  RETURN_IF_ERROR(DeleteSwapIntent(id));
  Statement s(db_, "DELETE FROM branches WHERE id = ?");
  s.Bind(1, id);
  return s.Run();
}

Result<Branch> Store::GetBranch(const std::string& name) {
  std::string sql = std::string("SELECT ") + kBranchColumns + " FROM branches WHERE name = ?";
  Statement s(db_, sql.c_str());
  s.Bind(1, name);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) {
    return NotFound("no branch \"" + name + "\"; `spur branch list` shows the branches");
  }
  return ReadBranch(s);
}

Result<Branch> Store::GetBranchById(int64_t id) {
  std::string sql = std::string("SELECT ") + kBranchColumns + " FROM branches WHERE id = ?";
  Statement s(db_, sql.c_str());
  s.Bind(1, id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return NotFound("no branch with id " + std::to_string(id));
  return ReadBranch(s);
}

Result<std::vector<Branch>> Store::ListBranches() {
  std::string sql = std::string("SELECT ") + kBranchColumns + " FROM branches ORDER BY id";
  Statement s(db_, sql.c_str());
  return ReadAll<Branch>(s, ReadBranch);
}

Result<std::vector<Branch>> Store::ChildrenOf(int64_t id) {
  std::string sql =
      std::string("SELECT ") + kBranchColumns + " FROM branches WHERE parent_id = ? ORDER BY id";
  Statement s(db_, sql.c_str());
  s.Bind(1, id);
  return ReadAll<Branch>(s, ReadBranch);
}

Result<std::vector<Branch>> Store::DescendantsOf(int64_t id) {
  std::string sql = std::string(
                        "WITH RECURSIVE below(id) AS (SELECT id FROM branches WHERE parent_id = ? "
                        "UNION SELECT b.id FROM branches b JOIN below ON b.parent_id = below.id) "
                        "SELECT ") +
                    kBranchColumns + " FROM branches WHERE id IN below ORDER BY id";
  Statement s(db_, sql.c_str());
  s.Bind(1, id);
  return ReadAll<Branch>(s, ReadBranch);
}

Status Store::InsertSnapshot(Snapshot& n) {
  std::string sql = std::string("INSERT INTO snapshots(") + kSnapshotColumns +
                    ") VALUES(NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  Statement s(db_, sql.c_str());
  BindSnapshot(s, n, 1);
  Status st = s.Run();
  if (st.code() == Code::kAlreadyExists) {
    return AlreadyExists("snapshot \"" + n.name + "\" already exists; pick another --name");
  }
  RETURN_IF_ERROR(st);
  n.id = sqlite3_last_insert_rowid(db_);
  return Status::Ok();
}

Status Store::UpdateSnapshot(const Snapshot& n) {
  Statement s(
      db_,
      "UPDATE snapshots SET name=?, branch_id=?, branch_name=?, implicit=?, "
      "ready=?, consistency=?, lsn=?, created_at=?, has_data=?, inflight_xids=? WHERE id=?");
  BindSnapshot(s, n, 1);
  s.Bind(11, n.id);
  return s.Run();
}

Status Store::DeleteSnapshot(int64_t id) {
  Statement s(db_, "DELETE FROM snapshots WHERE id = ?");
  s.Bind(1, id);
  return s.Run();
}

Result<Snapshot> Store::GetSnapshot(const std::string& name) {
  std::string sql = std::string("SELECT ") + kSnapshotColumns + " FROM snapshots WHERE name = ?";
  Statement s(db_, sql.c_str());
  s.Bind(1, name);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) {
    return NotFound("no snapshot \"" + name + "\"; `spur snapshot list` shows the snapshots");
  }
  return ReadSnapshot(s);
}

Result<Snapshot> Store::GetSnapshotById(int64_t id) {
  std::string sql = std::string("SELECT ") + kSnapshotColumns + " FROM snapshots WHERE id = ?";
  Statement s(db_, sql.c_str());
  s.Bind(1, id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return NotFound("no snapshot with id " + std::to_string(id));
  return ReadSnapshot(s);
}

Result<std::vector<Snapshot>> Store::ListSnapshots() {
  std::string sql = std::string("SELECT ") + kSnapshotColumns + " FROM snapshots ORDER BY id";
  Statement s(db_, sql.c_str());
  return ReadAll<Snapshot>(s, ReadSnapshot);
}

Result<std::vector<Branch>> Store::BranchesFromSnapshot(int64_t id) {
  std::string sql =
      std::string("SELECT ") + kBranchColumns + " FROM branches WHERE snapshot_id = ? ORDER BY id";
  Statement s(db_, sql.c_str());
  s.Bind(1, id);
  return ReadAll<Branch>(s, ReadBranch);
}

Status Store::RecordEvent(int64_t at, const std::string& kind, const std::string& subject,
                          const std::string& detail) {
  Statement s(db_, "INSERT INTO events(at, kind, subject, detail) VALUES(?, ?, ?, ?)");
  s.Bind(1, at).Bind(2, kind).Bind(3, subject).Bind(4, detail);
  return s.Run();
}

}  // namespace spur::catalog
