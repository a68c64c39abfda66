// Where `main`'s data comes from at init, besides an empty cluster: an
// existing stopped data directory, or a physical copy of a running server.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "common/status.h"
#include "os/user.h"
#include "pg/installation.h"

namespace spur::engine {

// Copies the stopped cluster at `source` into the empty dataset `dst`
// (reflink when both are on one cloning filesystem, else bytes). The source
// is only read. Its postgresql.conf is kept as postgresql.conf.source and
// replaced by a minimal one; recovery/standby signals are dropped.
Status ImportDataDirectory(const std::string& source, const std::string& dst,
                           const pg::Installation& installation);

// pg_basebackup of the server at `url` into the empty dataset `dst`, with the
// WAL it needs (-X stream) and a fast checkpoint.
Status BaseBackup(const std::string& url, const std::string& dst,
                  const pg::Installation& installation, const std::optional<os::OsUser>& run_as);

// pg_basebackup of the server at `url` into the empty dataset `dst` that
// stays a streaming standby of it (standby.signal and primary_conninfo kept).
Status StandbyBackup(const std::string& url, const std::string& dst,
                     const pg::Installation& installation, const std::optional<os::OsUser>& run_as);

// The settings a standby of the cluster at `pgdata` must match or exceed
// (max_connections, max_worker_processes, ...), from its control file.
Result<std::map<std::string, std::string>> StandbySettings(const std::string& pgdata,
                                                           const pg::Installation& installation,
                                                           const std::optional<os::OsUser>& run_as);

}  // namespace spur::engine
