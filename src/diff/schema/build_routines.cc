// Builders for functions, procedures, triggers and row-level security policies.
#include "diff/schema/builders.h"
#include "diff/schema/comments.h"
#include "diff/schema/privileges.h"
#include "diff/schema/sql_text.h"

namespace spur::diff::schema {
namespace {

std::string RoutineKind(const Function& f) { return f.procedure ? "PROCEDURE " : "FUNCTION "; }

std::vector<Hazard> DefinitionHazards(const Function& f) {
  if (f.security_definer) return {Hazard::kAuthorization};
  return {};
}

std::string TriggerTable(const Trigger& t) { return Qualified(t.schema, t.table); }

std::string TriggerTarget(const Trigger& t) {
  return "TRIGGER " + QuoteIdent(t.name) + " ON " + TriggerTable(t);
}

// ENABLE / DISABLE statement taking a trigger from `from` to `to` state.
std::optional<Statement> TriggerState(const Trigger& t, char from, char to,
                                      const std::string& key) {
  if (from == to) return std::nullopt;
  std::string how = to == 'D'   ? "DISABLE"
                    : to == 'R' ? "ENABLE REPLICA"
                    : to == 'A' ? "ENABLE ALWAYS"
                                : "ENABLE";
  return Sql("ALTER TABLE " + TriggerTable(t) + " " + how + " TRIGGER " + QuoteIdent(t.name) + ";",
             key, {Hazard::kBlocksWrites});
}

std::string PolicyTable(const Policy& p) { return Qualified(p.schema, p.table); }

std::string PolicyRoles(const Policy& p) {
  std::string out;
  for (const std::string& r : p.roles) {
    out += (out.empty() ? "" : ", ") + (r.empty() ? std::string("PUBLIC") : QuoteIdent(r));
  }
  return out.empty() ? "PUBLIC" : out;
}

std::string PolicyClauses(const Policy& p) {
  std::string sql = " TO " + PolicyRoles(p);
  if (p.using_expr) sql += " USING (" + *p.using_expr + ")";
  if (p.check_expr) sql += " WITH CHECK (" + *p.check_expr + ")";
  return sql;
}

const std::vector<Hazard> kPolicyHazards = {Hazard::kAccessExclusive, Hazard::kAuthorization};

}  // namespace

Fate FunctionChangeFate(const Function& from, const Function& to) {
  // CREATE OR REPLACE keeps the argument names, modes and types, the result
  // type, and may not remove argument defaults.
  if (from.procedure != to.procedure || from.result != to.result ||
      from.signature != to.signature || to.defaults < from.defaults) {
    return Fate::kReplace;
  }
  return Fate::kAlter;
}

Chain CreateFunction(const ObjectRef& to, const PlanContext& ctx) {
  const Function& f = *to.function;
  std::vector<Statement> out = {Sql(f.definition + ";", to.key, DefinitionHazards(f))};
  AddCommentStatement(out, RoutineKind(f) + f.identity, std::nullopt, f.comment, to.key);
  Acl initial = CreationAcl('f', f.owner, f.schema, ctx.to().catalog().default_privileges);
  for (Statement& s : AclStatements(RoutineKind(f) + f.identity, initial, f.acl, to.key)) {
    out.push_back(std::move(s));
  }
  return {MakeAction(to.key, Step::kCreate, rank::kFunction, std::move(out))};
}

Chain DropFunction(const ObjectRef& from) {
  const Function& f = *from.function;
  return {MakeAction(from.key, Step::kDrop, -rank::kFunction,
                     {Sql("DROP " + RoutineKind(f) + f.identity + ";", from.key)})};
}

Chain AlterFunction(const ObjectRef& from, const ObjectRef& to) {
  const Function& f = *from.function;
  const Function& t = *to.function;
  std::vector<Statement> out;
  if (f.definition != t.definition)
    out.push_back(Sql(t.definition + ";", to.key, DefinitionHazards(t)));
  AddCommentStatement(out, RoutineKind(t) + t.identity, f.comment, t.comment, to.key);
  for (Statement& s : AclStatements(RoutineKind(t) + t.identity, f.acl, t.acl, to.key)) {
    out.push_back(std::move(s));
  }
  if (out.empty()) return {};
  return {MakeAction(to.key, Step::kAlter, rank::kFunction, std::move(out))};
}

Fate TriggerChangeFate(const Trigger& from, const Trigger& to) {
  // CREATE OR REPLACE TRIGGER does not apply to constraint triggers.
  bool constraint = to.definition.rfind("CREATE CONSTRAINT TRIGGER", 0) == 0 ||
                    from.definition.rfind("CREATE CONSTRAINT TRIGGER", 0) == 0;
  if (from.definition != to.definition && constraint) return Fate::kReplace;
  return Fate::kAlter;
}

Chain CreateTrigger(const ObjectRef& to, const PlanContext& ctx) {
  const Trigger& t = *to.trigger;
  const ObjectRef* rel = ctx.to().FindRelation(t.schema, t.table);
  std::vector<Hazard> hazards;
  if (rel == nullptr || !ctx.Created(rel->key)) hazards.push_back(Hazard::kBlocksWrites);
  std::vector<Statement> out = {Sql(t.definition + ";", to.key, hazards)};
  if (auto s = TriggerState(t, 'O', t.enabled, to.key)) out.push_back(*s);
  AddCommentStatement(out, TriggerTarget(t), std::nullopt, t.comment, to.key);
  return {MakeAction(to.key, Step::kCreate, rank::kTrigger, std::move(out))};
}

Chain DropTrigger(const ObjectRef& from) {
  return {MakeAction(
      from.key, Step::kDrop, -rank::kTrigger,
      {Sql("DROP " + TriggerTarget(*from.trigger) + ";", from.key, {Hazard::kAccessExclusive})})};
}

Chain AlterTrigger(const ObjectRef& from, const ObjectRef& to, const PlanContext&) {
  const Trigger& f = *from.trigger;
  const Trigger& t = *to.trigger;
  std::vector<Statement> out;
  if (f.definition != t.definition) {
    std::string def = t.definition;
    const std::string create = "CREATE TRIGGER ";
    if (def.rfind(create, 0) == 0) def = "CREATE OR REPLACE TRIGGER " + def.substr(create.size());
    out.push_back(Sql(def + ";", to.key, {Hazard::kBlocksWrites}));
  }
  if (auto s = TriggerState(t, f.enabled, t.enabled, to.key)) out.push_back(*s);
  AddCommentStatement(out, TriggerTarget(t), f.comment, t.comment, to.key);
  if (out.empty()) return {};
  return {MakeAction(to.key, Step::kAlter, rank::kTrigger, std::move(out))};
}

Fate PolicyChangeFate(const Policy& from, const Policy& to) {
  // ALTER POLICY changes roles and expressions, but cannot drop a USING or
  // WITH CHECK clause, nor change the command or permissiveness.
  if (from.permissive != to.permissive || from.command != to.command ||
      (from.using_expr && !to.using_expr) || (from.check_expr && !to.check_expr)) {
    return Fate::kReplace;
  }
  return Fate::kAlter;
}

Chain CreatePolicy(const ObjectRef& to) {
  const Policy& p = *to.policy;
  std::string sql = "CREATE POLICY " + QuoteIdent(p.name) + " ON " + PolicyTable(p) + " AS " +
                    (p.permissive ? "PERMISSIVE" : "RESTRICTIVE") + " FOR " + p.command +
                    PolicyClauses(p) + ";";
  std::vector<Statement> out = {Sql(sql, to.key, kPolicyHazards)};
  AddCommentStatement(out, "POLICY " + QuoteIdent(p.name) + " ON " + PolicyTable(p), std::nullopt,
                      p.comment, to.key);
  return {MakeAction(to.key, Step::kCreate, rank::kPolicy, std::move(out))};
}

Chain DropPolicy(const ObjectRef& from) {
  const Policy& p = *from.policy;
  return {MakeAction(from.key, Step::kDrop, -rank::kPolicy,
                     {Sql("DROP POLICY " + QuoteIdent(p.name) + " ON " + PolicyTable(p) + ";",
                          from.key, kPolicyHazards)})};
}

Chain AlterPolicy(const ObjectRef& from, const ObjectRef& to) {
  const Policy& f = *from.policy;
  const Policy& t = *to.policy;
  std::vector<Statement> out;
  if (f.roles != t.roles || f.using_expr != t.using_expr || f.check_expr != t.check_expr) {
    out.push_back(
        Sql("ALTER POLICY " + QuoteIdent(t.name) + " ON " + PolicyTable(t) + PolicyClauses(t) + ";",
            to.key, kPolicyHazards));
  }
  AddCommentStatement(out, "POLICY " + QuoteIdent(t.name) + " ON " + PolicyTable(t), f.comment,
                      t.comment, to.key);
  if (out.empty()) return {};
  return {MakeAction(to.key, Step::kAlter, rank::kPolicy, std::move(out))};
}

}  // namespace spur::diff::schema
