#include "diff/schema/catalog_reader.h"

#include <string>

#include "diff/schema/catalog_queries.h"
#include "diff/schema/catalog_reader_state.h"
#include "diff/schema/object_keys.h"

namespace spur::diff::schema {
namespace reader {

const std::string& Text(const pg::Row& row, size_t i) {
  static const std::string kEmpty;
  return i < row.size() && row[i] ? *row[i] : kEmpty;
}

std::optional<std::string> Opt(const pg::Row& row, size_t i) {
  return i < row.size() ? row[i] : std::nullopt;
}

uint32_t Oid(const pg::Row& row, size_t i) {
  const std::string& s = Text(row, i);
  return s.empty() ? 0 : static_cast<uint32_t>(std::stoul(s));
}

int64_t Int(const pg::Row& row, size_t i) {
  const std::string& s = Text(row, i);
  return s.empty() ? 0 : std::stoll(s);
}

bool Bool(const pg::Row& row, size_t i) { return Text(row, i) == "t"; }

char Char(const pg::Row& row, size_t i) {
  const std::string& s = Text(row, i);
  return s.empty() ? '\0' : s[0];
}

namespace {

std::optional<std::string> RelationKey(const State& state, uint32_t oid, int32_t subid) {
  if (auto c = state.composite_relations.find(oid); c != state.composite_relations.end()) {
    return KeyOf(state.catalog.types[c->second]);
  }
  if (auto k = state.constraint_indexes.find(oid); k != state.constraint_indexes.end()) {
    auto c = state.constraints.find(k->second);
    if (c == state.constraints.end()) return std::nullopt;
    return KeyOf(state.catalog.constraints[c->second]);
  }
  auto it = state.relations.find(oid);
  if (it == state.relations.end()) return std::nullopt;
  const Catalog& cat = state.catalog;
  const Relation& rel = it->second;
  switch (rel.kind) {
    case 'r':
    case 'p': {
      const Table& t = cat.tables[rel.index];
      if (subid == 0) return KeyOf(t);
      auto col = state.columns.find(ColumnId(oid, subid));
      if (col == state.columns.end()) return std::nullopt;
      return ColumnKey(t.schema, t.name, t.columns[col->second].name);
    }
    case 'v':
    case 'm':
      return KeyOf(cat.views[rel.index]);
    case 'S':
      return KeyOf(cat.sequences[rel.index]);
    case 'i':
      return KeyOf(cat.indexes[rel.index]);
    default:
      return std::nullopt;
  }
}

std::optional<std::string> DefaultKeyFor(const State& state, uint32_t oid) {
  auto it = state.attrdefs.find(oid);
  if (it == state.attrdefs.end()) return std::nullopt;
  auto [rel_oid, attnum] = it->second;
  auto rel = state.relations.find(rel_oid);
  auto col = state.columns.find(ColumnId(rel_oid, attnum));
  if (rel == state.relations.end() || col == state.columns.end()) return std::nullopt;
  if (rel->second.kind != 'r' && rel->second.kind != 'p') return std::nullopt;
  const Table& t = state.catalog.tables[rel->second.index];
  const Column& c = t.columns[col->second];
  if (c.generated) return ColumnKey(t.schema, t.name, c.name);
  return DefaultKey(t.schema, t.name, c.name);
}

template <typename T>
std::optional<std::string> Lookup(const std::unordered_map<uint32_t, size_t>& map,
                                  const std::vector<T>& objects, uint32_t oid) {
  auto it = map.find(oid);
  if (it == map.end()) return std::nullopt;
  return KeyOf(objects[it->second]);
}

}  // namespace

std::optional<std::string> KeyFor(const State& state, uint32_t classid, uint32_t oid,
                                  int32_t subid) {
  namespace q = queries;
  if (auto ext = state.extension_members.find(ObjectId(classid, oid));
      ext != state.extension_members.end()) {
    return Lookup(state.extensions, state.catalog.extensions, ext->second);
  }
  const Catalog& cat = state.catalog;
  switch (classid) {
    case q::kPgClass:
      return RelationKey(state, oid, subid);
    case q::kPgType: {
      if (auto t = Lookup(state.types, cat.types, oid)) return t;
      auto owner = state.type_owners.find(oid);
      if (owner == state.type_owners.end()) return std::nullopt;
      if (owner->second.first != 0) return KeyFor(state, q::kPgType, owner->second.first, 0);
      return RelationKey(state, owner->second.second, 0);
    }
    case q::kPgProc:
      return Lookup(state.functions, cat.functions, oid);
    case q::kPgNamespace:
      return Lookup(state.schemas, cat.schemas, oid);
    case q::kPgConstraint: {
      if (auto d = state.domain_constraints.find(oid); d != state.domain_constraints.end()) {
        return KeyOf(cat.types[d->second.first]);
      }
      return Lookup(state.constraints, cat.constraints, oid);
    }
    case q::kPgTrigger:
      return Lookup(state.triggers, cat.triggers, oid);
    case q::kPgPolicy:
      return Lookup(state.policies, cat.policies, oid);
    case q::kPgExtension:
      return Lookup(state.extensions, cat.extensions, oid);
    case q::kPgRewrite: {
      auto it = state.rewrites.find(oid);
      if (it == state.rewrites.end()) return std::nullopt;
      return RelationKey(state, it->second, 0);
    }
    case q::kPgAttrdef:
      return DefaultKeyFor(state, oid);
    default:
      return std::nullopt;
  }
}

}  // namespace reader

namespace {

Status ReadAll(pg::Connection& conn, reader::State& state) {
  RETURN_IF_ERROR(reader::ReadNamespacesAndTypes(conn, state));
  RETURN_IF_ERROR(reader::ReadRelations(conn, state));
  RETURN_IF_ERROR(reader::ReadColumns(conn, state));
  RETURN_IF_ERROR(reader::ReadIndexesAndConstraints(conn, state));
  RETURN_IF_ERROR(reader::ReadRoutinesTriggersPolicies(conn, state));
  RETURN_IF_ERROR(reader::ReadPrivileges(conn, state));
  RETURN_IF_ERROR(reader::ReadComments(conn, state));
  return reader::ReadDependencies(conn, state);
}

}  // namespace

Result<Catalog> ReadCatalog(pg::Connection& conn) {
  RETURN_IF_ERROR(conn.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                      .WithContext("reading the schema catalog"));
  reader::State state;
  Status st = conn.Exec("SELECT pg_catalog.set_config('search_path', '', true)");
  if (st.ok()) st = ReadAll(conn, state);
  if (!st.ok()) {
    conn.Exec("ROLLBACK").IgnoreError();
    return st.WithContext("reading the schema catalog");
  }
  RETURN_IF_ERROR(conn.Exec("COMMIT").WithContext("reading the schema catalog"));
  SortCatalog(state.catalog);
  return std::move(state.catalog);
}

}  // namespace spur::diff::schema
