#include "catalog/migrations.h"

namespace spur::catalog {

const std::vector<const char*>& Migrations() {
  static const std::vector<const char*> kMigrations = {
      // 1: pool settings, branches, snapshots, events.
      R"sql(
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE snapshots (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  branch_id   INTEGER,
  branch_name TEXT NOT NULL,
  implicit    INTEGER NOT NULL,
  ready       INTEGER NOT NULL,
  consistency TEXT NOT NULL,
  lsn         TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL
);
CREATE TABLE branches (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  parent_id     INTEGER REFERENCES branches(id),
  snapshot_id   INTEGER REFERENCES snapshots(id),
  state         TEXT NOT NULL,
  port          INTEGER NOT NULL UNIQUE,
  role          TEXT NOT NULL,
  password      TEXT NOT NULL,
  database      TEXT NOT NULL,
  owner         TEXT NOT NULL,
  labels        TEXT NOT NULL DEFAULT '{}',
  settings      TEXT NOT NULL DEFAULT '{}',
  created_at    INTEGER NOT NULL,
  last_used_at  INTEGER NOT NULL,
  expires_at    INTEGER,
  ttl_seconds   INTEGER
);
CREATE INDEX branches_parent ON branches(parent_id);
CREATE INDEX branches_snapshot ON branches(snapshot_id);
CREATE TABLE events (
  id      INTEGER PRIMARY KEY,
  at      INTEGER NOT NULL,
  kind    TEXT NOT NULL,
  subject TEXT NOT NULL,
  detail  TEXT NOT NULL
);
)sql",
      // 2: implicit snapshots without a dataset of their own.
      R"sql(
ALTER TABLE snapshots ADD COLUMN has_data INTEGER NOT NULL DEFAULT 1;
)sql",
      // 3: the daemon: protection, idle and running time per branch; tokens,
      // quotas, shutdown schedules, repositories, webhook deliveries.
      R"sql(
ALTER TABLE branches ADD COLUMN protected INTEGER NOT NULL DEFAULT 0;
ALTER TABLE branches ADD COLUMN idle_expiry_seconds INTEGER;
ALTER TABLE branches ADD COLUMN warned_at INTEGER;
ALTER TABLE branches ADD COLUMN running_seconds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE branches ADD COLUMN running_since INTEGER;
ALTER TABLE branches ADD COLUMN stop_reason TEXT NOT NULL DEFAULT '';
CREATE TABLE tokens (
  id           INTEGER PRIMARY KEY,
  hash         TEXT NOT NULL UNIQUE,
  prefix       TEXT NOT NULL,
  role         TEXT NOT NULL,
  owner        TEXT NOT NULL,
  note         TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at   INTEGER
);
CREATE TABLE quotas (
  owner        TEXT PRIMARY KEY,  -- '' for the whole pool
  max_branches INTEGER,
  max_bytes    INTEGER
);
CREATE TABLE schedules (
  name        TEXT PRIMARY KEY,
  label       TEXT NOT NULL,      -- KEY=VALUE the branches carry
  stop_cron   TEXT NOT NULL,
  start_cron  TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE TABLE repos (
  name        TEXT PRIMARY KEY,   -- owner/name as the forge spells it
  forge       TEXT NOT NULL,      -- github | gitlab
  secret      TEXT NOT NULL,
  config      TEXT NOT NULL,      -- .spur.yaml text
  created_at  INTEGER NOT NULL
);
CREATE TABLE deliveries (
  id           INTEGER PRIMARY KEY,
  forge        TEXT NOT NULL,
  delivery_id  TEXT NOT NULL,
  repo         TEXT NOT NULL,
  pr           INTEGER NOT NULL,
  action       TEXT NOT NULL,
  event        TEXT NOT NULL,     -- the parsed event, JSON
  state        TEXT NOT NULL,     -- pending | done | failed | ignored
  result       TEXT NOT NULL DEFAULT '',
  received_at  INTEGER NOT NULL,
  finished_at  INTEGER,
  UNIQUE (forge, delivery_id)
);
CREATE TABLE pull_requests (
  repo        TEXT NOT NULL,
  number      INTEGER NOT NULL,
  branch      TEXT NOT NULL,
  head_sha    TEXT NOT NULL DEFAULT '',
  migration   TEXT NOT NULL DEFAULT '',  -- JSON of the last migrate run
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (repo, number)
);
)sql",
      // 4: sources, sync runs and sync schedules.
      R"sql(
CREATE TABLE sources (
  name        TEXT PRIMARY KEY,
  url         TEXT NOT NULL,            -- a libpq URL with its password: spur.db is 0600
  mode        TEXT NOT NULL,            -- logical | physical
  created_at  INTEGER NOT NULL
);
CREATE TABLE sync_runs (
  id           INTEGER PRIMARY KEY,
  source       TEXT NOT NULL,
  branch       TEXT NOT NULL,
  mode         TEXT NOT NULL,
  state        TEXT NOT NULL,           -- running | done | failed
  started_at   INTEGER NOT NULL,
  finished_at  INTEGER,
  snapshot     TEXT NOT NULL DEFAULT '',
  masked       INTEGER NOT NULL,
  mask         TEXT NOT NULL DEFAULT '',  -- JSON: the rules applied, per column
  report       TEXT NOT NULL DEFAULT '',  -- JSON: tables, rows, bytes, subset counts
  error        TEXT NOT NULL DEFAULT ''
);
CREATE TABLE sync_schedules (
  source       TEXT NOT NULL,
  branch       TEXT NOT NULL,
  every_seconds INTEGER,
  cron         TEXT NOT NULL DEFAULT '',
  options      TEXT NOT NULL,           -- JSON: mask, subset, jobs, no_mask
  next_run_at  INTEGER NOT NULL,
  last_run_id  INTEGER,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (source, branch)
);
)sql",
      // 5: transactions in flight while a snapshot was taken ("lo-hi", half-open
      // range of full xids; "" none; "?" not recorded: taken before version 5).
      "ALTER TABLE snapshots ADD COLUMN inflight_xids TEXT NOT NULL DEFAULT '?';",
      // 6: the last webhook event applied to each pull request, so a replayed
      // (re-signed by nobody, resent with a new delivery id) event is refused.
      R"sql(
CREATE TABLE pr_events (
  forge       TEXT NOT NULL,        -- github | gitlab
  repo        TEXT NOT NULL,
  number      INTEGER NOT NULL,
  action      TEXT NOT NULL,        -- open | sync | close
  head_sha    TEXT NOT NULL,
  updated_at  INTEGER NOT NULL,     -- the forge's timestamp of the PR; 0 when none
  applied_at  INTEGER NOT NULL,
  delivery_id TEXT NOT NULL DEFAULT '',  -- the delivery that applied it
  PRIMARY KEY (forge, repo, number)
);
CREATE INDEX pr_events_applied_at ON pr_events(applied_at);
)sql",
      // 7: a reset's or sync's swap past its point of no return, so reconcile
      // finishes it forward (data and record) after a crash.
      R"sql(
CREATE TABLE swap_intents (
  branch_id     INTEGER PRIMARY KEY,
  kind          TEXT NOT NULL,             -- reset | sync
  snapshot_id   INTEGER,                   -- the branch's base afterwards; NULL unchanged
  database      TEXT NOT NULL DEFAULT '',  -- '' unchanged
  settings_json TEXT NOT NULL DEFAULT '',  -- '' unchanged
  created_at    INTEGER NOT NULL
);
)sql",
      // 8: tokens scoped to repositories (a CI token acts for the PR branches
      // of these, whoever owns them): a JSON array of "owner/name", '' none.
      "ALTER TABLE tokens ADD COLUMN repos TEXT NOT NULL DEFAULT '';",
  };
  return kMigrations;
}

}  // namespace spur::catalog
