// subset.yaml (subset/config.h). Properties: parsing any text returns a
// config or one InvalidArgument line starting "subset.yaml"; a parsed
// config keeps the documented invariants (roots present, each with exactly
// one of percent in (0, 100] and a non-empty where).
#include <string>

#include "fuzz_target.h"
#include "subset/config.h"

namespace spur::fuzz {

int FuzzSubsetConfig(const uint8_t* data, size_t size) {
  auto config = subset::ParseSubsetConfig(AsText(data, size));
  if (!config.ok()) {
    SPUR_FUZZ_CHECK(config.status().code() == Code::kInvalidArgument);
    SPUR_FUZZ_CHECK(config.status().message().rfind("subset.yaml", 0) == 0);
    return 0;
  }
  SPUR_FUZZ_CHECK(!config->roots.empty());
  for (const auto& root : config->roots) {
    SPUR_FUZZ_CHECK(root.percent.has_value() != root.where.has_value());
    if (root.percent) SPUR_FUZZ_CHECK(*root.percent > 0 && *root.percent <= 100);
    if (root.where) SPUR_FUZZ_CHECK(!root.where->empty());
    SPUR_FUZZ_CHECK(!root.table.empty() && root.line > 0);
  }
  for (const auto& t : config->tables) SPUR_FUZZ_CHECK(!t.table.empty());
  return 0;
}

}  // namespace spur::fuzz

SPUR_FUZZ_TARGET(FuzzSubsetConfig)
