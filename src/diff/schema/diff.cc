// Diff(): fates, then the builders' actions, then their order.
#include <algorithm>
#include <unordered_map>

#include "diff/schema/builders.h"
#include "diff/schema/changes.h"
#include "diff/schema/fates.h"
#include "diff/schema/object_keys.h"
#include "diff/schema/ordering.h"
#include "diff/schema/schema_diff.h"

namespace spur::diff::schema {
namespace {

std::string TableOfAttached(const ObjectRef& o) {
  return o.kind == Kind::kIndex ? TableKey(o.index->schema, o.index->table)
                                : TableKey(o.constraint->schema, o.constraint->table);
}

// What a partition has from its parent (an attached index or constraint)
// comes and goes with the parent: the plan leaves it alone, unless the table
// leaves its parent; then it stays behind as the table's own, and what the
// plan does to it runs after the DETACH.
bool LeftAlone(const ObjectRef* from, const ObjectRef* to, const PlanContext& ctx) {
  if (!Attached(from) && !Attached(to)) return false;
  if (Attached(to)) return true;
  const ObjectRef& o = *from;
  const std::string& schema = o.kind == Kind::kIndex ? o.index->schema : o.constraint->schema;
  const std::string& table = o.kind == Kind::kIndex ? o.index->table : o.constraint->table;
  return !LeavesParent(ctx, schema, table);
}

Chain ChainFor(const std::string& key, Fate fate, const PlanContext& ctx) {
  const ObjectRef* from = ctx.from().Find(key);
  const ObjectRef* to = ctx.to().Find(key);
  if (LeftAlone(from, to, ctx)) return {};
  if (Attached(from)) {
    Chain chain = fate == Fate::kRemove    ? DropChain(*from, ctx)
                  : fate == Fate::kReplace ? ReplaceChain(*from, *to, ctx)
                  : fate == Fate::kAlter   ? AlterChain(*from, *to, ctx)
                                           : Chain{};
    for (Action& a : chain) a.after_finish_of.push_back(TableOfAttached(*from));
    return chain;
  }
  switch (fate) {
    case Fate::kAdd:
    case Fate::kRecreate:
      return CreateChain(*to, ctx);
    case Fate::kRemove:
      // A default that goes away is dropped by its column's ALTER.
      if (from->kind == Kind::kDefault) return {};
      return DropChain(*from, ctx);
    case Fate::kAlter:
      return AlterChain(*from, *to, ctx);
    case Fate::kReplace:
      return ReplaceChain(*from, *to, ctx);
    case Fate::kRetype:
      return RetypeChain(*from, *to, ctx);
    case Fate::kSame:
    case Fate::kImplicitRemove:
      return {};
  }
  return {};
}

// Which explicit DROP takes an implicitly dropped object with it: its own
// table's (or owner's) when that is dropped, else the one that takes its
// owner. Each such object binds to exactly one DROP, so dependencies on it
// order only that statement.
class ImplicitDrops {
 public:
  explicit ImplicitDrops(const PlanContext& ctx) : ctx_(ctx) {}

  // The keys each explicitly dropped key takes with it.
  std::unordered_map<std::string, std::vector<std::string>> Covers() {
    std::unordered_map<std::string, std::vector<std::string>> out;
    for (const auto& [key, fate] : ctx_.fates()) {
      if (fate != Fate::kImplicitRemove && fate != Fate::kRecreate) continue;
      std::string owner = Owner(key, 0);
      if (!owner.empty()) out[owner].push_back(key);
    }
    for (auto& [key, list] : out) std::sort(list.begin(), list.end());
    return out;
  }

 private:
  std::string Owner(const std::string& key, int depth) {
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    long i = ctx_.from().IndexOf(key);
    std::string best, via_implicit;
    for (const ObjectSet::Edge& e : i<0 || depth> 32 ? std::vector<ObjectSet::Edge>{}
                                                     : ctx_.from().Needs(static_cast<size_t>(i))) {
      if (e.type == 'n') continue;
      const ObjectRef& owner = ctx_.from().objects()[e.object];
      Fate f = ctx_.FateOf(owner.key);
      if (f == Fate::kRemove || f == Fate::kReplace) {
        if (best.empty() || owner.kind == Kind::kTable) best = owner.key;
      } else if ((f == Fate::kImplicitRemove || f == Fate::kRecreate) && via_implicit.empty()) {
        via_implicit = owner.key;
      }
    }
    if (best.empty() && !via_implicit.empty()) best = Owner(via_implicit, depth + 1);
    memo_[key] = best;
    return best;
  }

  const PlanContext& ctx_;
  std::unordered_map<std::string, std::string> memo_;
};

void MarkBrokenDependents(Chain& chain, const PlanContext& ctx) {
  for (Action& a : chain) {
    if (a.step != Step::kDrop || !ctx.BreaksDependents(a.key)) continue;
    for (Statement& s : a.statements) {
      bool has = false;
      for (Hazard h : s.hazards) has = has || h == Hazard::kBreaksDependents;
      if (!has) s.hazards.push_back(Hazard::kBreaksDependents);
    }
  }
}

// Statement::object as people read it: "domain public.d", not the key "type public.d".
void LabelObjects(std::vector<Statement>& statements, const PlanContext& ctx) {
  for (Statement& s : statements) {
    const ObjectRef* o = ctx.to().Find(s.object);
    if (o == nullptr) o = ctx.from().Find(s.object);
    if (o != nullptr) s.object = std::string(o->KindLabel()) + " " + o->name;
  }
}

}  // namespace

Result<SchemaDiff> Diff(const Catalog& from, const Catalog& to, const DiffOptions& options) {
  ObjectSet from_set(from), to_set(to);
  PlanContext ctx(from_set, to_set);
  FateMap roots = DecideFates(ctx, options);
  std::vector<std::string> keys;
  for (const auto& [key, fate] : ctx.fates()) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  auto implicit = ImplicitDrops(ctx).Covers();
  std::vector<Chain> chains;
  for (const std::string& key : keys) {
    Fate fate = ctx.FateOf(key);
    Chain chain = ChainFor(key, fate, ctx);
    if (chain.empty()) continue;
    if (auto it = implicit.find(key); it != implicit.end()) {
      for (Action& a : chain) {
        if (a.step == Step::kDrop) {
          a.covers = it->second;
          break;
        }
      }
    }
    MarkBrokenDependents(chain, ctx);
    chains.push_back(std::move(chain));
  }
  SchemaDiff diff;
  diff.changes = DescribeChanges(ctx, roots);
  ASSIGN_OR_RETURN(diff.statements, OrderActions(std::move(chains), ctx));
  LabelObjects(diff.statements, ctx);
  return diff;
}

}  // namespace spur::diff::schema
