// Where the PostgreSQL server binaries are: an explicit directory, else
// `pg_config --bindir`, else the newest of Debian's /usr/lib/postgresql/N/bin.
#pragma once

#include <string>

#include "common/status.h"

namespace spur::pg {

struct Installation {
  std::string bindir;  // holds postgres, initdb, pg_ctl, psql, pg_basebackup
  int major_version = 0;

  std::string Binary(const std::string& name) const { return bindir + "/" + name; }
};

// `configured` may be "" (search). NotFound with install advice when none.
Result<Installation> FindInstallation(const std::string& configured);

}  // namespace spur::pg
