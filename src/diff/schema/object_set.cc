#include "diff/schema/object_set.h"

#include <algorithm>

#include "diff/schema/object_keys.h"

namespace spur::diff::schema {
namespace {

std::string RelationId(const std::string& schema, const std::string& name) {
  return schema + '\0' + name;
}

}  // namespace

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kSchema:
      return "schema";
    case Kind::kExtension:
      return "extension";
    case Kind::kDefaultPrivilege:
      return "default privileges";
    case Kind::kType:
      return "type";
    case Kind::kSequence:
      return "sequence";
    case Kind::kFunction:
      return "function";
    case Kind::kTable:
      return "table";
    case Kind::kColumn:
      return "column";
    case Kind::kDefault:
      return "default";
    case Kind::kConstraint:
      return "constraint";
    case Kind::kIndex:
      return "index";
    case Kind::kView:
      return "view";
    case Kind::kTrigger:
      return "trigger";
    case Kind::kPolicy:
      return "policy";
  }
  return "object";
}

std::string_view ObjectRef::KindLabel() const {
  if (kind == Kind::kView && view->materialized) return "materialized view";
  if (kind == Kind::kFunction && function->procedure) return "procedure";
  if (kind == Kind::kType && type->kind == Type::Kind::kDomain) return "domain";
  return KindName(kind);
}

ObjectSet::ObjectSet(const Catalog& catalog) : catalog_(catalog) {
  AddObjects();
  std::sort(objects_.begin(), objects_.end(),
            [](const ObjectRef& a, const ObjectRef& b) { return a.key < b.key; });
  for (size_t i = 0; i < objects_.size(); ++i) {
    ObjectRef& o = objects_[i];
    // Keys start with their kind word(s), which KindLabel spells the same
    // except for domains and default privileges (keyed "type", "default privileges for").
    size_t space = o.kind == Kind::kDefaultPrivilege ? std::string("default privileges ").size()
                   : o.kind == Kind::kType           ? std::string("type ").size()
                                                     : o.KindLabel().size() + 1;
    o.name = o.key.substr(std::min(space, o.key.size()));
    by_key_.emplace(o.key, i);
    if (o.kind == Kind::kTable) relations_[RelationId(o.table->schema, o.table->name)] = i;
    if (o.kind == Kind::kView) relations_[RelationId(o.view->schema, o.view->name)] = i;
  }
  needs_.resize(objects_.size());
  needed_by_.resize(objects_.size());
  for (const Dependency& d : catalog_.dependencies) AddEdge(d.dependent, d.referenced, d.type);
  AddImpliedEdges();
  auto dedupe = [](std::vector<Edge>& edges) {
    std::sort(edges.begin(), edges.end(), [](const Edge& a, const Edge& b) {
      return a.object != b.object ? a.object < b.object : a.type < b.type;
    });
    edges.erase(std::unique(edges.begin(), edges.end(),
                            [](const Edge& a, const Edge& b) {
                              return a.object == b.object && a.type == b.type;
                            }),
                edges.end());
  };
  for (auto& e : needs_) dedupe(e);
  for (auto& e : needed_by_) dedupe(e);
}

void ObjectSet::Add(ObjectRef ref) { objects_.push_back(std::move(ref)); }

void ObjectSet::AddColumns(const Table& t) {
  for (const Column& c : t.columns) {
    Add(ObjectRef{.kind = Kind::kColumn,
                  .key = ColumnKey(t.schema, t.name, c.name),
                  .table = &t,
                  .column = &c});
    if (c.default_expr) {
      Add(ObjectRef{.kind = Kind::kDefault,
                    .key = DefaultKey(t.schema, t.name, c.name),
                    .table = &t,
                    .column = &c});
    }
  }
}

void ObjectSet::AddObjects() {
  const Catalog& c = catalog_;
  for (const auto& o : c.schemas) Add({.kind = Kind::kSchema, .key = KeyOf(o), .schema = &o});
  for (const auto& o : c.extensions) {
    Add({.kind = Kind::kExtension, .key = KeyOf(o), .extension = &o});
  }
  for (const auto& o : c.default_privileges) {
    Add({.kind = Kind::kDefaultPrivilege, .key = KeyOf(o), .default_privilege = &o});
  }
  for (const auto& o : c.types) Add({.kind = Kind::kType, .key = KeyOf(o), .type = &o});
  for (const auto& o : c.sequences) {
    Add({.kind = Kind::kSequence, .key = KeyOf(o), .sequence = &o});
  }
  for (const auto& o : c.functions) {
    Add({.kind = Kind::kFunction, .key = KeyOf(o), .function = &o});
  }
  for (const auto& o : c.tables) {
    Add({.kind = Kind::kTable, .key = KeyOf(o), .table = &o});
    AddColumns(o);
  }
  for (const auto& o : c.views) Add({.kind = Kind::kView, .key = KeyOf(o), .view = &o});
  for (const auto& o : c.indexes) Add({.kind = Kind::kIndex, .key = KeyOf(o), .index = &o});
  for (const auto& o : c.constraints) {
    Add({.kind = Kind::kConstraint, .key = KeyOf(o), .constraint = &o});
  }
  for (const auto& o : c.triggers) Add({.kind = Kind::kTrigger, .key = KeyOf(o), .trigger = &o});
  for (const auto& o : c.policies) Add({.kind = Kind::kPolicy, .key = KeyOf(o), .policy = &o});
}

void ObjectSet::AddEdge(const std::string& dependent, const std::string& referenced, char type) {
  long from = IndexOf(dependent), to = IndexOf(referenced);
  if (from < 0 || to < 0 || from == to) return;
  needs_[from].push_back({static_cast<size_t>(to), type});
  needed_by_[to].push_back({static_cast<size_t>(from), type});
}

void ObjectSet::AddImpliedEdges() {
  for (const ObjectRef& o : objects_) {
    switch (o.kind) {
      case Kind::kExtension:
        AddEdge(o.key, SchemaKey(o.extension->schema), 'n');
        break;
      case Kind::kDefaultPrivilege:
        if (!o.default_privilege->schema.empty()) {
          AddEdge(o.key, SchemaKey(o.default_privilege->schema), 'n');
        }
        break;
      case Kind::kType:
        AddEdge(o.key, SchemaKey(o.type->schema), 'n');
        break;
      case Kind::kSequence:
        AddEdge(o.key, SchemaKey(o.sequence->schema), 'n');
        if (const auto& by = o.sequence->owned_by) {
          AddEdge(o.key, ColumnKey(by->schema, by->table, by->column), 'a');
        }
        break;
      case Kind::kFunction:
        AddEdge(o.key, SchemaKey(o.function->schema), 'n');
        break;
      case Kind::kTable:
        AddEdge(o.key, SchemaKey(o.table->schema), 'n');
        if (const auto& parent = o.table->partition_of) {
          AddEdge(o.key, TableKey(parent->schema, parent->name), 'a');
        }
        for (const TableName& p : o.table->inherits)
          AddEdge(o.key, TableKey(p.schema, p.name), 'n');
        break;
      case Kind::kColumn:
        AddEdge(o.key, KeyOf(*o.table), 'a');
        if (o.column->inherited) AddParentColumnEdge(o);
        break;
      case Kind::kDefault:
        AddEdge(o.key, ColumnKey(o.table->schema, o.table->name, o.column->name), 'a');
        break;
      case Kind::kView:
        AddEdge(o.key, SchemaKey(o.view->schema), 'n');
        break;
      case Kind::kIndex:
        AddRelationEdge(o.key, o.index->schema, o.index->table);
        break;
      case Kind::kConstraint:
        AddRelationEdge(o.key, o.constraint->schema, o.constraint->table);
        break;
      case Kind::kTrigger:
        AddRelationEdge(o.key, o.trigger->schema, o.trigger->table);
        break;
      case Kind::kPolicy:
        AddRelationEdge(o.key, o.policy->schema, o.policy->table);
        break;
      case Kind::kSchema:
        break;
    }
  }
}

void ObjectSet::AddRelationEdge(const std::string& key, const std::string& schema,
                                const std::string& relation) {
  if (const ObjectRef* rel = FindRelation(schema, relation)) AddEdge(key, rel->key, 'a');
}

// An inherited column comes from (and goes with) its parent's column.
void ObjectSet::AddParentColumnEdge(const ObjectRef& column) {
  const Table& t = *column.table;
  std::vector<TableName> parents = t.inherits;
  if (t.partition_of) parents.insert(parents.begin(), *t.partition_of);
  for (const TableName& p : parents) {
    std::string key = ColumnKey(p.schema, p.name, column.column->name);
    if (IndexOf(key) >= 0) {
      AddEdge(column.key, key, 'a');
      return;
    }
  }
}

const ObjectRef* ObjectSet::Find(std::string_view key) const {
  long i = IndexOf(key);
  return i < 0 ? nullptr : &objects_[i];
}

long ObjectSet::IndexOf(std::string_view key) const {
  auto it = by_key_.find(key);
  return it == by_key_.end() ? -1 : static_cast<long>(it->second);
}

const Table* ObjectSet::FindTable(const std::string& schema, const std::string& name) const {
  const ObjectRef* r = FindRelation(schema, name);
  return r != nullptr && r->kind == Kind::kTable ? r->table : nullptr;
}

const ObjectRef* ObjectSet::FindRelation(const std::string& schema, const std::string& name) const {
  auto it = relations_.find(RelationId(schema, name));
  return it == relations_.end() ? nullptr : &objects_[it->second];
}

}  // namespace spur::diff::schema
