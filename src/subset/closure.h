// The subset closure: from the roots of a subset.yaml, the set of rows to
// copy so that every foreign key holds in the copy. Computed entirely inside
// the source database, in TEMP tables of the sync's own transaction; nothing
// per row is held in this process, and no table of the source is written.
//
// Rows are identified by (tableoid, ctid), which stay fixed for the rows a
// REPEATABLE READ snapshot sees: the versions it sees cannot be pruned while
// it lives, and every table is share-locked from its first read on, so a
// rewrite (VACUUM FULL, CLUSTER) waits for the sync to end.
#pragma once

#include "common/status.h"
#include "pg/conn.h"
#include "pg/schema.h"
#include "subset/config.h"
#include "subset/selection.h"

namespace spur::subset {

// Computes the closure of `config` over `schema` on `conn`, which must be
// inside an open READ WRITE transaction at REPEATABLE READ or SERIALIZABLE
// (the sync snapshot; `schema` read in it). Steps, each in SQL:
//   1. roots: TABLESAMPLE BERNOULLI(percent) REPEATABLE(seed) on each leaf of
//      the root table, or its WHERE;
//   2. if `children`: rows referencing kept rows, through every foreign key,
//      to a fixed point;
//   3. rows referenced by kept rows, through every foreign key, to a fixed
//      point. A NULL in any referencing column references nothing.
// Tables in the FK graph that nothing reaches get no rows; tables outside it
// get all or none per `tables:` and `others:`.
//
// The returned Selection's SQL reads temp tables named pg_temp.spur_keep_*
// that live until the transaction ends (ON COMMIT DROP); a second call in the
// same transaction replaces them and invalidates the first Selection.
//
// Errors (one line): NotFound listing every table the config names that the
// schema lacks; InvalidArgument for a `tables:` entry on a table the closure
// decides (linked by foreign keys, or a root); FailedPrecondition when not in
// a suitable transaction; Internal with the server's message when a query
// fails (a bad WHERE, say). On error the transaction is rolled back to where
// it was before the call and stays usable.
//
// Each `where` runs as written on the source, as one statement over the
// extended protocol (so it cannot smuggle in a second statement); give the
// sync a role that can only read.
[[nodiscard]] Result<Selection> ComputeClosure(pg::Connection& conn, const pg::Schema& schema,
                                               const SubsetConfig& config);

}  // namespace spur::subset
