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
  };
  return kMigrations;
}

}  // namespace spur::catalog
