// Query plans before and after a migration: EXPLAIN of each query the user
// cares about, on the copy, before the first statement and after the last,
// reduced to what a reader compares: the root cost and the plan's shape
// (scans with their relation and index, joins by method).
//
// Every query is planned as a generic plan, so parameterised queries ($1,
// $2, ...) work on PostgreSQL 15, which has no EXPLAIN (GENERIC_PLAN): it is
// PREPAREd and EXPLAIN EXECUTEd with a NULL per parameter under
// plan_cache_mode = force_generic_plan. Nothing is executed.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "pg/conn.h"
#include "rehearse/script.h"

namespace spur::rehearse {

struct QueryPlan {
  double cost = 0;  // the root node's total cost
  std::vector<std::string>
      shape;          // "Seq Scan on big", "Index Scan using big_v on big", "Hash Join"
  std::string error;  // why it could not be planned ("" when it was)
};

struct PlanComparison {
  size_t index = 0;  // 0-based, in the queries file
  size_t line = 0;
  std::string query;
  QueryPlan before, after;
  std::vector<std::string> lost, gained;  // shape entries only before / only after
  // after.cost / before.cost; 0 when either side could not be planned.
  double cost_ratio() const;
};

// The generic plan of `query` on `conn`. Never fails as a Status: a query
// that cannot be planned (a table the migration dropped, a syntax error)
// gives a plan with `error` set. Leaves no prepared statement and no setting
// behind.
QueryPlan Explain(pg::Connection& conn, const std::string& query);

// Reduces EXPLAIN (FORMAT JSON) output to cost and shape; `error` set when the
// text is not such output.
QueryPlan ReadPlanJson(const std::string& explain_json);

// Fills `lost` and `gained` from the two shapes (as multisets).
void CompareShapes(PlanComparison& c);

}  // namespace spur::rehearse
