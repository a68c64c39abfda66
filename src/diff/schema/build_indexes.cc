// Builders for indexes and table constraints. On tables that already hold
// rows, indexes are built CONCURRENTLY, checks and foreign keys are added NOT
// VALID and validated on their own, primary and unique keys are built as a
// concurrent unique index and attached with ADD CONSTRAINT ... USING INDEX.
#include "diff/schema/builders.h"
#include "diff/schema/comments.h"
#include "diff/schema/object_keys.h"
#include "diff/schema/sql_text.h"

namespace spur::diff::schema {
namespace {

constexpr std::string_view kCreateIndex = "CREATE INDEX ";
constexpr std::string_view kCreateUnique = "CREATE UNIQUE INDEX ";

bool StartsWith(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// The index definition's prefix ("CREATE [UNIQUE] INDEX ") and the rest after
// "<name> ", or nullopt when it does not read as expected.
std::optional<std::pair<std::string, std::string>> SplitIndexDef(const std::string& def,
                                                                 const std::string& name) {
  std::string_view prefix = StartsWith(def, kCreateUnique)  ? kCreateUnique
                            : StartsWith(def, kCreateIndex) ? kCreateIndex
                                                            : std::string_view();
  if (prefix.empty()) return std::nullopt;
  std::string ident = QuoteIdent(name) + " ";
  if (def.compare(prefix.size(), ident.size(), ident) != 0) return std::nullopt;
  return std::make_pair(std::string(prefix), def.substr(prefix.size() + ident.size()));
}

// The definition built CONCURRENTLY, optionally under another name.
std::optional<std::string> Concurrently(const std::string& def, const std::string& name,
                                        const std::string& new_name) {
  auto parts = SplitIndexDef(def, name);
  if (!parts) return std::nullopt;
  return parts->first + "CONCURRENTLY " + QuoteIdent(new_name) + " " + parts->second;
}

std::string PlainIndexDef(const Index& i) {
  std::string def = i.definition;
  // A partitioned table's index prints "ON ONLY": without ONLY it is built on
  // every partition too, as the catalog we copy from has it.
  size_t only = def.find(" ON ONLY ");
  if (i.on_partitioned && only != std::string::npos) def.erase(only + 3, 5);
  return def;
}

bool RelationCreated(const ObjectSet& set, const PlanContext& ctx, const std::string& schema,
                     const std::string& name) {
  const ObjectRef* rel = set.FindRelation(schema, name);
  return rel != nullptr && ctx.Created(rel->key);
}

std::string TableOf(const Constraint& k) { return Qualified(k.schema, k.table); }

std::string ConstraintTarget(const Constraint& k) {
  return "CONSTRAINT " + QuoteIdent(k.name) + " ON " + TableOf(k);
}

int ConstraintRank(const Constraint& k) {
  return k.type == 'f' ? rank::kForeignKey : rank::kConstraint;
}

Action Validate(const std::string& key, const Constraint& k) {
  Action a = MakeAction(key, Step::kCreate, ConstraintRank(k),
                        {OutsideTransaction("ALTER TABLE " + TableOf(k) + " VALIDATE CONSTRAINT " +
                                                QuoteIdent(k.name) + ";",
                                            key, {Hazard::kValidates})},
                        Lane::kLate);
  return a;
}

// PRIMARY KEY / UNIQUE on a table with rows: a concurrent unique index, then
// ADD CONSTRAINT ... USING INDEX (which renames the index to the constraint).
std::optional<Chain> KeyFromIndex(const ObjectRef& to, const PlanContext& ctx) {
  const Constraint& k = *to.constraint;
  bool free = !ctx.FromHasRelationNamed(k.schema, k.name);
  std::string index = free ? k.name : DerivedName(k.name, "_spur_new");
  std::optional<std::string> build = Concurrently(k.index_definition, k.name, index);
  if (!build || k.index_definition.find(" WHERE ") != std::string::npos) return std::nullopt;
  Action first =
      MakeAction(to.key, Step::kCreate, rank::kConstraint,
                 {OutsideTransaction(*build + ";", to.key, {Hazard::kBuildsIndex})}, Lane::kEarly);
  first.before_drop = true;
  std::string sql = "ALTER TABLE " + TableOf(k) + " ADD CONSTRAINT " + QuoteIdent(k.name) +
                    (k.type == 'p' ? " PRIMARY KEY" : " UNIQUE") + " USING INDEX " +
                    QuoteIdent(index);
  if (k.definition.find(" DEFERRABLE") != std::string::npos) sql += " DEFERRABLE";
  if (k.definition.find(" INITIALLY DEFERRED") != std::string::npos) sql += " INITIALLY DEFERRED";
  std::vector<Statement> attach = {Sql(sql + ";", to.key, {Hazard::kAccessExclusive})};
  AddCommentStatement(attach, ConstraintTarget(k), std::nullopt, k.comment, to.key);
  return Chain{std::move(first),
               MakeAction(to.key, Step::kCreate, rank::kConstraint, std::move(attach))};
}

}  // namespace

Chain CreateIndex(const ObjectRef& to, const PlanContext& ctx) {
  const Index& i = *to.index;
  std::vector<Statement> comment;
  AddCommentStatement(comment, "INDEX " + Qualified(i.schema, i.name), std::nullopt, i.comment,
                      to.key);
  bool fresh = RelationCreated(ctx.to(), ctx, i.schema, i.table);
  std::optional<std::string> online = Concurrently(i.definition, i.name, i.name);
  if (fresh || i.on_partitioned || !online) {
    std::vector<Hazard> hazards;
    if (!fresh) hazards = {Hazard::kBuildsIndex, Hazard::kBlocksWrites};
    std::vector<Statement> out = {Sql(PlainIndexDef(i) + ";", to.key, hazards)};
    for (Statement& s : comment) out.push_back(std::move(s));
    return {MakeAction(to.key, Step::kCreate, rank::kIndex, std::move(out))};
  }
  Chain chain = {MakeAction(to.key, Step::kCreate, rank::kIndex,
                            {OutsideTransaction(*online + ";", to.key, {Hazard::kBuildsIndex})},
                            Lane::kEarly)};
  if (!comment.empty()) {
    chain.push_back(MakeAction(to.key, Step::kCreate, rank::kIndex, std::move(comment)));
  }
  return chain;
}

namespace {

// True when something the index is built on changes under it: a column
// changes type (the table is rewritten under ACCESS EXCLUSIVE anyway), or a
// function or type it uses is dropped or recreated. Such an index is dropped
// (and rebuilt) inside the transaction that makes that change.
bool BuiltOnChangingObjects(const ObjectRef& index, const PlanContext& ctx) {
  long i = ctx.from().IndexOf(index.key);
  if (i < 0) return false;
  for (const ObjectSet::Edge& e : ctx.from().Needs(static_cast<size_t>(i))) {
    const ObjectRef& dep = ctx.from().objects()[e.object];
    Fate fate = ctx.FateOf(dep.key);
    if (fate != Fate::kSame && fate != Fate::kAlter) return true;
    if (dep.kind != Kind::kColumn) continue;
    const ObjectRef* to = ctx.to().Find(dep.key);
    if (ctx.Converted(dep.key) ||
        (to != nullptr && (to->column->type != dep.column->type ||
                           to->column->collation != dep.column->collation))) {
      return true;
    }
  }
  return false;
}

}  // namespace

Chain DropIndex(const ObjectRef& from, const PlanContext& ctx) {
  const Index& i = *from.index;
  const std::string name = Qualified(i.schema, i.name);
  if (i.on_partitioned || BuiltOnChangingObjects(from, ctx)) {
    return {MakeAction(from.key, Step::kDrop, -rank::kIndex,
                       {Sql("DROP INDEX " + name + ";", from.key, {Hazard::kAccessExclusive})})};
  }
  return {MakeAction(from.key, Step::kDrop, -rank::kIndex,
                     {OutsideTransaction("DROP INDEX CONCURRENTLY " + name + ";", from.key)},
                     Lane::kLate)};
}

Chain AlterIndex(const ObjectRef& from, const ObjectRef& to) {
  std::vector<Statement> out;
  AddCommentStatement(out, "INDEX " + Qualified(to.index->schema, to.index->name),
                      from.index->comment, to.index->comment, to.key);
  if (out.empty()) return {};
  return {MakeAction(to.key, Step::kAlter, rank::kIndex, std::move(out))};
}

// A changed index on a table with rows is built anew under a temporary name,
// the old one dropped, and the new one renamed: the table is never without it.
Chain ReplaceIndex(const ObjectRef& from, const ObjectRef& to, const PlanContext& ctx) {
  const Index& f = *from.index;
  const Index& t = *to.index;
  std::string tmp = DerivedName(t.name, "_spur_new");
  std::optional<std::string> build = Concurrently(t.definition, t.name, tmp);
  bool swap = build && f.table == t.table && !t.on_partitioned && !f.on_partitioned &&
              !RelationCreated(ctx.to(), ctx, t.schema, t.table) && !ctx.HasDependents(from.key) &&
              !ctx.FromHasRelationNamed(t.schema, tmp) && !BuiltOnChangingObjects(from, ctx);
  if (!swap) {
    Chain chain = DropIndex(from, ctx);
    for (Action& a : CreateIndex(to, ctx)) chain.push_back(std::move(a));
    return chain;
  }
  Action first =
      MakeAction(to.key, Step::kCreate, rank::kIndex,
                 {OutsideTransaction(*build + ";", to.key, {Hazard::kBuildsIndex})}, Lane::kEarly);
  first.before_drop = true;
  std::vector<Statement> rename = {
      Sql("ALTER INDEX " + Qualified(t.schema, tmp) + " RENAME TO " + QuoteIdent(t.name) + ";",
          to.key, {Hazard::kAccessExclusive})};
  AddCommentStatement(rename, "INDEX " + Qualified(t.schema, t.name), std::nullopt, t.comment,
                      to.key);
  Chain chain = {std::move(first)};
  for (Action& a : DropIndex(from, ctx)) chain.push_back(std::move(a));
  chain.push_back(MakeAction(to.key, Step::kFinish, rank::kIndex, std::move(rename)));
  return chain;
}

Fate ConstraintChangeFate(const Constraint& from, const Constraint& to) {
  if (from.type != to.type || from.definition != to.definition ||
      from.index_definition != to.index_definition || (from.validated && !to.validated)) {
    return Fate::kReplace;
  }
  return Fate::kAlter;
}

Chain CreateConstraint(const ObjectRef& to, const PlanContext& ctx) {
  const Constraint& k = *to.constraint;
  const Table* table = ctx.to().FindTable(k.schema, k.table);
  bool fresh = ctx.Created(TableKey(k.schema, k.table));
  bool partitioned = table != nullptr && table->partitioned;
  std::string add =
      "ALTER TABLE " + TableOf(k) + " ADD CONSTRAINT " + QuoteIdent(k.name) + " " + k.definition;
  std::vector<Statement> comment;
  AddCommentStatement(comment, ConstraintTarget(k), std::nullopt, k.comment, to.key);
  auto single = [&](std::string sql, std::vector<Hazard> hazards) {
    std::vector<Statement> out = {Sql(std::move(sql), to.key, std::move(hazards))};
    for (Statement& s : comment) out.push_back(std::move(s));
    return Chain{MakeAction(to.key, Step::kCreate, ConstraintRank(k), std::move(out))};
  };
  const bool fk = k.type == 'f';
  if (fresh) {
    std::vector<Hazard> hazards;
    if (fk) hazards.push_back(Hazard::kBlocksWrites);  // locks the referenced table
    return single(add + (k.validated ? ";" : " NOT VALID;"), hazards);
  }
  if (k.type == 'p' || k.type == 'u') {
    if (!partitioned) {
      if (std::optional<Chain> chain = KeyFromIndex(to, ctx)) return *chain;
    }
    return single(add + ";", {Hazard::kAccessExclusive, Hazard::kBuildsIndex});
  }
  if (k.type == 'x') return single(add + ";", {Hazard::kAccessExclusive, Hazard::kBuildsIndex});
  if (fk && partitioned) {
    // postgres 15 cannot add a NOT VALID foreign key to a partitioned table.
    return single(add + ";", {Hazard::kBlocksWrites, Hazard::kValidates});
  }
  std::vector<Hazard> hazards = {fk ? Hazard::kBlocksWrites : Hazard::kAccessExclusive};
  Chain chain = single(add + " NOT VALID;", hazards);
  if (k.validated) chain.push_back(Validate(to.key, k));
  return chain;
}

Chain DropConstraint(const ObjectRef& from) {
  const Constraint& k = *from.constraint;
  return {
      MakeAction(from.key, Step::kDrop, -ConstraintRank(k),
                 {Sql("ALTER TABLE " + TableOf(k) + " DROP CONSTRAINT " + QuoteIdent(k.name) + ";",
                      from.key, {Hazard::kAccessExclusive})})};
}

Chain AlterConstraint(const ObjectRef& from, const ObjectRef& to) {
  const Constraint& f = *from.constraint;
  const Constraint& t = *to.constraint;
  Chain chain;
  std::vector<Statement> comment;
  AddCommentStatement(comment, ConstraintTarget(t), f.comment, t.comment, to.key);
  if (!comment.empty()) {
    chain.push_back(MakeAction(to.key, Step::kAlter, ConstraintRank(t), std::move(comment)));
  }
  if (!f.validated && t.validated) {
    Action v = Validate(to.key, t);
    v.step = Step::kAlter;
    chain.push_back(std::move(v));
  }
  return chain;
}

}  // namespace spur::diff::schema
