// Dispatch from an object's kind to its builder.
#include "diff/schema/builders.h"

#include "diff/schema/privileges.h"

namespace spur::diff::schema {

Chain CreateChain(const ObjectRef& to, const PlanContext& ctx) {
  switch (to.kind) {
    case Kind::kSchema:
      return CreateSchema(to, ctx);
    case Kind::kExtension:
      return CreateExtension(to);
    case Kind::kDefaultPrivilege:
      return DefaultPrivilegeChain(to.key, nullptr, to.default_privilege);
    case Kind::kType:
      return CreateType(to, ctx);
    case Kind::kSequence:
      return CreateSequence(to, ctx);
    case Kind::kFunction:
      return CreateFunction(to, ctx);
    case Kind::kTable:
      return CreateTable(to, ctx);
    case Kind::kColumn:
      return CreateColumn(to, ctx);
    case Kind::kDefault:
      return CreateDefault(to, ctx);
    case Kind::kConstraint:
      return CreateConstraint(to, ctx);
    case Kind::kIndex:
      return CreateIndex(to, ctx);
    case Kind::kView:
      return CreateView(to, ctx);
    case Kind::kTrigger:
      return CreateTrigger(to, ctx);
    case Kind::kPolicy:
      return CreatePolicy(to);
  }
  return {};
}

Chain DropChain(const ObjectRef& from, const PlanContext& ctx) {
  switch (from.kind) {
    case Kind::kSchema:
      return DropSchema(from);
    case Kind::kExtension:
      return DropExtension(from);
    case Kind::kDefaultPrivilege:
      return DefaultPrivilegeChain(from.key, from.default_privilege, nullptr);
    case Kind::kType:
      return DropType(from);
    case Kind::kSequence:
      return DropSequence(from);
    case Kind::kFunction:
      return DropFunction(from);
    case Kind::kTable:
      return DropTable(from);
    case Kind::kColumn:
      return DropColumn(from, ctx);
    case Kind::kDefault:
      return DropDefault(from, ctx);
    case Kind::kConstraint:
      return DropConstraint(from);
    case Kind::kIndex:
      return DropIndex(from, ctx);
    case Kind::kView:
      return DropView(from);
    case Kind::kTrigger:
      return DropTrigger(from);
    case Kind::kPolicy:
      return DropPolicy(from);
  }
  return {};
}

Chain AlterChain(const ObjectRef& from, const ObjectRef& to, const PlanContext& ctx) {
  switch (to.kind) {
    case Kind::kSchema:
      return AlterSchema(from, to);
    case Kind::kExtension:
      return AlterExtension(from, to);
    case Kind::kDefaultPrivilege:
      return DefaultPrivilegeChain(to.key, from.default_privilege, to.default_privilege);
    case Kind::kType:
      return AlterType(from, to);
    case Kind::kSequence:
      return AlterSequence(from, to);
    case Kind::kFunction:
      return AlterFunction(from, to);
    case Kind::kTable:
      return AlterTable(from, to, ctx);
    case Kind::kColumn:
      return AlterColumn(from, to, ctx);
    case Kind::kDefault:
      return {};  // column defaults change with their column
    case Kind::kConstraint:
      return AlterConstraint(from, to);
    case Kind::kIndex:
      return AlterIndex(from, to);
    case Kind::kView:
      return AlterView(from, to);
    case Kind::kTrigger:
      return AlterTrigger(from, to, ctx);
    case Kind::kPolicy:
      return AlterPolicy(from, to);
  }
  return {};
}

Chain ReplaceChain(const ObjectRef& from, const ObjectRef& to, const PlanContext& ctx) {
  if (from.kind == Kind::kIndex && to.kind == Kind::kIndex) return ReplaceIndex(from, to, ctx);
  Chain chain = DropChain(from, ctx);
  for (Action& a : CreateChain(to, ctx)) chain.push_back(std::move(a));
  return chain;
}

Chain RetypeChain(const ObjectRef& from, const ObjectRef& to, const PlanContext& ctx) {
  return RetypeType(from, to, ctx);
}

bool SameObject(const ObjectRef& from, const ObjectRef& to) {
  if (from.kind != to.kind) return false;
  switch (to.kind) {
    case Kind::kSchema:
      return *from.schema == *to.schema;
    case Kind::kExtension:
      return *from.extension == *to.extension;
    case Kind::kDefaultPrivilege:
      return *from.default_privilege == *to.default_privilege;
    case Kind::kType:
      return *from.type == *to.type;
    case Kind::kSequence:
      return *from.sequence == *to.sequence;
    case Kind::kFunction:
      return *from.function == *to.function;
    case Kind::kTable:
      return SameTableAttributes(*from.table, *to.table);
    case Kind::kColumn:
      return *from.column == *to.column;
    case Kind::kDefault:
      return from.column->default_expr == to.column->default_expr;
    case Kind::kConstraint:
      return *from.constraint == *to.constraint;
    case Kind::kIndex:
      return *from.index == *to.index;
    case Kind::kView:
      return *from.view == *to.view;
    case Kind::kTrigger:
      return *from.trigger == *to.trigger;
    case Kind::kPolicy:
      return *from.policy == *to.policy;
  }
  return false;
}

Fate ChangeFate(const ObjectRef& from, const ObjectRef& to) {
  if (from.kind != to.kind) return Fate::kReplace;
  switch (to.kind) {
    case Kind::kType:
      return TypeChangeFate(*from.type, *to.type);
    case Kind::kFunction:
      return FunctionChangeFate(*from.function, *to.function);
    case Kind::kTable:
      return TableChangeFate(*from.table, *to.table);
    case Kind::kColumn:
      return ColumnChangeFate(*from.column, *to.column);
    case Kind::kConstraint:
      return ConstraintChangeFate(*from.constraint, *to.constraint);
    case Kind::kIndex:
      return from.index->definition == to.index->definition &&
                     from.index->on_partitioned == to.index->on_partitioned
                 ? Fate::kAlter
                 : Fate::kReplace;
    case Kind::kView:
      return ViewChangeFate(*from.view, *to.view);
    case Kind::kTrigger:
      return TriggerChangeFate(*from.trigger, *to.trigger);
    case Kind::kPolicy:
      return PolicyChangeFate(*from.policy, *to.policy);
    default:
      return Fate::kAlter;
  }
}

}  // namespace spur::diff::schema
