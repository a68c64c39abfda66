// Reader steps for what hangs off objects: privileges, comments, default
// privileges and the dependency graph.
#include <map>
#include <tuple>

#include "diff/schema/catalog_queries.h"
#include "diff/schema/catalog_reader_state.h"

namespace spur::diff::schema::reader {
namespace {

namespace q = queries;

// The column (of a table or view) `subid` of relation `rel`, or nullptr.
Column* RelationColumn(State& state, const Relation& rel, uint32_t oid, int32_t subid) {
  auto col = state.columns.find(ColumnId(oid, subid));
  if (col == state.columns.end()) return nullptr;
  if (rel.kind == 'r' || rel.kind == 'p')
    return &state.catalog.tables[rel.index].columns[col->second];
  if (rel.kind == 'v' || rel.kind == 'm')
    return &state.catalog.views[rel.index].columns[col->second];
  return nullptr;
}

// The acl and comment slots of one object, either may be absent.
struct Slots {
  Acl* acl = nullptr;
  std::optional<std::string>* comment = nullptr;
};

Slots RelationSlots(State& state, uint32_t oid, int32_t subid) {
  auto it = state.relations.find(oid);
  if (it == state.relations.end()) return {};
  const Relation& rel = it->second;
  Catalog& cat = state.catalog;
  if (subid != 0) {
    Column* c = RelationColumn(state, rel, oid, subid);
    return c ? Slots{&c->acl, &c->comment} : Slots{};
  }
  switch (rel.kind) {
    case 'r':
    case 'p':
      return {&cat.tables[rel.index].acl, &cat.tables[rel.index].comment};
    case 'v':
    case 'm':
      return {&cat.views[rel.index].acl, &cat.views[rel.index].comment};
    case 'S':
      return {&cat.sequences[rel.index].acl, &cat.sequences[rel.index].comment};
    case 'i':
      return {nullptr, &cat.indexes[rel.index].comment};
    default:
      return {};
  }
}

template <typename T>
T* Find(std::unordered_map<uint32_t, size_t>& map, std::vector<T>& objects, uint32_t oid) {
  auto it = map.find(oid);
  return it == map.end() ? nullptr : &objects[it->second];
}

Slots ObjectSlots(State& state, uint32_t classid, uint32_t oid, int32_t subid) {
  Catalog& cat = state.catalog;
  switch (classid) {
    case q::kPgClass:
      return RelationSlots(state, oid, subid);
    case q::kPgProc:
      if (auto* f = Find(state.functions, cat.functions, oid)) return {&f->acl, &f->comment};
      return {};
    case q::kPgType:
      if (auto* t = Find(state.types, cat.types, oid)) return {&t->acl, &t->comment};
      return {};
    case q::kPgNamespace:
      if (auto* s = Find(state.schemas, cat.schemas, oid)) return {&s->acl, &s->comment};
      return {};
    case q::kPgConstraint: {
      if (auto d = state.domain_constraints.find(oid); d != state.domain_constraints.end()) {
        return {nullptr, &cat.types[d->second.first].constraints[d->second.second].comment};
      }
      if (auto* c = Find(state.constraints, cat.constraints, oid)) return {nullptr, &c->comment};
      return {};
    }
    case q::kPgTrigger:
      if (auto* t = Find(state.triggers, cat.triggers, oid)) return {nullptr, &t->comment};
      return {};
    case q::kPgPolicy:
      if (auto* p = Find(state.policies, cat.policies, oid)) return {nullptr, &p->comment};
      return {};
    case q::kPgExtension:
      if (auto* e = Find(state.extensions, cat.extensions, oid)) return {nullptr, &e->comment};
      return {};
    default:
      return {};
  }
}

Grant GrantOf(const pg::Row& r, size_t first) {
  return Grant{Text(r, first), Text(r, first + 1), Bool(r, first + 2)};
}

}  // namespace

Status ReadPrivileges(pg::Connection& conn, State& state) {
  ASSIGN_OR_RETURN(std::vector<pg::Row> rows, conn.Query(q::Acls()));
  for (const pg::Row& r : rows) {
    Slots slots = ObjectSlots(state, Oid(r, 0), Oid(r, 1), static_cast<int32_t>(Int(r, 2)));
    if (slots.acl != nullptr) slots.acl->push_back(GrantOf(r, 3));
  }
  ASSIGN_OR_RETURN(rows, conn.Query(q::DefaultAcls()));
  std::map<std::tuple<std::string, std::string, char>, size_t> entries;
  for (const pg::Row& r : rows) {
    auto key = std::make_tuple(Text(r, 0), Text(r, 1), Char(r, 2));
    auto [it, added] = entries.emplace(key, state.catalog.default_privileges.size());
    if (added) {
      state.catalog.default_privileges.push_back(
          DefaultPrivilege{.role = Text(r, 0), .schema = Text(r, 1), .object_type = Char(r, 2)});
    }
    if (Opt(r, 4)) state.catalog.default_privileges[it->second].acl.push_back(GrantOf(r, 3));
  }
  return Status::Ok();
}

Status ReadComments(pg::Connection& conn, State& state) {
  ASSIGN_OR_RETURN(std::vector<pg::Row> rows, conn.Query(q::Comments()));
  for (const pg::Row& r : rows) {
    Slots slots = ObjectSlots(state, Oid(r, 0), Oid(r, 1), static_cast<int32_t>(Int(r, 2)));
    if (slots.comment != nullptr) *slots.comment = Text(r, 3);
  }
  return Status::Ok();
}

Status ReadDependencies(pg::Connection& conn, State& state) {
  ASSIGN_OR_RETURN(std::vector<pg::Row> rows, conn.Query(q::Rewrites()));
  for (const pg::Row& r : rows) state.rewrites[Oid(r, 0)] = Oid(r, 1);
  ASSIGN_OR_RETURN(rows, conn.Query(q::Attrdefs()));
  for (const pg::Row& r : rows) {
    state.attrdefs[Oid(r, 0)] = {Oid(r, 1), static_cast<int>(Int(r, 2))};
  }
  ASSIGN_OR_RETURN(rows, conn.Query(q::TypeOwners()));
  for (const pg::Row& r : rows) state.type_owners[Oid(r, 0)] = {Oid(r, 1), Oid(r, 2)};
  ASSIGN_OR_RETURN(rows, conn.Query(q::Dependencies()));
  for (const pg::Row& r : rows) {
    std::optional<std::string> dependent =
        KeyFor(state, Oid(r, 0), Oid(r, 1), static_cast<int32_t>(Int(r, 2)));
    std::optional<std::string> referenced =
        KeyFor(state, Oid(r, 3), Oid(r, 4), static_cast<int32_t>(Int(r, 5)));
    if (!dependent || !referenced || *dependent == *referenced) continue;
    state.catalog.dependencies.push_back(
        Dependency{std::move(*dependent), std::move(*referenced), Char(r, 6)});
  }
  return Status::Ok();
}

}  // namespace spur::diff::schema::reader
