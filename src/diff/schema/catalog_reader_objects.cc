// Reader steps for indexes, constraints, functions, triggers and policies.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "diff/schema/catalog_queries.h"
#include "diff/schema/catalog_reader_state.h"

namespace spur::diff::schema::reader {
namespace {

constexpr std::string_view kNotValid = " NOT VALID";

std::string WithoutNotValid(std::string def) {
  if (def.size() >= kNotValid.size() &&
      def.compare(def.size() - kNotValid.size(), kNotValid.size(), kNotValid) == 0) {
    def.resize(def.size() - kNotValid.size());
  }
  return def;
}

const Table* TableOf(const State& state, uint32_t rel_oid) {
  auto it = state.relations.find(rel_oid);
  if (it == state.relations.end()) return nullptr;
  if (it->second.kind != 'r' && it->second.kind != 'p') return nullptr;
  return &state.catalog.tables[it->second.index];
}

// Tables, and views for triggers (INSTEAD OF): schema and name.
std::optional<TableName> RelationName(const State& state, uint32_t rel_oid) {
  auto it = state.relations.find(rel_oid);
  if (it == state.relations.end()) return std::nullopt;
  if (it->second.kind == 'r' || it->second.kind == 'p') {
    const Table& t = state.catalog.tables[it->second.index];
    return TableName{t.schema, t.name};
  }
  if (it->second.kind == 'v' || it->second.kind == 'm') {
    const View& v = state.catalog.views[it->second.index];
    return TableName{v.schema, v.name};
  }
  return std::nullopt;
}

void AddConstraint(const pg::Row& r, State& state) {
  uint32_t oid = Oid(r, 0);
  std::string def = Text(r, 5);
  bool validated = Bool(r, 6);
  if (uint32_t domain = Oid(r, 4); domain != 0) {
    auto t = state.types.find(domain);
    if (t == state.types.end()) return;
    auto& list = state.catalog.types[t->second].constraints;
    state.domain_constraints[oid] = {t->second, list.size()};
    list.push_back(DomainConstraint{Text(r, 1), WithoutNotValid(def), validated, std::nullopt});
    return;
  }
  const Table* table = TableOf(state, Oid(r, 3));
  if (table == nullptr) return;
  Constraint c;
  c.schema = table->schema;
  c.table = table->name;
  c.name = Text(r, 1);
  c.type = Char(r, 2);
  c.definition = WithoutNotValid(def);
  c.validated = validated;
  c.index_definition = Text(r, 8);
  c.attached = Bool(r, 9);
  if (uint32_t index = Oid(r, 7); index != 0) state.constraint_indexes[index] = oid;
  state.constraints[oid] = state.catalog.constraints.size();
  state.catalog.constraints.push_back(std::move(c));
}

std::string PolicyCommand(char polcmd) {
  switch (polcmd) {
    case 'r':
      return "SELECT";
    case 'a':
      return "INSERT";
    case 'w':
      return "UPDATE";
    case 'd':
      return "DELETE";
    default:
      return "ALL";
  }
}

}  // namespace

Status ReadIndexesAndConstraints(pg::Connection& conn, State& state) {
  ASSIGN_OR_RETURN(std::vector<pg::Row> rows, conn.Query(queries::Indexes()));
  for (const pg::Row& r : rows) {
    Index i{.schema = Text(r, 1),
            .name = Text(r, 2),
            .table = Text(r, 3),
            .definition = Text(r, 4),
            .on_partitioned = Bool(r, 5),
            .attached = Bool(r, 6),
            .comment = std::nullopt};
    state.relations[Oid(r, 0)] = {'i', state.catalog.indexes.size()};
    state.catalog.indexes.push_back(std::move(i));
  }
  ASSIGN_OR_RETURN(rows, conn.Query(queries::Constraints()));
  for (const pg::Row& r : rows) AddConstraint(r, state);
  return Status::Ok();
}

Status ReadRoutinesTriggersPolicies(pg::Connection& conn, State& state) {
  ASSIGN_OR_RETURN(std::vector<pg::Row> rows, conn.Query(queries::Functions()));
  for (const pg::Row& r : rows) {
    Function f;
    f.schema = Text(r, 1);
    f.name = Text(r, 2);
    f.procedure = Char(r, 3) == 'p';
    f.owner = Text(r, 4);
    f.identity = Text(r, 5);
    f.result = Text(r, 6);
    f.signature = Text(r, 7);
    f.defaults = static_cast<int>(Int(r, 8));
    f.security_definer = Bool(r, 9);
    f.definition = Text(r, 10);
    while (!f.definition.empty() && f.definition.back() == '\n') f.definition.pop_back();
    state.functions[Oid(r, 0)] = state.catalog.functions.size();
    state.catalog.functions.push_back(std::move(f));
  }
  ASSIGN_OR_RETURN(rows, conn.Query(queries::Triggers()));
  for (const pg::Row& r : rows) {
    std::optional<TableName> rel = RelationName(state, Oid(r, 1));
    if (!rel) continue;
    state.triggers[Oid(r, 0)] = state.catalog.triggers.size();
    state.catalog.triggers.push_back(
        Trigger{rel->schema, rel->name, Text(r, 2), Text(r, 3), Char(r, 4), std::nullopt});
  }
  ASSIGN_OR_RETURN(rows, conn.Query(queries::Policies()));
  for (const pg::Row& r : rows) {
    const Table* table = TableOf(state, Oid(r, 1));
    if (table == nullptr) continue;
    Policy p;
    p.schema = table->schema;
    p.table = table->name;
    p.name = Text(r, 2);
    p.permissive = Bool(r, 3);
    p.command = PolicyCommand(Char(r, 4));
    nlohmann::json roles = nlohmann::json::parse(Text(r, 5), nullptr, false);
    if (roles.is_array()) {
      for (const auto& role : roles) p.roles.push_back(role.get<std::string>());
    }
    std::sort(p.roles.begin(), p.roles.end());
    p.using_expr = Opt(r, 6);
    p.check_expr = Opt(r, 7);
    state.policies[Oid(r, 0)] = state.catalog.policies.size();
    state.catalog.policies.push_back(std::move(p));
  }
  return Status::Ok();
}

}  // namespace spur::diff::schema::reader
