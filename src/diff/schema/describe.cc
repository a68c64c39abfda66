#include "diff/schema/describe.h"

#include "diff/schema/builders.h"
#include "diff/schema/comments.h"
#include "diff/schema/privileges.h"
#include "diff/schema/sql_text.h"

namespace spur::diff::schema {
namespace {

using Lines = std::vector<std::string>;

std::string Show(const std::optional<std::string>& v) { return v ? *v : "NULL"; }
std::string YesNo(bool b) { return b ? "yes" : "no"; }

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

template <typename T>
void Field(Lines& out, const std::string& what, const T& from, const T& to) {
  if (from != to) out.push_back(what + " " + from + " -> " + to);
}

void Append(Lines& out, Lines more) {
  for (std::string& s : more) out.push_back(std::move(s));
}

std::string IdentityText(const std::optional<Identity>& id) {
  if (!id) return "none";
  return id->always ? "ALWAYS" : "BY DEFAULT";
}

Lines ColumnLines(const Column& f, const Column& t) {
  Lines out;
  Field(out, "type", f.type, t.type);
  Field(out, "collation", f.collation.empty() ? "default" : f.collation,
        t.collation.empty() ? "default" : t.collation);
  Field(out, "default", Show(f.default_expr), Show(t.default_expr));
  Field(out, "not null", YesNo(f.not_null), YesNo(t.not_null));
  Field(out, "identity", IdentityText(f.identity), IdentityText(t.identity));
  if (f.identity && t.identity && f.identity->options != t.identity->options) {
    out.push_back("identity sequence options changed");
  }
  Field(out, "generated", Show(f.generated), Show(t.generated));
  return out;
}

std::string Parent(const Table& t) {
  if (!t.partition_of) return "none";
  return Qualified(t.partition_of->schema, t.partition_of->name) + " " + t.partition_bound;
}

Lines TableLines(const Table& f, const Table& t) {
  Lines out;
  Field(out, "partitioned", YesNo(f.partitioned), YesNo(t.partitioned));
  Field(out, "partition key", f.partition_key, t.partition_key);
  Field(out, "partition of", Parent(f), Parent(t));
  if (f.inherits != t.inherits) out.push_back("inheritance changed");
  Field(out, "unlogged", YesNo(f.unlogged), YesNo(t.unlogged));
  Field(out, "options", "(" + Join(f.options) + ")", "(" + Join(t.options) + ")");
  Field(out, "row level security", YesNo(f.rls_enabled), YesNo(t.rls_enabled));
  Field(out, "forced row level security", YesNo(f.rls_forced), YesNo(t.rls_forced));
  return out;
}

Lines TypeLines(const Type& f, const Type& t) {
  Lines out;
  Field(out, "values", "(" + Join(f.labels) + ")", "(" + Join(t.labels) + ")");
  if (f.attributes != t.attributes) out.push_back("attributes changed");
  Field(out, "base type", f.base_type, t.base_type);
  Field(out, "default", Show(f.default_expr), Show(t.default_expr));
  Field(out, "not null", YesNo(f.not_null), YesNo(t.not_null));
  if (f.constraints != t.constraints) out.push_back("constraints changed");
  return out;
}

Lines SequenceLines(const Sequence& f, const Sequence& t) {
  Lines out;
  const SequenceOptions& a = f.options;
  const SequenceOptions& b = t.options;
  Field(out, "type", a.data_type, b.data_type);
  Field(out, "start", std::to_string(a.start), std::to_string(b.start));
  Field(out, "increment", std::to_string(a.increment), std::to_string(b.increment));
  Field(out, "min", std::to_string(a.min), std::to_string(b.min));
  Field(out, "max", std::to_string(a.max), std::to_string(b.max));
  Field(out, "cache", std::to_string(a.cache), std::to_string(b.cache));
  Field(out, "cycle", YesNo(a.cycle), YesNo(b.cycle));
  auto owner = [](const Sequence& s) {
    return s.owned_by ? s.owned_by->table + "." + s.owned_by->column : std::string("none");
  };
  Field(out, "owned by", owner(f), owner(t));
  return out;
}

Lines ConstraintLines(const Constraint& f, const Constraint& t) {
  Lines out;
  Field(out, "definition", f.definition, t.definition);
  if (f.index_definition != t.index_definition && f.definition == t.definition) {
    out.push_back("index changed");
  }
  Field(out, "validated", YesNo(f.validated), YesNo(t.validated));
  return out;
}

Lines ViewLines(const View& f, const View& t) {
  Lines out;
  if (f.definition != t.definition) out.push_back("definition changed");
  Field(out, "options", "(" + Join(f.options) + ")", "(" + Join(t.options) + ")");
  Field(out, "populated", YesNo(f.populated), YesNo(t.populated));
  return out;
}

Lines PolicyLines(const Policy& a, const Policy& b) {
  Lines out;
  Field(out, "command", a.command, b.command);
  Field(out, "permissive", YesNo(a.permissive), YesNo(b.permissive));
  Field(out, "roles", Join(a.roles), Join(b.roles));
  Field(out, "using", Show(a.using_expr), Show(b.using_expr));
  Field(out, "with check", Show(a.check_expr), Show(b.check_expr));
  return out;
}

Lines FunctionLines(const Function& f, const Function& t) {
  Lines out;
  Field(out, "returns", f.result, t.result);
  if (f.signature != t.signature) out.push_back("arguments changed");
  if (f.definition != t.definition) out.push_back("definition changed");
  return out;
}

Lines ObjectLines(const ObjectRef& f, const ObjectRef& t) {
  if (f.kind != t.kind) return {"now a " + std::string(t.KindLabel())};
  Lines out;
  switch (t.kind) {
    case Kind::kExtension:
      Field(out, "version", f.extension->version, t.extension->version);
      Field(out, "schema", f.extension->schema, t.extension->schema);
      return out;
    case Kind::kDefaultPrivilege:
      return DefaultPrivilegeDetails(f.default_privilege, t.default_privilege);
    case Kind::kType:
      return TypeLines(*f.type, *t.type);
    case Kind::kSequence:
      return SequenceLines(*f.sequence, *t.sequence);
    case Kind::kFunction:
      return FunctionLines(*f.function, *t.function);
    case Kind::kTable:
      return TableLines(*f.table, *t.table);
    case Kind::kColumn:
      return ColumnLines(*f.column, *t.column);
    case Kind::kConstraint:
      return ConstraintLines(*f.constraint, *t.constraint);
    case Kind::kIndex:
      Field(out, "definition", f.index->definition, t.index->definition);
      return out;
    case Kind::kView:
      return ViewLines(*f.view, *t.view);
    case Kind::kTrigger:
      Field(out, "definition", f.trigger->definition, t.trigger->definition);
      Field(out, "enabled", std::string(1, f.trigger->enabled), std::string(1, t.trigger->enabled));
      return out;
    case Kind::kPolicy:
      return PolicyLines(*f.policy, *t.policy);
    default:
      return {};
  }
}

// Comments and privileges, also those of a view's columns.
void Attachments(Details& d, const ObjectRef& f, const ObjectRef& t) {
  auto pair = [&](const auto* a, const auto* b) {
    Append(d.comments, CommentDetails(a->comment, b->comment));
    Append(d.grants, AclDetails(a->acl, b->acl));
  };
  switch (t.kind) {
    case Kind::kSchema:
      return pair(f.schema, t.schema);
    case Kind::kType:
      return pair(f.type, t.type);
    case Kind::kSequence:
      return pair(f.sequence, t.sequence);
    case Kind::kFunction:
      return pair(f.function, t.function);
    case Kind::kTable:
      return pair(f.table, t.table);
    case Kind::kColumn:
      return pair(f.column, t.column);
    case Kind::kView:
      pair(f.view, t.view);
      for (const Column& c : t.view->columns) {
        for (const Column& o : f.view->columns) {
          if (o.name != c.name) continue;
          Append(d.comments, CommentDetails(o.comment, c.comment, "column " + c.name));
          for (std::string& s : AclDetails(o.acl, c.acl)) d.grants.push_back(c.name + ": " + s);
        }
      }
      return;
    case Kind::kExtension:
      return Append(d.comments, CommentDetails(f.extension->comment, t.extension->comment));
    case Kind::kConstraint:
      return Append(d.comments, CommentDetails(f.constraint->comment, t.constraint->comment));
    case Kind::kIndex:
      return Append(d.comments, CommentDetails(f.index->comment, t.index->comment));
    case Kind::kTrigger:
      return Append(d.comments, CommentDetails(f.trigger->comment, t.trigger->comment));
    case Kind::kPolicy:
      return Append(d.comments, CommentDetails(f.policy->comment, t.policy->comment));
    default:
      return;
  }
}

}  // namespace

Details Describe(const ObjectRef& from, const ObjectRef& to) {
  Details d;
  d.object = ObjectLines(from, to);
  if (from.kind == to.kind) Attachments(d, from, to);
  return d;
}

std::vector<std::string> DescribeAdded(const ObjectRef& to) {
  if (to.kind != Kind::kColumn) return {};
  return {ColumnDefinition(*to.column).substr(QuoteIdent(to.column->name).size() + 1)};
}

}  // namespace spur::diff::schema
