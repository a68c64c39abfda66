// Rows of the metadata store, as plain structs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace spur::catalog {

// Lifecycle of a branch row. `creating` rows belong to a create that has not
// finished, `deleting` rows to a delete that has not; reconciliation removes
// both.
enum class BranchState { kCreating, kStopped, kRunning, kDeleting };
const char* ToString(BranchState s);
std::optional<BranchState> BranchStateFrom(const std::string& s);

struct Branch {
  int64_t id = 0;
  std::string name;
  std::optional<int64_t> parent_id;
  std::optional<int64_t> snapshot_id;  // the snapshot this branch's data came from
  BranchState state = BranchState::kCreating;
  int port = 0;
  std::string role;      // login role for applications
  std::string password;  // its password (the pool's metadata is 0600)
  std::string database;  // database the URI names
  std::string owner;
  std::string labels_json = "{}";
  std::string settings_json = "{}";  // per-branch postgres settings
  int64_t created_at = 0;
  int64_t last_used_at = 0;
  std::optional<int64_t> expires_at;
  std::optional<int64_t> ttl_seconds;
};

// How a snapshot was made consistent.
//   backup: per-file clone inside pg_backup_start/stop, backup_label written
//   atomic: one atomic filesystem snapshot of the live directory (btrfs)
//   clean:  clone of a cleanly stopped instance
struct Snapshot {
  int64_t id = 0;
  std::string name;
  std::optional<int64_t> branch_id;  // branch it was taken of (null once deleted)
  std::string branch_name;           // kept for display
  bool implicit = false;             // made for a branch create/reset; auto-removed
  bool ready = false;                // false while being taken
  // Named snapshots keep their own dataset. Implicit ones (taken to create or
  // reset a branch) are cloned straight into that branch and are a lineage
  // record only: parent, time, LSN, consistency.
  bool has_data = true;
  std::string consistency;
  std::string lsn;
  int64_t created_at = 0;
};

}  // namespace spur::catalog
