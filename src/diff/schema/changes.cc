#include "diff/schema/changes.h"

#include <algorithm>
#include <tuple>

#include "diff/schema/describe.h"
#include "diff/schema/object_keys.h"

namespace spur::diff::schema {
namespace {

// Columns of a table that is itself added or removed are part of that change.
bool PartOfTableChange(const ObjectRef& o, const FateMap& roots) {
  if (o.kind != Kind::kColumn) return false;
  auto it = roots.find(KeyOf(*o.table));
  return it != roots.end() && (it->second == Fate::kAdd || it->second == Fate::kRemove);
}

void AddChanged(std::vector<Change>& out, const ObjectRef& from, const ObjectRef& to, Fate fate) {
  Details d = Describe(from, to);
  std::string label(to.KindLabel());
  if (fate == Fate::kReplace) d.object.push_back("dropped and created again");
  if (fate == Fate::kRetype) {
    d.object.push_back("created anew; columns using it are converted, the old type dropped");
  }
  if (!d.object.empty()) out.push_back(Change{label, to.name, "changed", std::move(d.object)});
  if (!d.grants.empty()) {
    out.push_back(Change{"grant", label + " " + to.name, "changed", std::move(d.grants)});
  }
  if (!d.comments.empty()) {
    out.push_back(Change{"comment", label + " " + to.name, "changed", std::move(d.comments)});
  }
}

}  // namespace

std::vector<Change> DescribeChanges(const PlanContext& ctx, const FateMap& roots) {
  std::vector<std::tuple<int, std::string, Fate>> entries;
  for (const auto& [key, fate] : roots) {
    if (fate == Fate::kSame) continue;
    const ObjectRef* o = ctx.to().Find(key);
    if (o == nullptr) o = ctx.from().Find(key);
    if (o == nullptr || o->kind == Kind::kDefault || PartOfTableChange(*o, roots)) continue;
    entries.emplace_back(rank::Of(o->kind), key, fate);
  }
  std::sort(entries.begin(), entries.end());
  std::vector<Change> out;
  for (const auto& [rank, key, fate] : entries) {
    const ObjectRef* from = ctx.from().Find(key);
    const ObjectRef* to = ctx.to().Find(key);
    if (fate == Fate::kAdd) {
      out.push_back(Change{std::string(to->KindLabel()), to->name, "added", DescribeAdded(*to)});
    } else if (fate == Fate::kRemove) {
      out.push_back(Change{std::string(from->KindLabel()), from->name, "removed", {}});
    } else {
      AddChanged(out, *from, *to, fate);
    }
  }
  return out;
}

}  // namespace spur::diff::schema
