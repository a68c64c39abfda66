#include "diff/schema/plan.h"

#include "diff/schema/object_keys.h"

namespace spur::diff::schema {

int rank::Of(Kind kind) {
  switch (kind) {
    case Kind::kSchema:
      return kSchema;
    case Kind::kExtension:
      return kExtension;
    case Kind::kDefaultPrivilege:
      return kDefaultPrivilege;
    case Kind::kType:
      return kType;
    case Kind::kSequence:
      return kSequence;
    case Kind::kFunction:
      return kFunction;
    case Kind::kTable:
      return kTable;
    case Kind::kColumn:
      return kColumn;
    case Kind::kDefault:
      return kDefault;
    case Kind::kConstraint:
      return kConstraint;
    case Kind::kIndex:
      return kIndex;
    case Kind::kView:
      return kView;
    case Kind::kTrigger:
      return kTrigger;
    case Kind::kPolicy:
      return kPolicy;
  }
  return kFinish;
}

Fate PlanContext::FateOf(const std::string& key) const {
  auto it = fates_.find(key);
  return it == fates_.end() ? Fate::kSame : it->second;
}

bool PlanContext::Created(const std::string& key) const {
  Fate f = FateOf(key);
  return f == Fate::kAdd || f == Fate::kReplace || f == Fate::kRecreate;
}

bool PlanContext::Dropped(const std::string& key) const {
  Fate f = FateOf(key);
  return f == Fate::kRemove || f == Fate::kReplace || f == Fate::kImplicitRemove ||
         f == Fate::kRecreate;
}

bool PlanContext::HasDependents(const std::string& key) const {
  long i = from_.IndexOf(key);
  if (i < 0) return false;
  for (const ObjectSet::Edge& e : from_.NeededBy(static_cast<size_t>(i))) {
    if (e.type == 'n') return true;
  }
  return false;
}

bool PlanContext::FromHasRelationNamed(const std::string& schema, const std::string& name) const {
  if (relation_names_.empty()) {
    const Catalog& c = from_.catalog();
    auto add = [&](const std::string& s, const std::string& n) {
      relation_names_.insert(s + '\0' + n);
    };
    for (const Table& t : c.tables) add(t.schema, t.name);
    for (const View& v : c.views) add(v.schema, v.name);
    for (const Sequence& s : c.sequences) add(s.schema, s.name);
    for (const Index& i : c.indexes) add(i.schema, i.name);
    for (const Constraint& k : c.constraints) {
      if (k.type == 'p' || k.type == 'u' || k.type == 'x') add(k.schema, k.name);
    }
    for (const Table& t : c.tables) {
      for (const Column& col : t.columns) {
        if (col.identity) add(col.identity->sequence_schema, col.identity->sequence_name);
      }
    }
    relation_names_.insert(std::string(1, '\0'));  // never empty once filled
  }
  return relation_names_.count(schema + '\0' + name) > 0;
}

Statement Sql(std::string sql, const std::string& object, std::vector<Hazard> hazards) {
  return Statement{std::move(sql), true, std::move(hazards), object};
}

Statement OutsideTransaction(std::string sql, const std::string& object,
                             std::vector<Hazard> hazards) {
  return Statement{std::move(sql), false, std::move(hazards), object};
}

Action MakeAction(const std::string& key, Step step, int rank, std::vector<Statement> statements,
                  Lane lane) {
  Action a;
  a.key = key;
  a.step = step;
  a.lane = lane;
  a.rank = rank;
  a.statements = std::move(statements);
  return a;
}

}  // namespace spur::diff::schema
