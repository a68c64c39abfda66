// Internal to the catalog reader: the Catalog being filled and the OID maps
// that let comments, privileges and pg_depend rows find the objects they
// belong to. Indices into the Catalog's vectors, never pointers (they grow).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "common/status.h"
#include "diff/schema/catalog.h"
#include "pg/conn.h"

namespace spur::diff::schema::reader {

struct Relation {
  char kind = 'r';   // relkind: r, p (tables), v, m (views), S (sequence), i (index)
  size_t index = 0;  // into tables, views, sequences or indexes
};

struct IdentitySequence {
  std::string schema, name;
  SequenceOptions options;
};

struct State {
  Catalog catalog;
  std::unordered_map<uint32_t, size_t> schemas, extensions, types, functions, constraints, triggers,
      policies;
  std::unordered_map<uint32_t, Relation> relations;
  std::unordered_map<uint32_t, size_t> composite_relations;  // pg_class oid -> types index
  std::unordered_map<uint32_t, std::pair<size_t, size_t>> domain_constraints;  // type, constraint
  std::unordered_map<uint64_t, size_t> columns;  // ColumnId -> index in its table/view/type
  std::unordered_map<uint32_t, IdentitySequence> identity_sequences;
  std::unordered_map<uint32_t, uint32_t> constraint_indexes;        // index oid -> constraint oid
  std::unordered_map<uint32_t, uint32_t> rewrites;                  // rule oid -> view oid
  std::unordered_map<uint32_t, std::pair<uint32_t, int>> attrdefs;  // -> relation, attnum
  std::unordered_map<uint32_t, std::pair<uint32_t, uint32_t>> type_owners;  // -> element, rel
  std::unordered_map<uint64_t, uint32_t> extension_members;  // ObjectId -> extension oid
};

inline uint64_t ColumnId(uint32_t rel, int attnum) {
  return (static_cast<uint64_t>(rel) << 16) | static_cast<uint16_t>(attnum);
}
inline uint64_t ObjectId(uint32_t classid, uint32_t oid) {
  return (static_cast<uint64_t>(classid) << 32) | oid;
}

// Row accessors: NULL reads as "" / 0 / false.
const std::string& Text(const pg::Row& row, size_t i);
std::optional<std::string> Opt(const pg::Row& row, size_t i);
uint32_t Oid(const pg::Row& row, size_t i);
int64_t Int(const pg::Row& row, size_t i);
bool Bool(const pg::Row& row, size_t i);
char Char(const pg::Row& row, size_t i);

// Steps of ReadCatalog, in the order it runs them (each needs the maps the
// ones before filled).
Status ReadNamespacesAndTypes(pg::Connection& conn, State& state);
Status ReadRelations(pg::Connection& conn, State& state);
Status ReadColumns(pg::Connection& conn, State& state);
Status ReadIndexesAndConstraints(pg::Connection& conn, State& state);
Status ReadRoutinesTriggersPolicies(pg::Connection& conn, State& state);
Status ReadPrivileges(pg::Connection& conn, State& state);
Status ReadComments(pg::Connection& conn, State& state);
Status ReadDependencies(pg::Connection& conn, State& state);

// The key of the object pg_depend / pg_description name by (classid, oid,
// subid), folded onto what the Catalog models: a view's rule is the view, a
// default of a generated column is the column, an array or row type is its
// element or relation, an extension member is its extension. nullopt for
// objects the Catalog does not hold.
std::optional<std::string> KeyFor(const State& state, uint32_t classid, uint32_t oid,
                                  int32_t subid);

}  // namespace spur::diff::schema::reader
