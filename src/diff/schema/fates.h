// Deciding what happens to every object: compare the two catalogs, apply the
// table filter, then cascade — whatever is dropped takes its dependents with
// it, and they are created again when `to` still has them.
#pragma once

#include <string>
#include <unordered_map>

#include "diff/schema/plan.h"

namespace spur::diff::schema {

// The fates straight from comparing the catalogs (after the table filter),
// before the cascade: what the Changes report.
using FateMap = std::unordered_map<std::string, Fate>;

// Fills `ctx` with every object's fate and returns the root fates.
FateMap DecideFates(PlanContext& ctx, const DiffOptions& options);

// An index or constraint a partition (or child table) has from its parent.
bool Attached(const ObjectRef* object);
// True when the table leaves a parent: detached from its partitioned table,
// or no longer inheriting from one of its parents.
bool LeavesParent(const PlanContext& ctx, const std::string& schema, const std::string& name);

}  // namespace spur::diff::schema
