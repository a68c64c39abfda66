// The foreign-key graph of a schema as the closure walks it. Nodes are
// top-level tables (plain tables and partitioned roots; a partition belongs
// to the node of its top-most ancestor), edges are foreign keys. Pure: built
// from a sync::Schema, no database.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sync/schema.h"

namespace spur::subset {

// One foreign key. `child` and `parent` are the tables as declared (either
// may be a partitioned table or a partition); the nodes are their top-level
// tables.
struct Edge {
  const sync::ForeignKey* fk = nullptr;
  const sync::Table* child = nullptr;   // referencing side
  const sync::Table* parent = nullptr;  // referenced side
  int child_node = 0;                   // index into FkGraph::nodes()
  int parent_node = 0;
};

class FkGraph {
 public:
  // `schema` must outlive the graph. Foreign keys naming a table the schema
  // does not hold are left out.
  explicit FkGraph(const sync::Schema& schema);

  // The table a subset.yaml name denotes: "schema.name" as stored, the quoted
  // qualified form, or a bare name in public. nullptr when there is none.
  const sync::Table* Resolve(std::string_view name) const;

  const sync::Schema& schema() const { return schema_; }
  // Top-level tables in schema order.
  const std::vector<const sync::Table*>& nodes() const { return nodes_; }
  // Index in nodes() of t's top-level table.
  int NodeOf(const sync::Table& t) const;
  // True when node `n` is on either side of some foreign key.
  bool InGraph(int n) const { return in_graph_[n]; }

  // The partitioned table `t` is a partition of, or nullptr.
  const sync::Table* Parent(const sync::Table& t) const;
  // Leaf tables at or below `t` (t itself when it is a leaf), in schema order.
  std::vector<const sync::Table*> Leaves(const sync::Table& t) const;
  // True when `leaf` is `t` or lies below it.
  bool Covers(const sync::Table& t, const sync::Table& leaf) const;

  // Edges with referencing tables before the tables they reference (cycles
  // broken in schema order): the order an upward pass converges fastest in;
  // a downward pass walks it backwards. Self-references included.
  const std::vector<Edge>& edges() const { return edges_; }

 private:
  void OrderEdges();

  const sync::Schema& schema_;
  std::map<std::string, const sync::Table*> by_name_;  // qualified -> table
  std::map<std::string, int> node_of_;                 // qualified -> node index
  std::vector<const sync::Table*> nodes_;
  std::vector<bool> in_graph_;
  std::vector<Edge> edges_;
};

}  // namespace spur::subset
