// Builders for enums, composite types, domains and sequences.
#include <algorithm>

#include "diff/schema/builders.h"
#include "diff/schema/comments.h"
#include "diff/schema/privileges.h"
#include "diff/schema/sql_text.h"

namespace spur::diff::schema {
namespace {

std::string Name(const Type& t) { return Qualified(t.schema, t.name); }
std::string KindWord(const Type& t) { return t.kind == Type::Kind::kDomain ? "DOMAIN " : "TYPE "; }

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

std::string Attribute(const TypeAttribute& a) {
  return QuoteIdent(a.name) + " " + a.type + (a.collation.empty() ? "" : " COLLATE " + a.collation);
}

std::string DomainConstraintTarget(const Type& t, const DomainConstraint& c) {
  return "CONSTRAINT " + QuoteIdent(c.name) + " ON DOMAIN " + Name(t);
}

std::string CreateSql(const Type& t) {
  switch (t.kind) {
    case Type::Kind::kEnum: {
      std::vector<std::string> labels;
      for (const std::string& l : t.labels) labels.push_back(QuoteLiteral(l));
      return "CREATE TYPE " + Name(t) + " AS ENUM (" + Join(labels) + ");";
    }
    case Type::Kind::kComposite: {
      std::vector<std::string> attrs;
      for (const TypeAttribute& a : t.attributes) attrs.push_back(Attribute(a));
      return "CREATE TYPE " + Name(t) + " AS (" + Join(attrs) + ");";
    }
    case Type::Kind::kDomain:
      break;
  }
  std::string sql = "CREATE DOMAIN " + Name(t) + " AS " + t.base_type;
  if (!t.collation.empty()) sql += " COLLATE " + t.collation;
  if (t.default_expr) sql += " DEFAULT " + *t.default_expr;
  if (t.not_null) sql += " NOT NULL";
  return sql + ";";
}

// ADD CONSTRAINT on a domain: NOT VALID then VALIDATE when the domain may be
// in use (its columns are scanned), plain on a new domain.
void AddDomainConstraint(Chain& chain, std::vector<Statement>& ddl, const Type& t,
                         const DomainConstraint& c, bool fresh, const std::string& key) {
  std::string add =
      "ALTER DOMAIN " + Name(t) + " ADD CONSTRAINT " + QuoteIdent(c.name) + " " + c.definition;
  bool later_validate = !fresh && c.validated;
  ddl.push_back(Sql(add + (c.validated && fresh ? ";" : " NOT VALID;"), key));
  AddCommentStatement(ddl, DomainConstraintTarget(t, c), std::nullopt, c.comment, key);
  if (later_validate) {
    chain.push_back(MakeAction(
        key, Step::kAlter, rank::kType,
        {OutsideTransaction(
            "ALTER DOMAIN " + Name(t) + " VALIDATE CONSTRAINT " + QuoteIdent(c.name) + ";", key,
            {Hazard::kValidates})},
        Lane::kLate));
  }
}

const DomainConstraint* FindConstraint(const Type& t, const std::string& name) {
  for (const DomainConstraint& c : t.constraints) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

void AlterDomain(Chain& late, std::vector<Statement>& out, const Type& f, const Type& t,
                 const std::string& key) {
  const std::string prefix = "ALTER DOMAIN " + Name(t);
  if (f.default_expr != t.default_expr) {
    out.push_back(
        Sql(prefix + (t.default_expr ? " SET DEFAULT " + *t.default_expr : " DROP DEFAULT") + ";",
            key));
  }
  if (f.not_null != t.not_null) {
    out.push_back(t.not_null ? Sql(prefix + " SET NOT NULL;", key, {Hazard::kValidates})
                             : Sql(prefix + " DROP NOT NULL;", key));
  }
  for (const DomainConstraint& c : f.constraints) {
    const DomainConstraint* n = FindConstraint(t, c.name);
    if (!n || n->definition != c.definition || (c.validated && !n->validated)) {
      out.push_back(Sql(prefix + " DROP CONSTRAINT " + QuoteIdent(c.name) + ";", key));
    }
  }
  for (const DomainConstraint& c : t.constraints) {
    const DomainConstraint* o = FindConstraint(f, c.name);
    if (!o || o->definition != c.definition || (o->validated && !c.validated)) {
      AddDomainConstraint(late, out, t, c, false, key);
      continue;
    }
    AddCommentStatement(out, DomainConstraintTarget(t, c), o->comment, c.comment, key);
    if (!o->validated && c.validated) {
      late.push_back(MakeAction(
          key, Step::kAlter, rank::kType,
          {OutsideTransaction(prefix + " VALIDATE CONSTRAINT " + QuoteIdent(c.name) + ";", key,
                              {Hazard::kValidates})},
          Lane::kLate));
    }
  }
}

// ALTER TYPE ... ADD VALUE for the labels `to` has and `from` lacks (Fate
// kAlter guarantees the old labels keep their order). Each runs on its own:
// a value added in a transaction cannot be used before it commits.
std::vector<Statement> AddEnumValues(const Type& f, const Type& t, const std::string& key) {
  auto old = [&](const std::string& l) {
    return std::find(f.labels.begin(), f.labels.end(), l) != f.labels.end();
  };
  const std::string prefix = "ALTER TYPE " + Name(t) + " ADD VALUE ";
  std::vector<Statement> out;
  size_t first_old = 0;
  while (first_old < t.labels.size() && !old(t.labels[first_old])) ++first_old;
  if (first_old == t.labels.size()) {  // no old label left to place the new ones by
    for (const std::string& l : t.labels) {
      out.push_back(OutsideTransaction(prefix + QuoteLiteral(l) + ";", key));
    }
    return out;
  }
  for (size_t i = first_old; i-- > 0;) {
    out.push_back(OutsideTransaction(
        prefix + QuoteLiteral(t.labels[i]) + " BEFORE " + QuoteLiteral(t.labels[i + 1]) + ";",
        key));
  }
  for (size_t i = first_old + 1; i < t.labels.size(); ++i) {
    if (old(t.labels[i])) continue;
    out.push_back(OutsideTransaction(
        prefix + QuoteLiteral(t.labels[i]) + " AFTER " + QuoteLiteral(t.labels[i - 1]) + ";", key));
  }
  return out;
}

void AlterComposite(std::vector<Statement>& out, const Type& f, const Type& t,
                    const std::string& key) {
  const std::string prefix = "ALTER TYPE " + Name(t);
  auto find = [](const Type& type, const std::string& name) -> const TypeAttribute* {
    for (const TypeAttribute& a : type.attributes) {
      if (a.name == name) return &a;
    }
    return nullptr;
  };
  for (const TypeAttribute& a : f.attributes) {
    const TypeAttribute* n = find(t, a.name);
    if (!n) {
      out.push_back(
          Sql(prefix + " DROP ATTRIBUTE " + QuoteIdent(a.name) + ";", key, {Hazard::kDeletesData}));
    } else if (n->type != a.type || n->collation != a.collation) {
      out.push_back(Sql(prefix + " ALTER ATTRIBUTE " + QuoteIdent(a.name) + " TYPE " + n->type +
                            (n->collation.empty() ? "" : " COLLATE " + n->collation) + ";",
                        key));
    }
  }
  for (const TypeAttribute& a : t.attributes) {
    if (!find(f, a.name)) out.push_back(Sql(prefix + " ADD ATTRIBUTE " + Attribute(a) + ";", key));
  }
}

bool IsSubsequence(const std::vector<std::string>& small, const std::vector<std::string>& big) {
  size_t j = 0;
  for (const std::string& s : big) {
    if (j < small.size() && small[j] == s) ++j;
  }
  return j == small.size();
}

// The attributes `to` keeps from `from` come first, in the same order.
bool CompositeCompatible(const Type& f, const Type& t) {
  std::vector<std::string> kept, head;
  for (const TypeAttribute& a : f.attributes) {
    for (const TypeAttribute& b : t.attributes) {
      if (a.name == b.name) kept.push_back(a.name);
    }
  }
  for (size_t i = 0; i < kept.size() && i < t.attributes.size(); ++i) {
    head.push_back(t.attributes[i].name);
  }
  return kept == head;
}

}  // namespace

Fate TypeChangeFate(const Type& from, const Type& to) {
  if (from.kind != to.kind) return Fate::kRetype;
  switch (to.kind) {
    case Type::Kind::kEnum:
      return IsSubsequence(from.labels, to.labels) ? Fate::kAlter : Fate::kRetype;
    case Type::Kind::kComposite:
      return CompositeCompatible(from, to) ? Fate::kAlter : Fate::kRetype;
    case Type::Kind::kDomain:
      return from.base_type == to.base_type && from.collation == to.collation ? Fate::kAlter
                                                                              : Fate::kRetype;
  }
  return Fate::kRetype;
}

Chain CreateType(const ObjectRef& to, const PlanContext& ctx) {
  const Type& t = *to.type;
  std::vector<Statement> out = {Sql(CreateSql(t), to.key)};
  Chain late;
  for (const DomainConstraint& c : t.constraints)
    AddDomainConstraint(late, out, t, c, true, to.key);
  AddCommentStatement(out, KindWord(t) + Name(t), std::nullopt, t.comment, to.key);
  Acl initial = CreationAcl('T', t.owner, t.schema, ctx.to().catalog().default_privileges);
  for (Statement& s : AclStatements(KindWord(t) + Name(t), initial, t.acl, to.key)) {
    out.push_back(std::move(s));
  }
  return {MakeAction(to.key, Step::kCreate, rank::kType, std::move(out))};
}

Chain DropType(const ObjectRef& from) {
  const Type& t = *from.type;
  return {MakeAction(from.key, Step::kDrop, -rank::kType,
                     {Sql("DROP " + KindWord(t) + Name(t) + ";", from.key)})};
}

Chain AlterType(const ObjectRef& from, const ObjectRef& to) {
  const Type& f = *from.type;
  const Type& t = *to.type;
  Chain chain;
  std::vector<Statement> out;
  if (t.kind == Type::Kind::kEnum && f.labels != t.labels) {
    chain.push_back(
        MakeAction(to.key, Step::kAlter, rank::kType, AddEnumValues(f, t, to.key), Lane::kEarly));
  }
  if (t.kind == Type::Kind::kComposite) AlterComposite(out, f, t, to.key);
  Chain late;
  if (t.kind == Type::Kind::kDomain) AlterDomain(late, out, f, t, to.key);
  AddCommentStatement(out, KindWord(t) + Name(t), f.comment, t.comment, to.key);
  for (Statement& s : AclStatements(KindWord(t) + Name(t), f.acl, t.acl, to.key)) {
    out.push_back(std::move(s));
  }
  if (!out.empty()) chain.push_back(MakeAction(to.key, Step::kAlter, rank::kType, std::move(out)));
  for (Action& a : late) chain.push_back(std::move(a));
  return chain;
}

Chain RetypeType(const ObjectRef& from, const ObjectRef& to, const PlanContext& ctx) {
  const Type& f = *from.type;
  std::string old_name = DerivedName(f.name, "__spur_old");
  Chain chain = {
      MakeAction(from.key, Step::kDrop, -rank::kType,
                 {Sql("ALTER " + KindWord(f) + Name(f) + " RENAME TO " + QuoteIdent(old_name) + ";",
                      from.key, {Hazard::kBreaksDependents})})};
  for (Action& a : CreateType(to, ctx)) chain.push_back(std::move(a));
  chain.push_back(
      MakeAction(from.key, Step::kFinish, rank::kFinish,
                 {Sql("DROP " + KindWord(f) + Qualified(f.schema, old_name) + ";", from.key)}));
  return chain;
}

}  // namespace spur::diff::schema
