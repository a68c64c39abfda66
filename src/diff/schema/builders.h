// The builders: for each kind of object, the Actions that create, drop or
// alter one, and whether a change can be made in place. Internal to the diff.
//
// A builder looks only at its object, the two ObjectSets and the fates
// (PlanContext); ordering between objects is not its business (ordering.h).
#pragma once

#include <string>
#include <vector>

#include "diff/schema/plan.h"

namespace spur::diff::schema {

// Dispatch on the object's kind.
Chain CreateChain(const ObjectRef& to, const PlanContext& ctx);
Chain DropChain(const ObjectRef& from, const PlanContext& ctx);
Chain AlterChain(const ObjectRef& from, const ObjectRef& to, const PlanContext& ctx);
// Drop and create again; some kinds do better than DropChain + CreateChain
// (an index is rebuilt under a temporary name and swapped in).
Chain ReplaceChain(const ObjectRef& from, const ObjectRef& to, const PlanContext& ctx);
// Types whose change cannot be made in place: rename the old one away, create
// the new one, convert the columns (kRetype), drop the old one.
Chain RetypeChain(const ObjectRef& from, const ObjectRef& to, const PlanContext& ctx);
// kAlter, kReplace or kRetype for two unequal versions of an object.
Fate ChangeFate(const ObjectRef& from, const ObjectRef& to);
// True when the two versions are the same object (tables compare without
// their columns, which are objects of their own).
bool SameObject(const ObjectRef& from, const ObjectRef& to);

// Per kind (build_*.cc).
Chain CreateSchema(const ObjectRef& to, const PlanContext& ctx);
Chain DropSchema(const ObjectRef& from);
Chain AlterSchema(const ObjectRef& from, const ObjectRef& to);
Chain CreateExtension(const ObjectRef& to);
Chain DropExtension(const ObjectRef& from);
Chain AlterExtension(const ObjectRef& from, const ObjectRef& to);

Chain CreateType(const ObjectRef& to, const PlanContext& ctx);
Chain DropType(const ObjectRef& from);
Chain AlterType(const ObjectRef& from, const ObjectRef& to);
Chain RetypeType(const ObjectRef& from, const ObjectRef& to, const PlanContext& ctx);
Fate TypeChangeFate(const Type& from, const Type& to);
Chain CreateSequence(const ObjectRef& to, const PlanContext& ctx);
Chain DropSequence(const ObjectRef& from);
Chain AlterSequence(const ObjectRef& from, const ObjectRef& to);

Chain CreateFunction(const ObjectRef& to, const PlanContext& ctx);
Chain DropFunction(const ObjectRef& from);
Chain AlterFunction(const ObjectRef& from, const ObjectRef& to);
Fate FunctionChangeFate(const Function& from, const Function& to);
Chain CreateTrigger(const ObjectRef& to, const PlanContext& ctx);
Chain DropTrigger(const ObjectRef& from);
Chain AlterTrigger(const ObjectRef& from, const ObjectRef& to, const PlanContext& ctx);
Fate TriggerChangeFate(const Trigger& from, const Trigger& to);
Chain CreatePolicy(const ObjectRef& to);
Chain DropPolicy(const ObjectRef& from);
Chain AlterPolicy(const ObjectRef& from, const ObjectRef& to);
Fate PolicyChangeFate(const Policy& from, const Policy& to);

Chain CreateTable(const ObjectRef& to, const PlanContext& ctx);
Chain DropTable(const ObjectRef& from);
Chain AlterTable(const ObjectRef& from, const ObjectRef& to, const PlanContext& ctx);
Fate TableChangeFate(const Table& from, const Table& to);
bool SameTableAttributes(const Table& a, const Table& b);

Chain CreateColumn(const ObjectRef& to, const PlanContext& ctx);
Chain DropColumn(const ObjectRef& from, const PlanContext& ctx);
Chain AlterColumn(const ObjectRef& from, const ObjectRef& to, const PlanContext& ctx);
Fate ColumnChangeFate(const Column& from, const Column& to);
Chain CreateDefault(const ObjectRef& to, const PlanContext& ctx);
Chain DropDefault(const ObjectRef& from, const PlanContext& ctx);
// "name type [COLLATE c] [DEFAULT e | GENERATED ...] [NOT NULL]", as in CREATE TABLE.
std::string ColumnDefinition(const Column& c);
// Statements that bring an inherited column of a new or changed child table
// from `base` (what it gets from its parent) to `to`: defaults, NOT NULL,
// comment, privileges.
std::vector<Statement> ColumnTouchUps(const Table& table, const Column& base, const Column& to,
                                      const std::string& object);
// The column `name` of the first parent of `table` in `set` that has it.
const Column* ParentColumn(const ObjectSet& set, const Table& table, const std::string& name);

Chain CreateIndex(const ObjectRef& to, const PlanContext& ctx);
Chain DropIndex(const ObjectRef& from, const PlanContext& ctx);
Chain AlterIndex(const ObjectRef& from, const ObjectRef& to);
Chain ReplaceIndex(const ObjectRef& from, const ObjectRef& to, const PlanContext& ctx);
Chain CreateConstraint(const ObjectRef& to, const PlanContext& ctx);
Chain DropConstraint(const ObjectRef& from);
Chain AlterConstraint(const ObjectRef& from, const ObjectRef& to);
Fate ConstraintChangeFate(const Constraint& from, const Constraint& to);

Chain CreateView(const ObjectRef& to, const PlanContext& ctx);
Chain DropView(const ObjectRef& from);
Chain AlterView(const ObjectRef& from, const ObjectRef& to);
Fate ViewChangeFate(const View& from, const View& to);

}  // namespace spur::diff::schema
