// subset.yaml: which rows `spur sync --subset` starts from and what happens
// to the tables the foreign-key closure does not reach.
//
//   roots:
//     public.customers: { percent: 10 }          # TABLESAMPLE BERNOULLI(10) REPEATABLE(seed)
//     public.orders: { where: "created_at > '2024-01-01'" }
//   children: true      # default true: also take rows referencing kept rows
//   others: all         # tables outside the FK graph: all | none (default all)
//   tables:             # per-table override for tables outside the FK graph
//     public.audit_log: none
//   seed: 0             # default 0
//
// Table names are "schema.name" as written in the database (no quoting), or
// the quoted form "\"My Schema\".\"T\""; a name without a dot means public.
// Pure parsing: no database, no files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace spur::subset {

// What becomes of a table outside the foreign-key graph.
enum class Others { kAll, kNone };

// One entry under `roots:`: exactly one of percent and where is set.
struct RootSpec {
  std::string table;                 // as written in the file
  std::optional<double> percent;     // in (0, 100]
  std::optional<std::string> where;  // an SQL boolean expression over the table's columns
  int line = 0;                      // 1-based line in the file, for later errors
};

struct TableOverride {
  std::string table;  // as written in the file
  Others rows = Others::kAll;
  int line = 0;
};

struct SubsetConfig {
  std::vector<RootSpec> roots;  // file order
  bool children = true;
  Others others = Others::kAll;
  std::vector<TableOverride> tables;  // file order
  int64_t seed = 0;
};

// Parses subset.yaml text. InvalidArgument, one line starting
// "subset.yaml line N: ", for YAML syntax errors, a document that is not a
// mapping, unknown or repeated keys, no roots, a root with neither or both of
// percent and where, a percent outside (0, 100], an empty where, a non-boolean
// children, an `others` or per-table value other than all/none, a non-integer
// seed, or a table named twice in one section.
[[nodiscard]] Result<SubsetConfig> ParseSubsetConfig(std::string_view yaml_text);

// "all" / "none".
const char* OthersName(Others o);

}  // namespace spur::subset
