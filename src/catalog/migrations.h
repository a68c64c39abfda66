// Numbered schema migrations of the metadata store. Migration i (1-based)
// takes the schema from version i-1 to i. Append only; never edit a shipped one.
#pragma once

#include <vector>

namespace spur::catalog {

const std::vector<const char*>& Migrations();

}  // namespace spur::catalog
