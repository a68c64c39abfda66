#include "subset/graph.h"

#include <algorithm>
#include <functional>

namespace spur::subset {

FkGraph::FkGraph(const pg::Schema& schema) : schema_(schema) {
  for (const pg::Table& t : schema.tables) by_name_[t.qualified] = &t;
  for (const pg::Table& t : schema.tables) {
    if (Parent(t) != nullptr) continue;
    node_of_[t.qualified] = static_cast<int>(nodes_.size());
    nodes_.push_back(&t);
  }
  for (const pg::Table& t : schema.tables) {
    const int n = NodeOf(t);
    node_of_[t.qualified] = n;
  }
  in_graph_.assign(nodes_.size(), false);
  for (const pg::ForeignKey& fk : schema.foreign_keys) {
    auto child = by_name_.find(fk.table);
    auto parent = by_name_.find(fk.ref_table);
    if (child == by_name_.end() || parent == by_name_.end()) continue;
    Edge e{.fk = &fk,
           .child = child->second,
           .parent = parent->second,
           .child_node = NodeOf(*child->second),
           .parent_node = NodeOf(*parent->second)};
    in_graph_[e.child_node] = in_graph_[e.parent_node] = true;
    edges_.push_back(e);
  }
  OrderEdges();
}

const pg::Table* FkGraph::Parent(const pg::Table& t) const {
  if (!t.partition_of) return nullptr;
  auto it = by_name_.find(*t.partition_of);
  return it == by_name_.end() ? nullptr : it->second;
}

const pg::Table* FkGraph::Resolve(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  if (it != by_name_.end()) return it->second;
  const std::string full =
      name.find('.') == std::string_view::npos ? "public." + std::string(name) : std::string(name);
  for (const pg::Table& t : schema_.tables) {
    if (t.schema + "." + t.name == full) return &t;
  }
  return nullptr;
}

int FkGraph::NodeOf(const pg::Table& t) const {
  auto known = node_of_.find(t.qualified);
  if (known != node_of_.end()) return known->second;
  const pg::Table* top = &t;
  for (const pg::Table* p = Parent(t); p != nullptr; p = Parent(*p)) top = p;
  return node_of_.at(top->qualified);
}

bool FkGraph::Covers(const pg::Table& t, const pg::Table& leaf) const {
  for (const pg::Table* x = &leaf; x != nullptr; x = Parent(*x)) {
    if (x == &t) return true;
  }
  return false;
}

std::vector<const pg::Table*> FkGraph::Leaves(const pg::Table& t) const {
  std::vector<const pg::Table*> out;
  for (const pg::Table& x : schema_.tables) {
    if (x.leaf() && Covers(t, x)) out.push_back(&x);
  }
  return out;
}

void FkGraph::OrderEdges() {
  // Depth-first post-order over "references": a node is ranked after every
  // node it references that is not already on the stack.
  std::vector<std::vector<int>> refs(nodes_.size());
  for (const Edge& e : edges_) refs[e.child_node].push_back(e.parent_node);
  std::vector<int> rank(nodes_.size(), -1);
  std::vector<bool> entered(nodes_.size(), false);
  int next = 0;
  std::function<void(int)> visit = [&](int n) {
    entered[n] = true;
    for (int p : refs[n]) {
      if (!entered[p]) visit(p);
    }
    rank[n] = next++;
  };
  for (size_t n = 0; n < nodes_.size(); ++n) {
    if (!entered[n]) visit(static_cast<int>(n));
  }
  std::stable_sort(edges_.begin(), edges_.end(), [&](const Edge& a, const Edge& b) {
    return rank[a.child_node] > rank[b.child_node];
  });
}

}  // namespace spur::subset
