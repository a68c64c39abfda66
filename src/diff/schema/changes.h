// The Changes of a diff: one entry per object that differs, with details for
// people, from the root fates (before dependents were pulled in).
#pragma once

#include <vector>

#include "diff/schema/fates.h"

namespace spur::diff::schema {

std::vector<Change> DescribeChanges(const PlanContext& ctx, const FateMap& roots);

}  // namespace spur::diff::schema
