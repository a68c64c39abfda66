// Rows of the metadata store, as plain structs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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
  bool is_protected = false;  // never expires; delete/reset need --force by an admin
  std::optional<int64_t> idle_expiry_seconds;  // delete after this long with no connection
  std::optional<int64_t> warned_at;            // expiry warning recorded at
  int64_t running_seconds = 0;                 // accumulated over finished runs
  std::optional<int64_t> running_since;        // start of the current run
  std::string stop_reason;                     // "", "user", "idle", "schedule"
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
  // Transactions that may have been in flight while it was taken, as full
  // xids "lo-hi" (half-open); "" when none could be (a stopped branch); "?"
  // when unknown (taken before spur recorded it). The data diff's fast path
  // checks these (pg/xid_range.h).
  std::string inflight_xids = "?";
};

// An API bearer token. Only its SHA-256 is stored; `prefix` (its first
// characters) lets people tell tokens apart.
struct Token {
  int64_t id = 0;
  std::string hash;
  std::string prefix;
  std::string role;  // admin | developer | viewer
  std::string owner;
  std::string note;
  // Repositories ("owner/name") whose pull-request branches the token acts
  // for, whoever owns them (a CI token); empty = none.
  std::vector<std::string> repos;
  int64_t created_at = 0;
  std::optional<int64_t> last_used_at;
  std::optional<int64_t> revoked_at;
};

// Limits for the whole pool (owner "") or one owner. Unset = unlimited.
struct Quota {
  std::string owner;
  std::optional<int64_t> max_branches;
  std::optional<int64_t> max_bytes;  // exclusive bytes
};

// A shutdown window: branches labelled `label` (KEY=VALUE) are stopped at
// `stop_cron` and started again at `start_cron`.
struct Schedule {
  std::string name;
  std::string label;
  std::string stop_cron;
  std::string start_cron;
  int64_t created_at = 0;
};

// A repository whose pull requests get branches (webhooks, `spur ci`).
struct Repo {
  std::string name;
  std::string forge;   // github | gitlab
  std::string secret;  // webhook secret
  std::string config;  // .spur.yaml text
  int64_t created_at = 0;
};

// One received webhook delivery. (forge, delivery_id) is unique, which is
// what makes redeliveries harmless.
struct Delivery {
  int64_t id = 0;
  std::string forge;
  std::string delivery_id;
  std::string repo;
  int64_t pr = 0;
  std::string action;
  std::string event;  // JSON of the parsed event
  std::string state;  // pending | done | failed | ignored
  std::string result;
  int64_t received_at = 0;
  std::optional<int64_t> finished_at;
};

// The branch a pull request owns, and its last migration run.
struct PullRequest {
  std::string repo;
  int64_t number = 0;
  std::string branch;
  std::string head_sha;
  std::string migration;  // JSON
  int64_t updated_at = 0;
};

// The last webhook event applied to a pull request: what a replay of it (or
// of an older one) is recognised by.
struct PrEvent {
  std::string forge;  // github | gitlab
  std::string repo;
  int64_t number = 0;
  std::string action;  // open | sync | close
  std::string head_sha;
  int64_t updated_at = 0;  // the forge's timestamp of the PR; 0 when it sent none
  int64_t applied_at = 0;
  std::string delivery_id;  // the delivery that applied it ("" when unknown)
};

// A swap of a branch's data (reset, sync) that has passed its point of no
// return: the new data is complete at <id>.new, and the branch's record must
// end up as this says. Written before the swap, deleted once the record is
// updated; reconcile finishes any it finds (forward, never back).
struct SwapIntent {
  int64_t branch_id = 0;
  std::string kind;                    // reset | sync
  std::optional<int64_t> snapshot_id;  // the branch's base afterwards (reset); unchanged if none
  std::string database;                // its database afterwards; "" unchanged
  std::string settings_json;           // its settings afterwards; "" unchanged
  int64_t created_at = 0;
};

// A database `spur sync` copies from.
struct Source {
  std::string name;
  std::string url;   // libpq URL or conninfo, password included
  std::string mode;  // logical | physical
  int64_t created_at = 0;
};

// One run of `spur sync`.
struct SyncRun {
  int64_t id = 0;
  std::string source, branch, mode;
  std::string state;  // running | done | failed
  int64_t started_at = 0;
  std::optional<int64_t> finished_at;
  std::string snapshot;  // taken when done
  bool masked = false;
  std::string mask;    // JSON: table -> column -> rule, as applied
  std::string report;  // JSON
  std::string error;
};

// A recurring sync run by `spur serve`: every `every_seconds`, or at `cron`.
struct SyncSchedule {
  std::string source, branch;
  std::optional<int64_t> every_seconds;
  std::string cron;
  std::string options;  // JSON: mask, subset (paths), jobs, no_mask
  int64_t next_run_at = 0;
  std::optional<int64_t> last_run_id;
  int64_t created_at = 0;
};

}  // namespace spur::catalog
