// PostgreSQL's non-exclusive backup protocol (PG 15: pg_backup_start /
// pg_backup_stop), used to make per-file clones of a running instance
// transactionally consistent.
#pragma once

#include <string>

#include "common/status.h"
#include "pg/conn.h"

namespace spur::pg {

struct BackupEnd {
  std::string stop_lsn;
  std::string backup_label;    // contents for <snapshot>/backup_label
  std::string tablespace_map;  // contents for <snapshot>/tablespace_map ("" = none)
};

// Starts a backup on `conn` with an immediate checkpoint. The backup belongs
// to this session: keep `conn` open until BackupStop.
Status BackupStart(Connection& conn, const std::string& label);

// Ends the backup started on `conn`. Forces a WAL segment switch, so every
// WAL record up to stop_lsn is in pg_wal when this returns.
Result<BackupEnd> BackupStop(Connection& conn);

}  // namespace spur::pg
