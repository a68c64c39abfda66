// The foreign-key graph of a schema as the closure walks it. Nodes are
// top-level tables (plain tables and partitioned roots; a partition belongs
// to the node of its top-most ancestor), edges are foreign keys. Pure: built
// from a pg::Schema, no database.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "pg/schema.h"

namespace spur::subset {

// One foreign key. `child` and `parent` are the tables as declared (either
// may be a partitioned table or a partition); the nodes are their top-level
// tables.
struct Edge {
  const pg::ForeignKey* fk = nullptr;
  const pg::Table* child = nullptr;   // referencing side
  const pg::Table* parent = nullptr;  // referenced side
  int child_node = 0;                 // index into FkGraph::nodes()
  int parent_node = 0;
};

class FkGraph {
 public:
  // `schema` must outlive the graph. Foreign keys naming a table the schema
  // does not hold are left out.
  explicit FkGraph(const pg::Schema& schema);

  // The table a subset.yaml name denotes: "schema.name" as stored, the quoted
  // qualified form, or a bare name in public. nullptr when there is none.
  const pg::Table* Resolve(std::string_view name) const;

  const pg::Schema& schema() const { return schema_; }
  // Top-level tables in schema order.
  const std::vector<const pg::Table*>& nodes() const { return nodes_; }
  // Index in nodes() of t's top-level table.
  int NodeOf(const pg::Table& t) const;
  // True when node `n` is on either side of some foreign key.
  bool InGraph(int n) const { return in_graph_[n]; }

  // The partitioned table `t` is a partition of, or nullptr.
  const pg::Table* Parent(const pg::Table& t) const;
  // Leaf tables at or below `t` (t itself when it is a leaf), in schema order.
  std::vector<const pg::Table*> Leaves(const pg::Table& t) const;
  // True when `leaf` is `t` or lies below it.
  bool Covers(const pg::Table& t, const pg::Table& leaf) const;

  // Edges with referencing tables before the tables they reference (cycles
  // broken in schema order): the order an upward pass converges fastest in;
  // a downward pass walks it backwards. Self-references included.
  const std::vector<Edge>& edges() const { return edges_; }

 private:
  void OrderEdges();

  const pg::Schema& schema_;
  std::map<std::string, const pg::Table*> by_name_;  // qualified -> table
  std::map<std::string, int> node_of_;               // qualified -> node index
  std::vector<const pg::Table*> nodes_;
  std::vector<bool> in_graph_;
  std::vector<Edge> edges_;
};

}  // namespace spur::subset
