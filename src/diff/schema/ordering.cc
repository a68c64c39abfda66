#include "diff/schema/ordering.h"

#include <queue>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>

namespace spur::diff::schema {
namespace {

struct ByStep {
  std::vector<size_t> drop, create, alter, finish;
};

class Graph {
 public:
  explicit Graph(std::vector<Chain> chains) {
    for (Chain& chain : chains) {
      for (size_t i = 0; i < chain.size(); ++i) {
        actions_.push_back(std::move(chain[i]));
        succ_.emplace_back();
        indegree_.push_back(0);
        if (i > 0) Edge(actions_.size() - 2, actions_.size() - 1);
      }
    }
    for (size_t i = 0; i < actions_.size(); ++i) {
      Index(actions_[i].key, i);
      for (const std::string& k : actions_[i].covers) Index(k, i);
    }
  }

  void Edge(size_t a, size_t b) {
    if (a == b) return;
    succ_[a].push_back(b);
    ++indegree_[b];
  }
  // Dependency edges between the actions of two objects; the actions of one
  // object keep the order of their chain.
  void Edges(const std::vector<size_t>& before, const std::vector<size_t>& after) {
    for (size_t a : before) {
      for (size_t b : after) {
        if (actions_[a].key != actions_[b].key) Edge(a, b);
      }
    }
  }

  std::vector<Action>& actions() { return actions_; }
  const std::unordered_map<std::string, ByStep>& by_key() const { return by_key_; }
  const ByStep* Find(const std::string& key) const {
    auto it = by_key_.find(key);
    return it == by_key_.end() ? nullptr : &it->second;
  }
  std::vector<std::vector<size_t>>& succ() { return succ_; }
  std::vector<int>& indegree() { return indegree_; }

 private:
  void Index(const std::string& key, size_t i) {
    ByStep& s = by_key_[key];
    switch (actions_[i].step) {
      case Step::kDrop:
        s.drop.push_back(i);
        break;
      case Step::kCreate:
        s.create.push_back(i);
        break;
      case Step::kAlter:
        s.alter.push_back(i);
        break;
      case Step::kFinish:
        s.finish.push_back(i);
        break;
    }
  }

  std::vector<Action> actions_;
  std::vector<std::vector<size_t>> succ_;
  std::vector<int> indegree_;
  std::unordered_map<std::string, ByStep> by_key_;
};

std::vector<size_t> Concat(std::initializer_list<const std::vector<size_t>*> lists) {
  std::vector<size_t> out;
  for (const auto* l : lists) out.insert(out.end(), l->begin(), l->end());
  return out;
}

// A sequence OWNED BY a column: only its OWNED BY step needs the column.
bool Ownership(const ObjectRef& x, const ObjectRef& y, char type) {
  return x.kind == Kind::kSequence && y.kind == Kind::kColumn && type == 'a';
}

void SameKeyEdges(Graph& g, const ByStep& s) {
  auto edges = [&](const std::vector<size_t>& before, const std::vector<size_t>& after) {
    for (size_t a : before) {
      for (size_t b : after) g.Edge(a, b);
    }
  };
  std::vector<size_t> creates;
  for (size_t c : s.create) {
    if (!g.actions()[c].before_drop) creates.push_back(c);
  }
  edges(s.drop, creates);
  edges(s.drop, s.finish);
  edges(s.create, s.finish);
  edges(s.alter, s.finish);
}

void ToEdges(Graph& g, const ObjectSet& to, const std::string& key, const ByStep& s) {
  long i = to.IndexOf(key);
  if (i < 0) return;
  const ObjectRef& x = to.objects()[i];
  std::vector<size_t> after = Concat({&s.create, &s.alter, &s.finish});
  for (const ObjectSet::Edge& e : to.Needs(static_cast<size_t>(i))) {
    const ObjectRef& y = to.objects()[e.object];
    const ByStep* ys = g.Find(y.key);
    if (ys == nullptr) continue;
    std::vector<size_t> before = Concat({&ys->create, &ys->alter});
    g.Edges(before, Ownership(x, y, e.type) ? s.finish : after);
  }
}

bool ColumnTypeChanges(const PlanContext& ctx, const ObjectRef& column) {
  if (ctx.Converted(column.key)) return true;
  const ObjectRef* to = ctx.to().Find(column.key);
  return to != nullptr && (to->column->type != column.column->type ||
                           to->column->collation != column.column->collation);
}

void FromEdges(Graph& g, const PlanContext& ctx, const std::string& key, const ByStep& s) {
  const ObjectSet& from = ctx.from();
  long i = from.IndexOf(key);
  if (i < 0) return;
  const ObjectRef& x = from.objects()[i];
  for (const ObjectSet::Edge& e : from.Needs(static_cast<size_t>(i))) {
    const ObjectRef& y = from.objects()[e.object];
    const ByStep* ys = g.Find(y.key);
    // A sequence owned by a column may go before or after it.
    if (ys == nullptr || Ownership(x, y, e.type)) continue;
    // Gone before the column it uses changes type (postgres would rebuild
    // it for the new type).
    if (y.kind == Kind::kColumn && ColumnTypeChanges(ctx, y)) g.Edges(s.drop, ys->alter);
    // What belongs to Y needs no order against Y's drop: it goes with it.
    if (e.type != 'n') continue;
    g.Edges(s.drop, Concat({&ys->drop, &ys->finish}));
    // A retyped type's "drop" renames it: its users are converted after that.
    if (ctx.FateOf(y.key) != Fate::kRetype) g.Edges(s.alter, ys->drop);
    g.Edges(s.alter, ys->finish);
    // A retyped domain's old version is dropped before the old type under it.
    g.Edges(s.finish, ys->finish);
  }
}

// Relations, types, constraint indexes and identity sequences share one
// namespace per schema; functions are named by their signature.
std::string Slot(const ObjectRef& o) {
  auto rel = [](const std::string& schema, const std::string& name) {
    return "r:" + schema + '\0' + name;
  };
  switch (o.kind) {
    case Kind::kTable:
      return rel(o.table->schema, o.table->name);
    case Kind::kView:
      return rel(o.view->schema, o.view->name);
    case Kind::kSequence:
      return rel(o.sequence->schema, o.sequence->name);
    case Kind::kIndex:
      return rel(o.index->schema, o.index->name);
    case Kind::kType:
      return rel(o.type->schema, o.type->name);
    case Kind::kColumn:
      if (!o.column->identity) return "";
      return rel(o.column->identity->sequence_schema, o.column->identity->sequence_name);
    case Kind::kConstraint:
      if (o.constraint->type == 'c' || o.constraint->type == 'f') return "";
      return rel(o.constraint->schema, o.constraint->name);
    case Kind::kFunction:
      return "f:" + o.function->identity;
    default:
      return "";
  }
}

// A name an object gives up (its drop, or the drop step of an alter: DROP
// IDENTITY frees the identity sequence's name) is taken by another object
// (its create, or an alter that takes a new name) only after that.
void SlotEdges(Graph& g, const PlanContext& ctx) {
  std::unordered_map<std::string, std::vector<size_t>> frees, takes;
  for (const auto& [key, s] : g.by_key()) {
    const ObjectRef* f = ctx.from().Find(key);
    const ObjectRef* t = ctx.to().Find(key);
    std::string from_slot = f ? Slot(*f) : "", to_slot = t ? Slot(*t) : "";
    bool moves = from_slot != to_slot;
    if (!from_slot.empty()) {
      auto& list = frees[from_slot];
      list.insert(list.end(), s.drop.begin(), s.drop.end());
    }
    if (!to_slot.empty()) {
      auto& list = takes[to_slot];
      for (size_t c : s.create) {
        if (!g.actions()[c].before_drop) list.push_back(c);
      }
      for (size_t a : s.alter) {
        if (moves) list.push_back(a);
      }
    }
  }
  for (const auto& [slot, freeing] : frees) {
    auto it = takes.find(slot);
    if (it == takes.end()) continue;
    for (size_t d : freeing) {
      for (size_t c : it->second) {
        if (g.actions()[d].key != g.actions()[c].key) g.Edge(d, c);
      }
    }
  }
}

using Ready =
    std::priority_queue<std::tuple<int, std::string, size_t>,
                        std::vector<std::tuple<int, std::string, size_t>>, std::greater<>>;

Result<std::vector<size_t>> Schedule(Graph& g) {
  std::vector<Action>& actions = g.actions();
  std::vector<int> indegree = g.indegree();
  Ready ready[3];
  auto push = [&](size_t i) {
    ready[static_cast<int>(actions[i].lane)].emplace(actions[i].rank, actions[i].key, i);
  };
  for (size_t i = 0; i < actions.size(); ++i) {
    if (indegree[i] == 0) push(i);
  }
  std::vector<size_t> order;
  while (true) {
    int lane = !ready[0].empty() ? 0 : !ready[1].empty() ? 1 : !ready[2].empty() ? 2 : -1;
    if (lane < 0) break;
    while (!ready[lane].empty()) {
      size_t i = std::get<2>(ready[lane].top());
      ready[lane].pop();
      order.push_back(i);
      for (size_t n : g.succ()[i]) {
        if (--indegree[n] == 0) push(n);
      }
    }
  }
  if (order.size() == actions.size()) return order;
  std::set<std::string> stuck;
  for (size_t i = 0; i < actions.size() && stuck.size() < 8; ++i) {
    if (indegree[i] > 0) stuck.insert(actions[i].key);
  }
  std::string names;
  for (const std::string& s : stuck) names += (names.empty() ? "" : ", ") + s;
  return InvalidArgument("the schema changes form a dependency cycle spur cannot order (among: " +
                         names + "); split the change into steps");
}

}  // namespace

Result<std::vector<Statement>> OrderActions(std::vector<Chain> chains, const PlanContext& ctx) {
  Graph g(std::move(chains));
  for (const auto& [key, s] : g.by_key()) {
    SameKeyEdges(g, s);
    ToEdges(g, ctx.to(), key, s);
    FromEdges(g, ctx, key, s);
  }
  SlotEdges(g, ctx);
  for (size_t i = 0; i < g.actions().size(); ++i) {
    for (const std::string& key : g.actions()[i].after_finish_of) {
      if (const ByStep* s = g.Find(key)) {
        for (size_t f : s->finish) g.Edge(f, i);
      }
    }
  }
  ASSIGN_OR_RETURN(std::vector<size_t> order, Schedule(g));
  std::vector<Statement> out;
  for (size_t i : order) {
    for (Statement& s : g.actions()[i].statements) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace spur::diff::schema
