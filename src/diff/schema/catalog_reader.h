// ReadCatalog: the Catalog of the database a connection is on.
#pragma once

#include "common/status.h"
#include "diff/schema/catalog.h"
#include "pg/conn.h"

namespace spur::diff::schema {

// Reads every object the schema diff covers (catalog.h) with a fixed number of
// catalog queries, inside one REPEATABLE READ READ ONLY transaction with an
// empty search_path, so the result is one consistent picture and every
// definition is schema-qualified. `conn` must not be inside a transaction; it
// is left outside one, with its settings unchanged. Fails with the failing
// query's error (Internal) when the connection breaks or a query fails.
[[nodiscard]] Result<Catalog> ReadCatalog(pg::Connection& conn);

}  // namespace spur::diff::schema
