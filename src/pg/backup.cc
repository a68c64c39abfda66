#include "pg/backup.h"

namespace spur::pg {

Status BackupStart(Connection& conn, const std::string& label) {
  auto r = conn.Query("SELECT pg_backup_start($1, true)", {label});
  if (!r.ok()) return r.status().WithContext("pg_backup_start");
  return Status::Ok();
}

Result<BackupEnd> BackupStop(Connection& conn) {
  auto rows = conn.Query("SELECT lsn::text, labelfile, spcmapfile FROM pg_backup_stop(false)");
  if (!rows.ok()) return rows.status().WithContext("pg_backup_stop");
  if (rows->size() != 1 || (*rows)[0].size() != 3) return Internal("pg_backup_stop: no row");
  const Row& row = (*rows)[0];
  return BackupEnd{row[0].value_or(""), row[1].value_or(""), row[2].value_or("")};
}

}  // namespace spur::pg
