// Builders for views and materialized views. What hangs off a view (comments,
// column comments, privileges) is made with it, so a view dropped and created
// again to let a dependency change comes back whole; its triggers and a
// materialized view's indexes are objects of their own, recreated after it.
#include "diff/schema/builders.h"
#include "diff/schema/comments.h"
#include "diff/schema/privileges.h"
#include "diff/schema/sql_text.h"

namespace spur::diff::schema {
namespace {

std::string Name(const View& v) { return Qualified(v.schema, v.name); }

std::string ViewWord(const View& v) { return v.materialized ? "MATERIALIZED VIEW " : "VIEW "; }

std::string WithOptions(const View& v) {
  if (v.options.empty()) return "";
  std::string out = " WITH (";
  for (size_t i = 0; i < v.options.size(); ++i) out += (i ? ", " : "") + v.options[i];
  return out + ")";
}

std::string CreateSql(const View& v, bool or_replace) {
  std::string sql = std::string("CREATE ") + (or_replace ? "OR REPLACE " : "") + ViewWord(v) +
                    Name(v) + WithOptions(v) + " AS\n" + v.definition;
  if (v.materialized) sql += v.populated ? "\n  WITH DATA" : "\n  WITH NO DATA";
  return sql + ";";
}

// Comments and privileges, of the view and of its columns, from `from` to `to`.
void AddAttachments(std::vector<Statement>& out, const View& from, const View& to, const Acl& acl,
                    const std::string& key) {
  AddCommentStatement(out, ViewWord(to) + Name(to), from.comment, to.comment, key);
  for (const Column& c : to.columns) {
    const Column* old = nullptr;
    for (const Column& o : from.columns) {
      if (o.name == c.name) old = &o;
    }
    AddCommentStatement(out, "COLUMN " + Name(to) + "." + QuoteIdent(c.name),
                        old ? old->comment : std::nullopt, c.comment, key);
    for (Statement& s :
         AclStatements("TABLE " + Name(to), old ? old->acl : Acl{}, c.acl, key, c.name)) {
      out.push_back(std::move(s));
    }
  }
  for (Statement& s : AclStatements("TABLE " + Name(to), acl, to.acl, key)) {
    out.push_back(std::move(s));
  }
}

// CREATE OR REPLACE VIEW may only append columns: the old ones must keep
// their names and types, in order.
bool AppendsColumns(const View& from, const View& to) {
  if (from.columns.size() > to.columns.size()) return false;
  for (size_t i = 0; i < from.columns.size(); ++i) {
    if (from.columns[i].name != to.columns[i].name || from.columns[i].type != to.columns[i].type) {
      return false;
    }
  }
  return true;
}

bool SameShape(const View& a, const View& b) {
  return a.definition == b.definition && a.options == b.options;
}

}  // namespace

Fate ViewChangeFate(const View& from, const View& to) {
  if (from.materialized != to.materialized) return Fate::kReplace;
  if (to.materialized) {
    bool unpopulate = from.populated && !to.populated;
    return SameShape(from, to) && !unpopulate ? Fate::kAlter : Fate::kReplace;
  }
  return SameShape(from, to) || AppendsColumns(from, to) ? Fate::kAlter : Fate::kReplace;
}

Chain CreateView(const ObjectRef& to, const PlanContext& ctx) {
  const View& v = *to.view;
  std::vector<Statement> out = {Sql(CreateSql(v, false), to.key)};
  Acl initial = CreationAcl('r', v.owner, v.schema, ctx.to().catalog().default_privileges);
  AddAttachments(out, View{}, v, initial, to.key);
  return {MakeAction(to.key, Step::kCreate, rank::kView, std::move(out))};
}

Chain DropView(const ObjectRef& from) {
  const View& v = *from.view;
  return {MakeAction(
      from.key, Step::kDrop, -rank::kView,
      {Sql("DROP " + ViewWord(v) + Name(v) + ";", from.key, {Hazard::kAccessExclusive})})};
}

Chain AlterView(const ObjectRef& from, const ObjectRef& to) {
  const View& f = *from.view;
  const View& t = *to.view;
  std::vector<Statement> out;
  if (!SameShape(f, t)) {
    out.push_back(Sql(CreateSql(t, true), to.key, {Hazard::kAccessExclusive}));
  }
  if (t.materialized && !f.populated && t.populated) {
    out.push_back(
        Sql("REFRESH MATERIALIZED VIEW " + Name(t) + ";", to.key, {Hazard::kAccessExclusive}));
  }
  AddAttachments(out, f, t, f.acl, to.key);
  if (out.empty()) return {};
  return {MakeAction(to.key, Step::kAlter, rank::kView, std::move(out))};
}

}  // namespace spur::diff::schema
