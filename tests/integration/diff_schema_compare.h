// Comparing two Catalogs object by object, for tests: which objects one has
// and the other lacks, and which differ (with both versions as JSON).
#pragma once

#include <string>
#include <vector>

#include "diff/schema/catalog.h"

namespace spur::testing {

// Up to `limit` lines describing how `got` differs from `want`; empty when
// they are equal (dependencies included).
std::vector<std::string> CatalogDifferences(const diff::schema::Catalog& want,
                                            const diff::schema::Catalog& got, size_t limit = 5);

}  // namespace spur::testing
