#include "subset/closure.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "subset/closure_sql.h"
#include "subset/graph.h"

namespace spur::subset {
namespace {

constexpr const char* kSavepoint = "spur_subset_closure";

struct ResolvedRoot {
  const RootSpec* spec;
  const pg::Table* table;
};

struct ResolvedOverride {
  const TableOverride* spec;
  const pg::Table* table;
};

struct Resolved {
  std::vector<ResolvedRoot> roots;
  std::vector<ResolvedOverride> overrides;
};

std::string At(int line) { return line > 0 ? " (line " + std::to_string(line) + ")" : ""; }

// Maps every name in `config` to a table; NotFound lists all unknown names.
Result<Resolved> Resolve(const FkGraph& graph, const SubsetConfig& config) {
  Resolved out;
  std::string missing;
  auto note = [&](const std::string& name, int line) {
    missing += (missing.empty() ? "" : ", ") + name + At(line);
  };
  for (const RootSpec& r : config.roots) {
    const pg::Table* t = graph.Resolve(r.table);
    if (t == nullptr) note(r.table, r.line);
    out.roots.push_back({&r, t});
  }
  for (const TableOverride& o : config.tables) {
    const pg::Table* t = graph.Resolve(o.table);
    if (t == nullptr) note(o.table, o.line);
    out.overrides.push_back({&o, t});
  }
  if (!missing.empty()) {
    return NotFound("subset.yaml names tables the source database does not have: " + missing +
                    "; write them as schema.table");
  }
  return out;
}

// A `tables:` entry only makes sense where neither roots nor foreign keys decide.
Status CheckOverrides(const FkGraph& graph, const Resolved& r) {
  for (const ResolvedOverride& o : r.overrides) {
    const int node = graph.NodeOf(*o.table);
    const std::string where = "subset.yaml" + At(o.spec->line) + ": tables: " + o.spec->table;
    if (graph.InGraph(node)) {
      return InvalidArgument(where +
                             " is linked by foreign keys, so the closure decides its "
                             "rows; remove it from tables: or make it a root");
    }
    for (const ResolvedRoot& root : r.roots) {
      if (graph.NodeOf(*root.table) == node) {
        return InvalidArgument(where + " is also under roots:; keep one of the two");
      }
    }
  }
  return Status::Ok();
}

Status CheckTransaction(pg::Connection& conn) {
  ASSIGN_OR_RETURN(std::vector<pg::Row> rows,
                   conn.Query("SELECT current_setting('transaction_isolation'), "
                              "current_setting('transaction_read_only')"));
  const std::string level = rows.at(0).at(0).value_or("");
  if (level != "repeatable read" && level != "serializable") {
    return FailedPrecondition(
        "the subset closure must run inside the sync's REPEATABLE READ "
        "transaction, not at " +
        level);
  }
  if (rows.at(0).at(1).value_or("") == "on") {
    return FailedPrecondition(
        "the subset closure needs temp tables; start the sync's "
        "transaction READ WRITE (the source is still never written)");
  }
  Status st = conn.Exec(std::string("SAVEPOINT ") + kSavepoint);
  if (!st.ok()) {
    return FailedPrecondition("the subset closure must run inside an open transaction: " +
                              st.message());
  }
  return Status::Ok();
}

int64_t ToInt(const std::optional<std::string>& v) { return v ? std::stoll(*v) : 0; }

// all/none from the nearest `tables:` entry at or above `leaf`, else `others:`.
TableReport OutsideGraphReport(const FkGraph& graph, const Resolved& resolved,
                               const SubsetConfig& config, const pg::Table& leaf) {
  Others rows = config.others;
  bool found = false;
  for (const pg::Table* t = &leaf; t != nullptr && !found; t = graph.Parent(*t)) {
    for (const ResolvedOverride& o : resolved.overrides) {
      if (o.table == t) {
        rows = o.spec->rows;
        found = true;
      }
    }
  }
  const bool all = rows == Others::kAll;
  return TableReport{.table = leaf.qualified,
                     .reach = all ? Reach::kAll : Reach::kNone,
                     .requested_rows = -1,
                     .actual_rows = all ? -1 : 0};
}

// One closure computation: keep-sets per node, the generation counter.
class Closure {
 public:
  Closure(pg::Connection& conn, const FkGraph& graph, const SubsetConfig& config,
          const Resolved& resolved)
      : conn_(conn), graph_(graph), config_(config), resolved_(resolved) {}

  Result<Selection> Run() {
    RETURN_IF_ERROR(DropStaleKeepTables());
    RETURN_IF_ERROR(SelectRoots());
    if (config_.children) RETURN_IF_ERROR(RunPass(/*upward=*/false));
    RETURN_IF_ERROR(RunPass(/*upward=*/true));
    return Collect();
  }

 private:
  Status DropStaleKeepTables();
  Status EnsureKeepTable(int node);
  Status SelectRoots();
  Status RunPass(bool upward);
  Status Analyze(const std::set<int>& nodes);
  Result<int64_t> Count(const std::string& sql, const std::string& what);
  Status AddByLeaf(const std::string& sql, const std::string& what);
  bool IsRootLeaf(const pg::Table& leaf) const;
  Result<Selection> Collect();

  pg::Connection& conn_;
  const FkGraph& graph_;
  const SubsetConfig& config_;
  const Resolved& resolved_;
  std::vector<std::string> keep_;          // per node; "" until its keep-set is made
  std::vector<int> max_gen_;               // per node: newest gen in its keep-set (0 = empty)
  int gen_ = 1;                            // roots are gen 1
  std::map<uint32_t, int64_t> requested_;  // leaf oid -> rows the roots took
};

// Keep-sets are made on first use, so a schema of thousands of tables only
// gets temp tables where the closure actually goes.
Status Closure::DropStaleKeepTables() {
  keep_.assign(graph_.nodes().size(), "");
  max_gen_.assign(graph_.nodes().size(), 0);
  ASSIGN_OR_RETURN(std::vector<pg::Row> stale, conn_.Query(sql::ListKeepTables()));
  for (const pg::Row& r : stale) {
    RETURN_IF_ERROR(conn_.Exec("DROP TABLE pg_temp." + sql::Ident(r.at(0).value_or(""))));
  }
  return Status::Ok();
}

Status Closure::EnsureKeepTable(int node) {
  if (!keep_[node].empty()) return Status::Ok();
  RETURN_IF_ERROR(conn_.Exec(sql::CreateKeepTable(sql::KeepTable(node))));
  keep_[node] = sql::KeepTable(node);
  return Status::Ok();
}

Status Closure::AddByLeaf(const std::string& sql, const std::string& what) {
  // The extended protocol runs exactly one statement: a WHERE cannot add another.
  auto rows = conn_.Query(sql, {});
  if (!rows.ok()) return rows.status().WithContext(what);
  for (const pg::Row& r : *rows) {
    requested_[static_cast<uint32_t>(ToInt(r.at(0)))] += ToInt(r.at(1));
  }
  return Status::Ok();
}

Status Closure::SelectRoots() {
  std::set<int> touched;
  for (const ResolvedRoot& r : resolved_.roots) {
    const int node = graph_.NodeOf(*r.table);
    const std::string what = "subset root " + r.spec->table;
    RETURN_IF_ERROR(EnsureKeepTable(node));
    if (r.spec->percent) {
      for (const pg::Table* leaf : graph_.Leaves(*r.table)) {
        RETURN_IF_ERROR(
            AddByLeaf(sql::SampleRoot(*leaf, keep_[node], *r.spec->percent, config_.seed), what));
      }
    } else {
      RETURN_IF_ERROR(AddByLeaf(sql::WhereRoot(*r.table, keep_[node], *r.spec->where), what));
    }
    max_gen_[node] = 1;
    touched.insert(node);
  }
  return Analyze(touched);
}

Result<int64_t> Closure::Count(const std::string& sql, const std::string& what) {
  auto v = conn_.Query(sql, {});
  if (!v.ok()) return v.status().WithContext(what);
  return v->empty() ? 0 : ToInt(v->front().at(0));
}

// Semi-naive fixed point: each edge only looks at source rows added since it
// last ran, and a sweep that adds nothing ends the pass.
Status Closure::RunPass(bool upward) {
  std::vector<const Edge*> edges;
  for (const Edge& e : graph_.edges()) edges.push_back(&e);
  if (!upward) std::reverse(edges.begin(), edges.end());
  std::vector<int> seen(edges.size(), 0);
  for (bool changed = true; changed;) {
    changed = false;
    std::set<int> touched;
    for (size_t i = 0; i < edges.size(); ++i) {
      const Edge& e = *edges[i];
      const int from = upward ? e.child_node : e.parent_node;
      const int to = upward ? e.parent_node : e.child_node;
      if (max_gen_[from] <= seen[i]) continue;
      RETURN_IF_ERROR(EnsureKeepTable(to));
      const sql::Step step{.edge = &e,
                           .child_keep = keep_[e.child_node],
                           .parent_keep = keep_[e.parent_node],
                           .since = seen[i],
                           .gen = ++gen_,
                           .via = 1 + static_cast<int>(&e - graph_.edges().data())};
      ASSIGN_OR_RETURN(int64_t added, Count(upward ? sql::Upward(step) : sql::Downward(step),
                                            "subset closure over foreign key " + e.fk->name +
                                                " of " + e.fk->table));
      seen[i] = step.gen - 1;
      if (added > 0) {
        max_gen_[to] = step.gen;
        touched.insert(to);
        changed = true;
      }
    }
    RETURN_IF_ERROR(Analyze(touched));
  }
  return Status::Ok();
}

// Temp tables are never auto-analysed; fresh counts let the planner choose
// between TID lookups and hash joins.
Status Closure::Analyze(const std::set<int>& nodes) {
  for (int node : nodes) RETURN_IF_ERROR(conn_.Exec("ANALYZE " + keep_[node]));
  return Status::Ok();
}

bool Closure::IsRootLeaf(const pg::Table& leaf) const {
  for (const ResolvedRoot& r : resolved_.roots) {
    if (graph_.Covers(*r.table, leaf)) return true;
  }
  return false;
}

Result<Selection> Closure::Collect() {
  std::map<uint32_t, int64_t> actual;
  for (const std::string& keep : keep_) {
    if (keep.empty()) continue;
    ASSIGN_OR_RETURN(std::vector<pg::Row> rows, conn_.Query(sql::CountByLeaf(keep)));
    for (const pg::Row& r : rows) actual[static_cast<uint32_t>(ToInt(r.at(0)))] = ToInt(r.at(1));
  }
  Selection selection;
  for (const pg::Table& t : graph_.schema().tables) {
    if (!t.leaf()) continue;
    const int node = graph_.NodeOf(t);
    const bool root = IsRootLeaf(t);
    if (!graph_.InGraph(node) && !root) {
      selection.Add(t, OutsideGraphReport(graph_, resolved_, config_, t), "");
      continue;
    }
    TableReport r{.table = t.qualified,
                  .reach = root ? Reach::kRoot : Reach::kClosure,
                  .requested_rows = root ? requested_[t.oid] : -1,
                  .actual_rows = actual[t.oid]};
    selection.Add(t, std::move(r), keep_[node]);
  }
  return selection;
}

}  // namespace

Result<Selection> ComputeClosure(pg::Connection& conn, const pg::Schema& schema,
                                 const SubsetConfig& config) {
  FkGraph graph(schema);
  ASSIGN_OR_RETURN(Resolved resolved, Resolve(graph, config));
  RETURN_IF_ERROR(CheckOverrides(graph, resolved));
  RETURN_IF_ERROR(CheckTransaction(conn));
  Result<Selection> out = Closure(conn, graph, config, resolved).Run();
  if (!out.ok()) {
    conn.Exec(std::string("ROLLBACK TO SAVEPOINT ") + kSavepoint).IgnoreError();
  }
  Status released = conn.Exec(std::string("RELEASE SAVEPOINT ") + kSavepoint);
  if (out.ok() && !released.ok()) return released;
  return out;
}

}  // namespace spur::subset
