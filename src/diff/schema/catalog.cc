#include "diff/schema/catalog.h"

#include <algorithm>
#include <utility>

#include "diff/schema/object_keys.h"

namespace spur::diff::schema {
namespace {

template <typename T>
void SortByKey(std::vector<T>& objects) {
  std::vector<std::pair<std::string, size_t>> keys;
  keys.reserve(objects.size());
  for (size_t i = 0; i < objects.size(); ++i) keys.emplace_back(KeyOf(objects[i]), i);
  std::sort(keys.begin(), keys.end());
  std::vector<T> sorted;
  sorted.reserve(objects.size());
  for (const auto& k : keys) sorted.push_back(std::move(objects[k.second]));
  objects = std::move(sorted);
}

void SortAcl(Acl& acl) {
  std::sort(acl.begin(), acl.end());
  acl.erase(std::unique(acl.begin(), acl.end()), acl.end());
}

template <typename T>
void SortAcls(std::vector<T>& objects) {
  for (T& o : objects) SortAcl(o.acl);
}

void SortColumnAcls(std::vector<Column>& columns) {
  for (Column& c : columns) SortAcl(c.acl);
}

}  // namespace

void SortCatalog(Catalog& c) {
  SortByKey(c.extensions);
  SortByKey(c.schemas);
  SortByKey(c.types);
  SortByKey(c.sequences);
  SortByKey(c.functions);
  SortByKey(c.tables);
  SortByKey(c.views);
  SortByKey(c.indexes);
  SortByKey(c.constraints);
  SortByKey(c.triggers);
  SortByKey(c.policies);
  SortByKey(c.default_privileges);
  SortAcls(c.schemas);
  SortAcls(c.types);
  SortAcls(c.sequences);
  SortAcls(c.functions);
  SortAcls(c.tables);
  SortAcls(c.views);
  SortAcls(c.default_privileges);
  for (Table& t : c.tables) SortColumnAcls(t.columns);
  for (View& v : c.views) SortColumnAcls(v.columns);
  for (Type& t : c.types) {
    std::sort(t.constraints.begin(), t.constraints.end(),
              [](const DomainConstraint& a, const DomainConstraint& b) { return a.name < b.name; });
  }
  for (Policy& p : c.policies) std::sort(p.roles.begin(), p.roles.end());
  std::sort(c.dependencies.begin(), c.dependencies.end());
  c.dependencies.erase(std::unique(c.dependencies.begin(), c.dependencies.end()),
                       c.dependencies.end());
}

}  // namespace spur::diff::schema
