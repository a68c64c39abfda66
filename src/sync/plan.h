// What a sync does to each table: which columns it copies and which rule
// masks each one. Rules on key columns follow foreign keys to every column
// referencing them (composite keys too), so masked keys still join; rules on
// partitioned tables apply to their partitions.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "mask/config.h"
#include "mask/row_masker.h"
#include "mask/transformer.h"
#include "pg/schema.h"

namespace spur::sync {

struct ColumnRule {
  std::string column;
  mask::TransformSpec spec;
  std::string via;  // "" = its own rule; else "table.column" whose rule it follows
};

struct TablePlan {
  const pg::Table* table = nullptr;  // a leaf table of the schema
  std::string columns;               // "(a, b)": copied columns (generated ones left out)
  std::vector<ColumnRule> rules;     // masked columns only
  std::vector<std::unique_ptr<mask::Transformer>> transformers;
  std::unique_ptr<mask::RowMasker> masker;  // null when nothing is masked
};

struct Plan {
  std::vector<TablePlan> tables;  // leaf tables, schema order
  // As applied, per leaf table and column:
  // {"public.users": {"email": {"rule": "email", "type": "text"}},
  //  "public.orders": {"email": {"rule": "email", "type": "text", "via": "public.users.email"}},
  //  "public.people": {"profile": {"rule": "json", "type": "jsonb", "paths": {"$.ssn": "null"}}}}
  nlohmann::json mask;
};

// A copied column that mask.yaml's strictness requires a rule for and that
// has none. `category`: what it looks like ("email", "name"... from
// mask/pii.h), "todo" when mask.yaml says so, else "no rule".
struct UnruledColumn {
  std::string table, column, category;
};

// The columns `config.strict` requires a rule for and that none covers.
// A column is covered by a rule of its own table (keep included), of an
// ancestor (partitioned or INHERITS parent, any depth), a masked key's rule
// that it references through a foreign key, or, for kAll, a foreign key onto
// a covered column (it holds the key's values). Generated columns are never
// copied and partitions are judged by their parent, so neither is listed.
// kAll: every other column; kGuess: those that look personal; kOff: none.
// Columns written `todo` are listed under every strictness but kOff.
std::vector<UnruledColumn> FindUnruledColumns(const pg::Schema& schema,
                                              const mask::MaskConfig& config);

// Builds the plan. With `config` null nothing is masked. InvalidArgument
// (one line) when a rule names a missing table or column, when a rule sits
// on a column referencing a key whose own rule differs or is missing, or when
// a transformer refuses its column (e.g. a non-bijective rule on a key).
[[nodiscard]] Result<Plan> BuildPlan(const pg::Schema& schema, const mask::MaskConfig* config,
                                     const mask::MaskKey& key);

using pg::QuoteIdent;

// "public.users.email (email), public.people.phone (phone)" for messages.
std::string DescribeUnruled(const std::vector<UnruledColumn>& columns, size_t max = 20);

}  // namespace spur::sync
