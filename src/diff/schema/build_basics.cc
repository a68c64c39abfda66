// Builders for schemas, extensions and sequences.
#include "diff/schema/builders.h"
#include "diff/schema/comments.h"
#include "diff/schema/privileges.h"
#include "diff/schema/sql_text.h"

namespace spur::diff::schema {
namespace {

std::string SequenceName(const Sequence& s) { return Qualified(s.schema, s.name); }

std::string OwnedBy(const Sequence& s) {
  if (!s.owned_by) return "NONE";
  return Qualified(s.owned_by->schema, s.owned_by->table) + "." + QuoteIdent(s.owned_by->column);
}

// The options of `to` that differ from `from` (all of them when `from` is null).
std::string SequenceOptionsSql(const SequenceOptions* from, const SequenceOptions& to) {
  std::string s;
  auto differs = [&](auto member) { return from == nullptr || from->*member != to.*member; };
  if (differs(&SequenceOptions::data_type)) s += " AS " + to.data_type;
  if (differs(&SequenceOptions::start)) s += " START WITH " + std::to_string(to.start);
  if (differs(&SequenceOptions::increment)) s += " INCREMENT BY " + std::to_string(to.increment);
  if (differs(&SequenceOptions::min)) s += " MINVALUE " + std::to_string(to.min);
  if (differs(&SequenceOptions::max)) s += " MAXVALUE " + std::to_string(to.max);
  if (differs(&SequenceOptions::cache)) s += " CACHE " + std::to_string(to.cache);
  if (differs(&SequenceOptions::cycle)) s += to.cycle ? " CYCLE" : " NO CYCLE";
  return s;
}

}  // namespace

Chain CreateSchema(const ObjectRef& to, const PlanContext& ctx) {
  const Schema& s = *to.schema;
  const std::string name = QuoteIdent(s.name);
  std::vector<Statement> out = {Sql("CREATE SCHEMA " + name + ";", to.key)};
  AddCommentStatement(out, "SCHEMA " + name, std::nullopt, s.comment, to.key);
  Acl initial = CreationAcl('n', s.owner, s.name, ctx.to().catalog().default_privileges);
  for (Statement& st : AclStatements("SCHEMA " + name, initial, s.acl, to.key)) {
    out.push_back(std::move(st));
  }
  return {MakeAction(to.key, Step::kCreate, rank::kSchema, std::move(out))};
}

Chain DropSchema(const ObjectRef& from) {
  return {MakeAction(from.key, Step::kDrop, -rank::kSchema,
                     {Sql("DROP SCHEMA " + QuoteIdent(from.schema->name) + ";", from.key)})};
}

Chain AlterSchema(const ObjectRef& from, const ObjectRef& to) {
  const std::string name = QuoteIdent(to.schema->name);
  std::vector<Statement> out;
  AddCommentStatement(out, "SCHEMA " + name, from.schema->comment, to.schema->comment, to.key);
  for (Statement& s : AclStatements("SCHEMA " + name, from.schema->acl, to.schema->acl, to.key)) {
    out.push_back(std::move(s));
  }
  if (out.empty()) return {};
  return {MakeAction(to.key, Step::kAlter, rank::kSchema, std::move(out))};
}

Chain CreateExtension(const ObjectRef& to) {
  const Extension& e = *to.extension;
  std::vector<Statement> out = {Sql("CREATE EXTENSION " + QuoteIdent(e.name) + " WITH SCHEMA " +
                                        QuoteIdent(e.schema) + " VERSION " +
                                        QuoteLiteral(e.version) + ";",
                                    to.key)};
  // The extension's script usually sets its comment; say it again only if
  // it is one of our own.
  if (e.comment)
    AddCommentStatement(out, "EXTENSION " + QuoteIdent(e.name), std::nullopt, e.comment, to.key);
  return {MakeAction(to.key, Step::kCreate, rank::kExtension, std::move(out))};
}

Chain DropExtension(const ObjectRef& from) {
  return {MakeAction(from.key, Step::kDrop, -rank::kExtension,
                     {Sql("DROP EXTENSION " + QuoteIdent(from.extension->name) + ";", from.key,
                          {Hazard::kDeletesData})})};
}

Chain AlterExtension(const ObjectRef& from, const ObjectRef& to) {
  const Extension& f = *from.extension;
  const Extension& t = *to.extension;
  const std::string name = QuoteIdent(t.name);
  std::vector<Statement> out;
  if (f.schema != t.schema) {
    out.push_back(
        Sql("ALTER EXTENSION " + name + " SET SCHEMA " + QuoteIdent(t.schema) + ";", to.key));
  }
  if (f.version != t.version) {
    out.push_back(
        Sql("ALTER EXTENSION " + name + " UPDATE TO " + QuoteLiteral(t.version) + ";", to.key));
  }
  AddCommentStatement(out, "EXTENSION " + name, f.comment, t.comment, to.key);
  if (out.empty()) return {};
  return {MakeAction(to.key, Step::kAlter, rank::kExtension, std::move(out))};
}

Chain CreateSequence(const ObjectRef& to, const PlanContext& ctx) {
  const Sequence& s = *to.sequence;
  std::vector<Statement> out = {Sql(
      "CREATE SEQUENCE " + SequenceName(s) + SequenceOptionsSql(nullptr, s.options) + ";", to.key)};
  AddCommentStatement(out, "SEQUENCE " + SequenceName(s), std::nullopt, s.comment, to.key);
  Acl initial = CreationAcl('S', s.owner, s.schema, ctx.to().catalog().default_privileges);
  for (Statement& st : AclStatements("SEQUENCE " + SequenceName(s), initial, s.acl, to.key)) {
    out.push_back(std::move(st));
  }
  Chain chain = {MakeAction(to.key, Step::kCreate, rank::kSequence, std::move(out))};
  if (s.owned_by) {
    chain.push_back(MakeAction(
        to.key, Step::kFinish, rank::kFinish,
        {Sql("ALTER SEQUENCE " + SequenceName(s) + " OWNED BY " + OwnedBy(s) + ";", to.key)}));
  }
  return chain;
}

Chain DropSequence(const ObjectRef& from) {
  return {MakeAction(from.key, Step::kDrop, -rank::kSequence,
                     {Sql("DROP SEQUENCE " + SequenceName(*from.sequence) + ";", from.key,
                          {Hazard::kDeletesData})})};
}

Chain AlterSequence(const ObjectRef& from, const ObjectRef& to) {
  const Sequence& f = *from.sequence;
  const Sequence& t = *to.sequence;
  std::vector<Statement> out;
  std::string options = SequenceOptionsSql(&f.options, t.options);
  if (!options.empty())
    out.push_back(Sql("ALTER SEQUENCE " + SequenceName(t) + options + ";", to.key));
  AddCommentStatement(out, "SEQUENCE " + SequenceName(t), f.comment, t.comment, to.key);
  for (Statement& s : AclStatements("SEQUENCE " + SequenceName(t), f.acl, t.acl, to.key)) {
    out.push_back(std::move(s));
  }
  Chain chain;
  if (!out.empty())
    chain.push_back(MakeAction(to.key, Step::kAlter, rank::kSequence, std::move(out)));
  if (f.owned_by != t.owned_by) {
    chain.push_back(MakeAction(
        to.key, Step::kFinish, rank::kFinish,
        {Sql("ALTER SEQUENCE " + SequenceName(t) + " OWNED BY " + OwnedBy(t) + ";", to.key)}));
  }
  return chain;
}

}  // namespace spur::diff::schema
