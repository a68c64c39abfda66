// Builders for columns of existing tables and for column defaults.
#include "diff/schema/builders.h"
#include "diff/schema/comments.h"
#include "diff/schema/object_keys.h"
#include "diff/schema/privileges.h"
#include "diff/schema/sql_text.h"
#include "diff/schema/type_change.h"

namespace spur::diff::schema {
namespace {

std::string TableSql(const Table& t) { return Qualified(t.schema, t.name); }

std::string AlterColumnPrefix(const Table& t, const Column& c) {
  return "ALTER TABLE " + TableSql(t) + " ALTER COLUMN " + QuoteIdent(c.name) + " ";
}

std::string SequenceOptionsSql(const SequenceOptions& o) {
  return "START WITH " + std::to_string(o.start) + " INCREMENT BY " + std::to_string(o.increment) +
         " MINVALUE " + std::to_string(o.min) + " MAXVALUE " + std::to_string(o.max) + " CACHE " +
         std::to_string(o.cache) + (o.cycle ? " CYCLE" : " NO CYCLE");
}

std::string IdentityClause(const Identity& id) {
  std::string s =
      std::string(" GENERATED ") + (id.always ? "ALWAYS" : "BY DEFAULT") + " AS IDENTITY (";
  if (!id.sequence_name.empty()) {
    s += "SEQUENCE NAME " + Qualified(id.sequence_schema, id.sequence_name) + " ";
  }
  return s + SequenceOptionsSql(id.options) + ")";
}

// ALTER COLUMN ... SET <option> for each identity sequence option that differs.
std::string IdentityOptionChanges(const SequenceOptions& f, const SequenceOptions& t) {
  std::string s;
  if (f.start != t.start) s += " SET START WITH " + std::to_string(t.start);
  if (f.increment != t.increment) s += " SET INCREMENT BY " + std::to_string(t.increment);
  if (f.min != t.min) s += " SET MINVALUE " + std::to_string(t.min);
  if (f.max != t.max) s += " SET MAXVALUE " + std::to_string(t.max);
  if (f.cache != t.cache) s += " SET CACHE " + std::to_string(t.cache);
  if (f.cycle != t.cycle) s += t.cycle ? " SET CYCLE" : " SET NO CYCLE";
  return s;
}

// A default calls a volatile function: a built-in one by name, or a user one
// whose definition says neither STABLE nor IMMUTABLE.
bool VolatileDefault(const ObjectSet& set, const Table& t, const Column& c) {
  if (!c.default_expr) return false;
  if (LooksVolatile(*c.default_expr)) return true;
  long i = set.IndexOf(DefaultKey(t.schema, t.name, c.name));
  if (i < 0) return false;
  for (const ObjectSet::Edge& e : set.Needs(static_cast<size_t>(i))) {
    const ObjectRef& ref = set.objects()[e.object];
    if (ref.kind != Kind::kFunction) continue;
    const std::string& def = ref.function->definition;
    if (def.find(" STABLE") == std::string::npos && def.find(" IMMUTABLE") == std::string::npos) {
      return true;
    }
  }
  return false;
}

// True when an index or a key constraint is built on the column.
bool Indexed(const ObjectSet& set, const std::string& column_key) {
  long i = set.IndexOf(column_key);
  if (i < 0) return false;
  for (const ObjectSet::Edge& e : set.NeededBy(static_cast<size_t>(i))) {
    const ObjectRef& ref = set.objects()[e.object];
    if (ref.kind == Kind::kIndex) return true;
    if (ref.kind == Kind::kConstraint && ref.constraint->type != 'c' &&
        ref.constraint->type != 'f') {
      return true;
    }
  }
  return false;
}

std::string ConvertUsing(const Column& c) {
  bool array = c.type.size() > 2 && c.type.compare(c.type.size() - 2, 2, "[]") == 0;
  return QuoteIdent(c.name) + (array ? "::text[]::" : "::text::") + c.type;
}

Statement TypeStatement(const ObjectRef& from, const ObjectRef& to, const PlanContext& ctx) {
  const Column& f = *from.column;
  const Column& t = *to.column;
  std::string sql = AlterColumnPrefix(*to.table, t) + "TYPE " + t.type;
  if (!t.collation.empty()) sql += " COLLATE " + t.collation;
  std::vector<Hazard> hazards = {Hazard::kAccessExclusive};
  if (ctx.Converted(to.key)) {
    sql += " USING " + ConvertUsing(t);
    hazards.push_back(Hazard::kRewritesTable);
  } else if (f.type != t.type) {
    sql += " USING " + QuoteIdent(t.name) + "::" + t.type;
    if (TypeChangeRewrites(f.type, t.type)) hazards.push_back(Hazard::kRewritesTable);
    if (TypeChangeMayLoseData(f.type, t.type)) hazards.push_back(Hazard::kDeletesData);
  }
  if (Indexed(ctx.from(), from.key)) hazards.push_back(Hazard::kBuildsIndex);
  return Sql(sql + ";", to.key, hazards);
}

bool OwnDefault(const ObjectRef& to, const PlanContext& ctx) {
  return !ctx.Created(DefaultKey(to.table->schema, to.table->name, to.column->name));
}

bool Retyped(const ObjectRef& from, const ObjectRef& to, const PlanContext& ctx) {
  return from.column->type != to.column->type || from.column->collation != to.column->collation ||
         ctx.Converted(to.key);
}

// What the column gives up first: its expression, identity, default. Other
// objects may wait for these (a sequence taking the identity's name, a
// sequence the old default used being dropped), so they run on their own.
std::vector<Statement> Releases(const ObjectRef& from, const ObjectRef& to,
                                const PlanContext& ctx) {
  const Column& f = *from.column;
  const Column& t = *to.column;
  const std::string prefix = AlterColumnPrefix(*to.table, t);
  const std::vector<Hazard> ae = {Hazard::kAccessExclusive};
  std::vector<Statement> out;
  if (f.generated && !t.generated) out.push_back(Sql(prefix + "DROP EXPRESSION;", to.key, ae));
  if (f.identity && !t.identity) out.push_back(Sql(prefix + "DROP IDENTITY;", to.key, ae));
  bool retype = Retyped(from, to, ctx);
  if (OwnDefault(to, ctx) && f.default_expr && (retype || f.default_expr != t.default_expr)) {
    out.push_back(Sql(prefix + "DROP DEFAULT;", to.key, ae));
  }
  return out;
}

// The rest, but NOT NULL being set, in the order postgres accepts it.
std::vector<Statement> MainChanges(const ObjectRef& from, const ObjectRef& to,
                                   const PlanContext& ctx) {
  const Column& f = *from.column;
  const Column& t = *to.column;
  const std::string prefix = AlterColumnPrefix(*to.table, t);
  const std::vector<Hazard> ae = {Hazard::kAccessExclusive};
  std::vector<Statement> out;
  bool retype = Retyped(from, to, ctx);
  if (retype) out.push_back(TypeStatement(from, to, ctx));
  if (OwnDefault(to, ctx) && t.default_expr && (retype || f.default_expr != t.default_expr)) {
    out.push_back(Sql(prefix + "SET DEFAULT " + *t.default_expr + ";", to.key, ae));
  }
  if (!f.identity && t.identity) {
    // An identity column must be NOT NULL first.
    if (!f.not_null) {
      out.push_back(
          Sql(prefix + "SET NOT NULL;", to.key, {Hazard::kAccessExclusive, Hazard::kValidates}));
    }
    out.push_back(Sql(prefix + "ADD" + IdentityClause(*t.identity) + ";", to.key, ae));
  } else if (f.identity && t.identity) {
    std::string changes;
    if (f.identity->always != t.identity->always) {
      changes += t.identity->always ? " SET GENERATED ALWAYS" : " SET GENERATED BY DEFAULT";
    }
    changes += IdentityOptionChanges(f.identity->options, t.identity->options);
    if (!changes.empty()) out.push_back(Sql(prefix + changes.substr(1) + ";", to.key, ae));
  }
  if (f.not_null && !t.not_null) out.push_back(Sql(prefix + "DROP NOT NULL;", to.key, ae));
  return out;
}

std::vector<Statement> CommentAndAcl(const Table& table, const Column& from, const Column& to,
                                     const std::string& object) {
  std::vector<Statement> out;
  const std::string name = TableSql(table) + "." + QuoteIdent(to.name);
  AddCommentStatement(out, "COLUMN " + name, from.comment, to.comment, object);
  for (Statement& s :
       AclStatements("TABLE " + TableSql(table), from.acl, to.acl, object, to.name)) {
    out.push_back(std::move(s));
  }
  return out;
}

// SET NOT NULL on a table with rows: a NOT VALID check validated on its own
// (SHARE UPDATE EXCLUSIVE) lets SET NOT NULL skip its scan under ACCESS
// EXCLUSIVE; the check is dropped again.
Chain SetNotNullChain(const ObjectRef& to, std::vector<Statement> before,
                      std::vector<Statement> after) {
  const Table& t = *to.table;
  const std::string table = "ALTER TABLE " + TableSql(t);
  const std::string check = QuoteIdent(DerivedName(to.column->name, "_spur_not_null"));
  const std::string col = QuoteIdent(to.column->name);
  const std::vector<Hazard> ae = {Hazard::kAccessExclusive};
  before.push_back(
      Sql(table + " ADD CONSTRAINT " + check + " CHECK (" + col + " IS NOT NULL) NOT VALID;",
          to.key, ae));
  Chain chain;
  chain.push_back(MakeAction(to.key, Step::kAlter, rank::kColumn, std::move(before)));
  chain.push_back(MakeAction(to.key, Step::kAlter, rank::kColumn,
                             {OutsideTransaction(table + " VALIDATE CONSTRAINT " + check + ";",
                                                 to.key, {Hazard::kValidates})},
                             Lane::kLate));
  std::vector<Statement> last = {Sql(table + " ALTER COLUMN " + col + " SET NOT NULL;", to.key, ae),
                                 Sql(table + " DROP CONSTRAINT " + check + ";", to.key, ae)};
  for (Statement& s : after) last.push_back(std::move(s));
  chain.push_back(MakeAction(to.key, Step::kAlter, rank::kColumn, std::move(last)));
  return chain;
}

// An inherited column of a child table: it follows its parent's type, and its
// parent's default and NOT NULL when those change there.
Chain AlterInheritedColumn(const ObjectRef& from, const ObjectRef& to, const PlanContext& ctx) {
  Column base = *from.column;
  const Column* parent_from = ParentColumn(ctx.from(), *from.table, base.name);
  const Column* parent_to = ParentColumn(ctx.to(), *to.table, base.name);
  if (parent_from && parent_to) {
    if (parent_from->default_expr != parent_to->default_expr) {
      base.default_expr = parent_to->default_expr;
    }
    if (parent_from->not_null != parent_to->not_null) base.not_null = parent_to->not_null;
  }
  std::vector<Statement> out = ColumnTouchUps(*to.table, base, *to.column, to.key);
  if (out.empty()) return {};
  Action a = MakeAction(to.key, Step::kAlter, rank::kColumn, std::move(out));
  return {std::move(a)};
}

}  // namespace

std::string ColumnDefinition(const Column& c) {
  std::string s = QuoteIdent(c.name) + " " + c.type;
  if (!c.collation.empty()) s += " COLLATE " + c.collation;
  if (c.generated) {
    s += " GENERATED ALWAYS AS (" + *c.generated + ") STORED";
  } else if (c.identity) {
    s += IdentityClause(*c.identity);
  } else if (c.default_expr) {
    s += " DEFAULT " + *c.default_expr;
  }
  if (c.not_null) s += " NOT NULL";
  return s;
}

const Column* ParentColumn(const ObjectSet& set, const Table& table, const std::string& name) {
  std::vector<TableName> parents = table.inherits;
  if (table.partition_of) parents.insert(parents.begin(), *table.partition_of);
  for (const TableName& p : parents) {
    const Table* parent = set.FindTable(p.schema, p.name);
    if (parent == nullptr) continue;
    for (const Column& c : parent->columns) {
      if (c.name == name) return &c;
    }
  }
  return nullptr;
}

std::vector<Statement> ColumnTouchUps(const Table& table, const Column& base, const Column& to,
                                      const std::string& object) {
  const std::string prefix = AlterColumnPrefix(table, to);
  const std::vector<Hazard> ae = {Hazard::kAccessExclusive};
  std::vector<Statement> out;
  if (base.default_expr != to.default_expr && !to.generated && !to.identity) {
    out.push_back(to.default_expr
                      ? Sql(prefix + "SET DEFAULT " + *to.default_expr + ";", object, ae)
                      : Sql(prefix + "DROP DEFAULT;", object, ae));
  }
  if (base.not_null != to.not_null) {
    out.push_back(
        Sql(prefix + (to.not_null ? "SET NOT NULL;" : "DROP NOT NULL;"), object,
            to.not_null ? std::vector<Hazard>{Hazard::kAccessExclusive, Hazard::kValidates} : ae));
  }
  for (Statement& s : CommentAndAcl(table, base, to, object)) out.push_back(std::move(s));
  return out;
}

Fate ColumnChangeFate(const Column& from, const Column& to) {
  // A generated column's expression cannot be changed in place (before
  // postgres 17), nor a plain column made generated: drop and add it again.
  if (to.generated && from.generated != to.generated) return Fate::kReplace;
  return Fate::kAlter;
}

Chain CreateColumn(const ObjectRef& to, const PlanContext& ctx) {
  const Table& t = *to.table;
  const Column& c = *to.column;
  if (ctx.Created(KeyOf(t)) || c.inherited) return {};  // comes with its table or parent
  std::vector<Hazard> hazards = {Hazard::kAccessExclusive};
  if (c.generated || c.identity || VolatileDefault(ctx.to(), t, c)) {
    hazards.push_back(Hazard::kRewritesTable);
  }
  std::vector<Statement> out = {Sql(
      "ALTER TABLE " + TableSql(t) + " ADD COLUMN " + ColumnDefinition(c) + ";", to.key, hazards)};
  for (Statement& s : CommentAndAcl(t, Column{}, c, to.key)) out.push_back(std::move(s));
  Action a = MakeAction(to.key, Step::kCreate, rank::kColumn, std::move(out));
  if (c.default_expr) a.covers.push_back(DefaultKey(t.schema, t.name, c.name));
  return {std::move(a)};
}

Chain DropColumn(const ObjectRef& from, const PlanContext&) {
  const Table& t = *from.table;
  if (from.column->inherited) return {};  // goes with the parent's column
  return {MakeAction(
      from.key, Step::kDrop, -rank::kColumn,
      {Sql("ALTER TABLE " + TableSql(t) + " DROP COLUMN " + QuoteIdent(from.column->name) + ";",
           from.key, {Hazard::kAccessExclusive, Hazard::kDeletesData})})};
}

Chain AlterColumn(const ObjectRef& from, const ObjectRef& to, const PlanContext& ctx) {
  if (to.column->inherited) return AlterInheritedColumn(from, to, ctx);
  const std::string default_key = DefaultKey(to.table->schema, to.table->name, to.column->name);
  Chain chain;
  std::vector<Statement> releases = Releases(from, to, ctx);
  if (!releases.empty()) {
    // A drop step: what it gives up (the old default, the identity
    // sequence's name) is gone before what needs that to be gone.
    Action a = MakeAction(to.key, Step::kDrop, -rank::kColumn, std::move(releases));
    a.covers.push_back(default_key);
    chain.push_back(std::move(a));
  }
  std::vector<Statement> main = MainChanges(from, to, ctx);
  std::vector<Statement> extras = CommentAndAcl(*to.table, *from.column, *to.column, to.key);
  bool sets_not_null = !from.column->not_null && to.column->not_null && !to.column->identity;
  // The new default's dependencies bind to the action that sets it.
  auto cover_default = [&](Action& a) {
    if (to.column->default_expr && OwnDefault(to, ctx)) a.covers.push_back(default_key);
  };
  if (sets_not_null && !to.table->partitioned) {
    Chain rest = SetNotNullChain(to, std::move(main), std::move(extras));
    cover_default(rest.front());
    for (Action& a : rest) chain.push_back(std::move(a));
    return chain;
  }
  if (sets_not_null) {
    main.push_back(Sql(AlterColumnPrefix(*to.table, *to.column) + "SET NOT NULL;", to.key,
                       {Hazard::kAccessExclusive, Hazard::kValidates}));
  }
  for (Statement& s : extras) main.push_back(std::move(s));
  if (!main.empty()) {
    Action a = MakeAction(to.key, Step::kAlter, rank::kColumn, std::move(main));
    cover_default(a);
    chain.push_back(std::move(a));
  }
  return chain;
}

Chain CreateDefault(const ObjectRef& to, const PlanContext& ctx) {
  const Table& t = *to.table;
  if (ctx.Created(KeyOf(t)) || ctx.Created(ColumnKey(t.schema, t.name, to.column->name))) {
    return {};  // set with its table or column
  }
  return {MakeAction(
      to.key, Step::kCreate, rank::kDefault,
      {Sql(AlterColumnPrefix(t, *to.column) + "SET DEFAULT " + *to.column->default_expr + ";",
           to.key, {Hazard::kAccessExclusive})})};
}

Chain DropDefault(const ObjectRef& from, const PlanContext&) {
  return {MakeAction(from.key, Step::kDrop, -rank::kDefault,
                     {Sql(AlterColumnPrefix(*from.table, *from.column) + "DROP DEFAULT;", from.key,
                          {Hazard::kAccessExclusive})})};
}

}  // namespace spur::diff::schema
