// Putting Actions in an order postgres accepts: a dependency graph over the
// actions (from both catalogs' pg_depend and from name clashes), scheduled so
// that transactional work stays in as few blocks as possible.
#pragma once

#include <vector>

#include "common/status.h"
#include "diff/schema/plan.h"

namespace spur::diff::schema {

// Orders the actions of `chains` (each chain in its own order) and returns
// their statements. Edges, for objects X and Y:
//  - X needs Y in `to`: Y's creates and alters run before X's creates,
//    alters and finishing steps (a sequence's OWNED BY binds only its finish);
//  - X needs Y in `from`: X's drops and alters run before Y's drops and
//    finishing steps, X's drops before Y's alters;
//  - an object's drop before its create, its create and alters before its
//    finishing steps; a drop before the create of another object with the
//    same relation or function name.
// Among ready actions, early-lane ones run first, then as many transactional
// ones as possible, then late-lane ones; by rank, then key, within a lane.
// InvalidArgument naming the objects when the edges form a cycle.
[[nodiscard]] Result<std::vector<Statement>> OrderActions(std::vector<Chain> chains,
                                                          const PlanContext& ctx);

}  // namespace spur::diff::schema
