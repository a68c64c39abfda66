#include "diff/schema/fates.h"

#include <algorithm>
#include <deque>

#include "diff/schema/builders.h"
#include "diff/schema/sql_text.h"

namespace spur::diff::schema {
namespace {}  // namespace

bool Attached(const ObjectRef* o) {
  if (o == nullptr) return false;
  if (o->kind == Kind::kIndex) return o->index->attached;
  if (o->kind == Kind::kConstraint) return o->constraint->attached;
  return false;
}

bool LeavesParent(const PlanContext& ctx, const std::string& schema, const std::string& name) {
  const Table* f = ctx.from().FindTable(schema, name);
  const Table* t = ctx.to().FindTable(schema, name);
  if (f == nullptr || t == nullptr) return false;
  if (f->partition_of &&
      (f->partition_of != t->partition_of || f->partition_bound != t->partition_bound)) {
    return true;
  }
  for (const TableName& p : f->inherits) {
    if (std::find(t->inherits.begin(), t->inherits.end(), p) == t->inherits.end()) return true;
  }
  return false;
}

namespace {

// Indexes and constraints a partition has from its parent are left alone:
// they follow the parent. Only when the table leaves its parent do they stay
// behind as its own, and are then compared with what `to` has.
void ClassifyAttached(PlanContext& ctx, const ObjectRef* f, const ObjectRef* t) {
  const ObjectRef* o = f ? f : t;
  std::string schema = o->kind == Kind::kIndex ? o->index->schema : o->constraint->schema;
  std::string table = o->kind == Kind::kIndex ? o->index->table : o->constraint->table;
  if (!Attached(f) || !LeavesParent(ctx, schema, table)) return;
  if (t == nullptr) {
    ctx.SetFate(f->key, Fate::kRemove);
    return;
  }
  if (Attached(t)) return;  // attached again, to its new parent
  ObjectRef plain = *f;
  Index index;
  Constraint constraint;
  if (f->kind == Kind::kIndex) {
    index = *f->index;
    index.attached = false;
    plain.index = &index;
  } else {
    constraint = *f->constraint;
    constraint.attached = false;
    plain.constraint = &constraint;
  }
  if (!SameObject(plain, *t)) ctx.SetFate(f->key, ChangeFate(plain, *t));
}

void Classify(PlanContext& ctx) {
  for (const ObjectRef& f : ctx.from().objects()) {
    if (f.kind == Kind::kDefault) continue;  // defaults change with their column
    const ObjectRef* t = ctx.to().Find(f.key);
    if (Attached(&f) || Attached(t)) {
      ClassifyAttached(ctx, &f, t);
    } else if (t == nullptr) {
      ctx.SetFate(f.key, Fate::kRemove);
    } else if (!SameObject(f, *t)) {
      ctx.SetFate(f.key, ChangeFate(f, *t));
    }
  }
  for (const ObjectRef& t : ctx.to().objects()) {
    if (t.kind != Kind::kDefault && !Attached(&t) && ctx.from().Find(t.key) == nullptr) {
      ctx.SetFate(t.key, Fate::kAdd);
    }
  }
}

// The table an object belongs to, for the table filter.
std::optional<TableName> TableOf(const ObjectRef& o) {
  switch (o.kind) {
    case Kind::kTable:
    case Kind::kColumn:
    case Kind::kDefault:
      return TableName{o.table->schema, o.table->name};
    case Kind::kIndex:
      return TableName{o.index->schema, o.index->table};
    case Kind::kConstraint:
      return TableName{o.constraint->schema, o.constraint->table};
    case Kind::kTrigger:
      return TableName{o.trigger->schema, o.trigger->table};
    case Kind::kPolicy:
      return TableName{o.policy->schema, o.policy->table};
    case Kind::kSequence:
      if (const auto& by = o.sequence->owned_by) return TableName{by->schema, by->table};
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

bool Matches(const std::vector<std::string>& filter, const TableName& t) {
  for (const std::string& e : filter) {
    if (e == t.name || e == QuoteIdent(t.name) || e == t.schema + "." + t.name ||
        e == Qualified(t.schema, t.name)) {
      return true;
    }
  }
  return false;
}

void ApplyFilter(PlanContext& ctx, const std::vector<std::string>& filter) {
  if (filter.empty()) return;
  std::vector<std::string> outside;
  for (const auto& [key, fate] : ctx.fates()) {
    const ObjectRef* o = ctx.to().Find(key);
    if (o == nullptr) o = ctx.from().Find(key);
    std::optional<TableName> table = o ? TableOf(*o) : std::nullopt;
    if (!table || !Matches(filter, *table)) outside.push_back(key);
  }
  for (const std::string& key : outside) ctx.SetFate(key, Fate::kSame);
}

bool Gone(Fate f) {
  return f == Fate::kRemove || f == Fate::kReplace || f == Fate::kImplicitRemove ||
         f == Fate::kRecreate;
}

bool TypeChanges(const PlanContext& ctx, const ObjectRef& column) {
  if (column.kind != Kind::kColumn) return false;
  if (ctx.Converted(column.key)) return true;
  const ObjectRef* t = ctx.to().Find(column.key);
  return t != nullptr && ctx.FateOf(column.key) == Fate::kAlter &&
         (t->column->type != column.column->type ||
          t->column->collation != column.column->collation);
}

// postgres rebuilds indexes and constraints on a column whose type changes,
// but refuses while views, triggers, policies or generated columns use it.
bool BlocksTypeChange(const ObjectRef& dependent) {
  switch (dependent.kind) {
    case Kind::kView:
    case Kind::kTrigger:
    case Kind::kPolicy:
      return true;
    case Kind::kColumn:
      return dependent.column->generated.has_value();
    default:
      return false;
  }
}

class Cascade {
 public:
  explicit Cascade(PlanContext& ctx) : ctx_(ctx) {}

  void Run() {
    const auto& objects = ctx_.from().objects();
    for (size_t i = 0; i < objects.size(); ++i) {
      Fate f = ctx_.FateOf(objects[i].key);
      if (Gone(f) || f == Fate::kRetype || TypeChanges(ctx_, objects[i])) work_.push_back(i);
    }
    while (!work_.empty()) {
      size_t i = work_.front();
      work_.pop_front();
      Visit(i);
    }
  }

 private:
  void Set(size_t i, Fate fate) {
    ctx_.SetFate(ctx_.from().objects()[i].key, fate);
    work_.push_back(i);
  }

  void Visit(size_t i) {
    const ObjectRef& o = ctx_.from().objects()[i];
    Fate fate = ctx_.FateOf(o.key);
    bool dropped = Gone(fate);
    bool retyped = fate == Fate::kRetype;
    bool type_changes = TypeChanges(ctx_, o);
    for (const ObjectSet::Edge& e : ctx_.from().NeededBy(i)) {
      const ObjectRef& d = ctx_.from().objects()[e.object];
      Fate df = ctx_.FateOf(d.key);
      bool in_to = ctx_.to().Find(d.key) != nullptr;
      if (dropped && (e.type == 'a' || e.type == 'i')) {
        // It belongs to `o` and goes with it.
        if (df == Fate::kImplicitRemove || df == Fate::kRecreate) continue;
        Set(e.object, in_to && df != Fate::kRemove ? Fate::kRecreate : Fate::kImplicitRemove);
        continue;
      }
      if (Gone(df) || df == Fate::kRetype) continue;
      if (!dropped && !retyped && !(type_changes && BlocksTypeChange(d))) continue;
      if (in_to) ctx_.MarkBreaksDependents(o.key);
      if (!in_to) {
        Set(e.object, Fate::kRemove);
      } else if (retyped && d.kind == Kind::kColumn && !d.column->generated) {
        if (ctx_.Converted(d.key)) continue;
        ctx_.MarkConverted(d.key);
        if (df == Fate::kSame) ctx_.SetFate(d.key, Fate::kAlter);
        work_.push_back(e.object);
      } else if (retyped && d.kind == Kind::kType) {
        Set(e.object, Fate::kRetype);
      } else {
        Set(e.object, Fate::kReplace);
      }
    }
  }

  PlanContext& ctx_;
  std::deque<size_t> work_;
};

}  // namespace

FateMap DecideFates(PlanContext& ctx, const DiffOptions& options) {
  Classify(ctx);
  ApplyFilter(ctx, options.tables);
  FateMap roots = ctx.fates();
  Cascade(ctx).Run();
  return roots;
}

}  // namespace spur::diff::schema
