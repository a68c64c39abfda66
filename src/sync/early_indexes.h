// Index builds that overlap the data copy. A plain table's primary key,
// unique constraints and indexes are built by its copy worker as soon as
// its rows are in (as pgcopydb does), instead of after every table; the
// post-data restore then skips them. Partitioned tables, partitions and
// objects whose names the restore list cannot show plainly are left to the
// post-data restore.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "pg/conn.h"
#include "pg/schema.h"

namespace spur::sync {

struct EarlyIndexes {
  // Per qualified table: the statements to run after its load.
  std::map<std::string, std::vector<std::string>> statements;
  // Per qualified table: what the post-data restore must then skip,
  // "CONSTRAINT schema table name" and "INDEX schema name", as
  // `pg_restore -l` spells them. Only for tables whose statements ran.
  std::map<std::string, std::vector<std::string>> skip;
};

// Reads the definitions from the source (in the sync's snapshot).
[[nodiscard]] Result<EarlyIndexes> PlanEarlyIndexes(pg::Connection& source,
                                                    const pg::Schema& schema);

// `pg_restore -l` output with the entries in `skip` commented out.
std::string FilterRestoreList(const std::string& list, const std::set<std::string>& skip);

}  // namespace spur::sync
