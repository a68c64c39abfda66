// Reader steps for schemas, extensions, types, relations and their columns.
#include <nlohmann/json.hpp>

#include "diff/schema/catalog_queries.h"
#include "diff/schema/catalog_reader_state.h"

namespace spur::diff::schema::reader {
namespace {

std::vector<std::string> JsonStrings(const std::string& text) {
  std::vector<std::string> out;
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& v : j) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

// "{fillfactor=70}" -style arrays come as JSON; a view definition from
// pg_get_viewdef keeps its leading space and trailing ';', dropped here.
std::string TrimDefinition(std::string def) {
  while (!def.empty() && (def.back() == ';' || def.back() == ' ' || def.back() == '\n')) {
    def.pop_back();
  }
  size_t start = def.find_first_not_of(" \n");
  return start == std::string::npos ? "" : def.substr(start);
}

Type::Kind TypeKind(char typtype) {
  if (typtype == 'd') return Type::Kind::kDomain;
  if (typtype == 'c') return Type::Kind::kComposite;
  return Type::Kind::kEnum;
}

Status ReadTypes(pg::Connection& conn, State& state) {
  ASSIGN_OR_RETURN(std::vector<pg::Row> rows, conn.Query(queries::Types()));
  for (const pg::Row& r : rows) {
    Type t;
    t.schema = Text(r, 1);
    t.name = Text(r, 2);
    t.kind = TypeKind(Char(r, 3));
    t.owner = Text(r, 4);
    t.base_type = Text(r, 5);
    t.collation = Text(r, 6);
    t.not_null = t.kind == Type::Kind::kDomain && Bool(r, 7);
    t.default_expr = Opt(r, 8);
    state.types[Oid(r, 0)] = state.catalog.types.size();
    if (uint32_t rel = Oid(r, 9); rel != 0) {
      state.composite_relations[rel] = state.catalog.types.size();
    }
    state.catalog.types.push_back(std::move(t));
  }
  ASSIGN_OR_RETURN(rows, conn.Query(queries::EnumLabels()));
  for (const pg::Row& r : rows) {
    auto it = state.types.find(Oid(r, 0));
    if (it != state.types.end()) state.catalog.types[it->second].labels.push_back(Text(r, 1));
  }
  return Status::Ok();
}

SequenceOptions ReadSequenceOptions(const pg::Row& r, size_t first) {
  SequenceOptions o;
  o.data_type = Text(r, first);
  o.start = Int(r, first + 1);
  o.increment = Int(r, first + 2);
  o.min = Int(r, first + 3);
  o.max = Int(r, first + 4);
  o.cache = Int(r, first + 5);
  o.cycle = Bool(r, first + 6);
  return o;
}

void AddSequence(const pg::Row& r, State& state) {
  nlohmann::json owner =
      nlohmann::json::parse(Text(r, 21).empty() ? "null" : Text(r, 21), nullptr, false);
  bool identity = owner.is_array() && owner.size() == 4 && owner[3] == "i";
  if (identity) {
    state.identity_sequences[Oid(r, 0)] = {Text(r, 1), Text(r, 2), ReadSequenceOptions(r, 14)};
    return;
  }
  Sequence s;
  s.schema = Text(r, 1);
  s.name = Text(r, 2);
  s.owner = Text(r, 5);
  s.options = ReadSequenceOptions(r, 14);
  if (owner.is_array() && owner.size() == 4) {
    s.owned_by = ColumnRef{owner[0].get<std::string>(), owner[1].get<std::string>(),
                           owner[2].get<std::string>()};
  }
  state.relations[Oid(r, 0)] = {'S', state.catalog.sequences.size()};
  state.catalog.sequences.push_back(std::move(s));
}

void AddTable(const pg::Row& r, State& state) {
  Table t;
  t.schema = Text(r, 1);
  t.name = Text(r, 2);
  t.partitioned = Char(r, 3) == 'p';
  t.unlogged = Char(r, 4) == 'u';
  t.owner = Text(r, 5);
  t.options = JsonStrings(Text(r, 6));
  t.rls_enabled = Bool(r, 7);
  t.rls_forced = Bool(r, 8);
  t.partition_key = Text(r, 9);
  nlohmann::json parents = nlohmann::json::parse(Text(r, 13), nullptr, false);
  std::vector<TableName> names;
  if (parents.is_array()) {
    for (const auto& p : parents)
      names.push_back({p[0].get<std::string>(), p[1].get<std::string>()});
  }
  if (Opt(r, 10) && !names.empty()) {
    t.partition_of = names.front();
    t.partition_bound = Text(r, 10);
  } else {
    t.inherits = std::move(names);
  }
  state.relations[Oid(r, 0)] = {Char(r, 3), state.catalog.tables.size()};
  state.catalog.tables.push_back(std::move(t));
}

void AddView(const pg::Row& r, State& state) {
  View v;
  v.schema = Text(r, 1);
  v.name = Text(r, 2);
  v.materialized = Char(r, 3) == 'm';
  v.owner = Text(r, 5);
  v.options = JsonStrings(Text(r, 6));
  v.definition = TrimDefinition(Text(r, 11));
  v.populated = !v.materialized || Bool(r, 12);
  state.relations[Oid(r, 0)] = {Char(r, 3), state.catalog.views.size()};
  state.catalog.views.push_back(std::move(v));
}

}  // namespace

Status ReadNamespacesAndTypes(pg::Connection& conn, State& state) {
  ASSIGN_OR_RETURN(std::vector<pg::Row> rows, conn.Query(queries::Schemas()));
  for (const pg::Row& r : rows) {
    state.schemas[Oid(r, 0)] = state.catalog.schemas.size();
    state.catalog.schemas.push_back(Schema{.name = Text(r, 1), .owner = Text(r, 2)});
  }
  ASSIGN_OR_RETURN(rows, conn.Query(queries::Extensions()));
  for (const pg::Row& r : rows) {
    state.extensions[Oid(r, 0)] = state.catalog.extensions.size();
    state.catalog.extensions.push_back(
        Extension{.name = Text(r, 1), .schema = Text(r, 2), .version = Text(r, 3)});
  }
  ASSIGN_OR_RETURN(rows, conn.Query(queries::ExtensionMembers()));
  for (const pg::Row& r : rows) {
    state.extension_members[ObjectId(Oid(r, 0), Oid(r, 1))] = Oid(r, 2);
  }
  return ReadTypes(conn, state);
}

Status ReadRelations(pg::Connection& conn, State& state) {
  ASSIGN_OR_RETURN(std::vector<pg::Row> rows, conn.Query(queries::Relations()));
  for (const pg::Row& r : rows) {
    switch (Char(r, 3)) {
      case 'r':
      case 'p':
        AddTable(r, state);
        break;
      case 'v':
      case 'm':
        AddView(r, state);
        break;
      case 'S':
        AddSequence(r, state);
        break;
      default:
        break;  // composite types: their attributes come with the columns
    }
  }
  return Status::Ok();
}

namespace {

Column ReadColumn(const pg::Row& r, const State& state) {
  Column c;
  c.name = Text(r, 2);
  c.type = Text(r, 3);
  c.collation = Text(r, 4);
  char generated = Char(r, 8);
  if (generated != '\0') {
    c.generated = Opt(r, 5);
  } else {
    c.default_expr = Opt(r, 5);
  }
  c.not_null = Bool(r, 6);
  char identity = Char(r, 7);
  if (identity != '\0') {
    Identity id;
    id.always = identity == 'a';
    auto seq = state.identity_sequences.find(Oid(r, 10));
    if (seq != state.identity_sequences.end()) {
      id.sequence_schema = seq->second.schema;
      id.sequence_name = seq->second.name;
      id.options = seq->second.options;
    }
    c.identity = std::move(id);
  }
  c.inherited = Bool(r, 9);
  return c;
}

}  // namespace

Status ReadColumns(pg::Connection& conn, State& state) {
  ASSIGN_OR_RETURN(std::vector<pg::Row> rows, conn.Query(queries::Columns()));
  Catalog& cat = state.catalog;
  for (const pg::Row& r : rows) {
    uint32_t rel_oid = Oid(r, 0);
    uint64_t id = ColumnId(rel_oid, static_cast<int>(Int(r, 1)));
    if (auto comp = state.composite_relations.find(rel_oid);
        comp != state.composite_relations.end()) {
      auto& attrs = cat.types[comp->second].attributes;
      state.columns[id] = attrs.size();
      attrs.push_back(TypeAttribute{Text(r, 2), Text(r, 3), Text(r, 4)});
      continue;
    }
    auto rel = state.relations.find(rel_oid);
    if (rel == state.relations.end()) continue;
    std::vector<Column>* columns = nullptr;
    if (rel->second.kind == 'r' || rel->second.kind == 'p') {
      columns = &cat.tables[rel->second.index].columns;
    } else if (rel->second.kind == 'v' || rel->second.kind == 'm') {
      columns = &cat.views[rel->second.index].columns;
    } else {
      continue;
    }
    state.columns[id] = columns->size();
    Column c = ReadColumn(r, state);
    if (rel->second.kind == 'v' || rel->second.kind == 'm') {
      c = Column{.name = c.name, .type = c.type};
    }
    columns->push_back(std::move(c));
  }
  return Status::Ok();
}

}  // namespace spur::diff::schema::reader
