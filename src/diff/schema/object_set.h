// ObjectSet: one Catalog indexed by object key, with its dependency graph.
// Internal to the diff. Holds pointers into the Catalog, which must outlive it.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "diff/schema/catalog.h"

namespace spur::diff::schema {

// The kinds of object the diff works on. Columns and column defaults are
// objects of their own: views depend on single columns, defaults on functions
// and sequences.
enum class Kind {
  kSchema,
  kExtension,
  kDefaultPrivilege,
  kType,
  kSequence,
  kFunction,
  kTable,
  kColumn,
  kDefault,
  kConstraint,
  kIndex,
  kView,
  kTrigger,
  kPolicy,
};

// "table", "materialized view", "procedure", "domain"...: the kind as people
// read it (Change::kind).
std::string_view KindName(Kind kind);

struct ObjectRef {
  Kind kind = Kind::kTable;
  std::string key;
  std::string name;  // the key without its kind: "public.t", "c on public.t"
  const Schema* schema = nullptr;
  const Extension* extension = nullptr;
  const DefaultPrivilege* default_privilege = nullptr;
  const Type* type = nullptr;
  const Sequence* sequence = nullptr;
  const Function* function = nullptr;
  const Table* table = nullptr;    // tables, and the table of a column or default
  const Column* column = nullptr;  // columns and defaults
  const Constraint* constraint = nullptr;
  const Index* index = nullptr;
  const View* view = nullptr;
  const Trigger* trigger = nullptr;
  const Policy* policy = nullptr;
  std::string_view KindLabel() const;  // KindName, refined: "procedure", "domain", ...
};

class ObjectSet {
 public:
  struct Edge {
    size_t object;  // index into objects()
    char type;      // 'n' normal, 'a' auto, 'i' internal
  };

  // Indexes `catalog` and adds the dependencies that catalog structure
  // implies (column on table, inherited column on the parent's column,
  // default on column, index/constraint/trigger/policy on their relation,
  // partition on parent, owned sequence on column, anything on its schema).
  // Dependencies on unknown keys are dropped.
  explicit ObjectSet(const Catalog& catalog);
  ObjectSet(const ObjectSet&) = delete;
  ObjectSet& operator=(const ObjectSet&) = delete;

  const Catalog& catalog() const { return catalog_; }
  const std::vector<ObjectRef>& objects() const { return objects_; }
  // nullptr when no object has this key.
  const ObjectRef* Find(std::string_view key) const;
  // Index of `key` in objects(), or -1.
  long IndexOf(std::string_view key) const;
  // What objects()[i] depends on / what depends on it.
  const std::vector<Edge>& Needs(size_t i) const { return needs_[i]; }
  const std::vector<Edge>& NeededBy(size_t i) const { return needed_by_[i]; }
  const Table* FindTable(const std::string& schema, const std::string& name) const;
  // The table or view an index, trigger or policy hangs on, by schema and name.
  const ObjectRef* FindRelation(const std::string& schema, const std::string& name) const;

 private:
  void Add(ObjectRef ref);
  void AddObjects();
  void AddColumns(const Table& t);
  void AddEdge(const std::string& dependent, const std::string& referenced, char type);
  void AddImpliedEdges();
  void AddParentColumnEdge(const ObjectRef& column);
  // `key` belongs to the table or view schema.relation.
  void AddRelationEdge(const std::string& key, const std::string& schema,
                       const std::string& relation);

  const Catalog& catalog_;
  std::vector<ObjectRef> objects_;
  std::unordered_map<std::string_view, size_t> by_key_;
  std::unordered_map<std::string, size_t> relations_;  // "schema\0name" -> table/view object
  std::vector<std::vector<Edge>> needs_, needed_by_;
};

}  // namespace spur::diff::schema
