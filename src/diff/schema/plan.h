// Internal to the diff: what happens to each object (its Fate) and the
// Actions that carry it out, before they are put in dependency order.
//
// An Action is one step on one object: a drop (or what an alter gives up
// first: a column's old default, identity or expression), a create, an
// in-place alter, or a finishing step (OWNED BY, ATTACH PARTITION, dropping a
// renamed-away type). Its statements all run in the same lane: kEarly (index builds and
// enum values, outside transactions, as soon as what they need exists), kDdl
// (in transaction blocks) or kLate (validations and concurrent index drops,
// outside transactions). The builders return short chains of Actions, each
// to run after the one before (ordering.h).
#pragma once

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "diff/schema/object_set.h"
#include "diff/schema/schema_diff.h"

namespace spur::diff::schema {

enum class Fate {
  kSame,            // in both catalogs and equal, or left out by the table filter
  kAdd,             // only in `to`: created
  kRemove,          // only in `from`: dropped
  kAlter,           // in both, changed in place
  kReplace,         // in both: dropped, then created as in `to`
  kImplicitRemove,  // only in `from`: goes away with the object it belongs to
  kRecreate,        // dropped with the object it belongs to, created again as in `to`
  kRetype,          // types: renamed away, created anew, users converted, old one dropped
};

enum class Step { kDrop, kCreate, kAlter, kFinish };
enum class Lane { kEarly, kDdl, kLate };

struct Action {
  std::string key;  // the object it works on
  Step step = Step::kCreate;
  Lane lane = Lane::kDdl;
  int rank = 0;  // among actions ready at once, lower runs first
  std::vector<Statement> statements;
  // Keys this action also creates or drops (a table's columns and defaults in
  // CREATE TABLE; what a DROP takes with it): dependencies on them bind here.
  std::vector<std::string> covers;
  // A create that may run before the object's own drop (an index built under
  // a temporary name and renamed later).
  bool before_drop = false;
  // Runs after the finishing steps of these objects (what a partition keeps
  // once detached goes after the DETACH).
  std::vector<std::string> after_finish_of;
};
using Chain = std::vector<Action>;

// Ranks: creates in this order, drops in the reverse one (negated). Default
// privileges come first so that the objects created after get them.
namespace rank {
inline constexpr int kDefaultPrivilege = 5, kSchema = 10, kExtension = 20, kType = 30,
                     kSequence = 40, kFunction = 50, kTable = 60, kColumn = 70, kDefault = 72,
                     kConstraint = 80, kIndex = 85, kForeignKey = 90, kView = 100, kTrigger = 110,
                     kPolicy = 120, kFinish = 130;
int Of(Kind kind);
}  // namespace rank

// The two catalogs and every object's fate, as the builders see them.
class PlanContext {
 public:
  PlanContext(const ObjectSet& from, const ObjectSet& to) : from_(from), to_(to) {}

  const ObjectSet& from() const { return from_; }
  const ObjectSet& to() const { return to_; }
  Fate FateOf(const std::string& key) const;
  void SetFate(const std::string& key, Fate fate) { fates_[key] = fate; }
  const std::unordered_map<std::string, Fate>& fates() const { return fates_; }

  // Made anew by this plan (added, replaced or recreated): its indexes and
  // constraints need no online forms, it holds no rows.
  bool Created(const std::string& key) const;
  // Gone (or going) with the plan: removed, replaced, recreated.
  bool Dropped(const std::string& key) const;

  // Columns whose type is recreated under them (enum reordered, domain
  // rebased): converted with ALTER COLUMN ... TYPE ... USING.
  void MarkConverted(const std::string& column_key) { converted_.insert(column_key); }
  bool Converted(const std::string& column_key) const { return converted_.count(column_key) > 0; }

  // Objects whose drop forces others to be dropped and created again.
  void MarkBreaksDependents(const std::string& key) { breaks_.insert(key); }
  bool BreaksDependents(const std::string& key) const { return breaks_.count(key) > 0; }

  // True when something in `from` depends on `key` other than by belonging to it.
  bool HasDependents(const std::string& key) const;
  // True when `from` has a relation (table, view, sequence, index, or a
  // constraint's index) named `name` in `schema`.
  bool FromHasRelationNamed(const std::string& schema, const std::string& name) const;

 private:
  const ObjectSet& from_;
  const ObjectSet& to_;
  std::unordered_map<std::string, Fate> fates_;
  std::unordered_set<std::string> converted_;
  std::unordered_set<std::string> breaks_;
  mutable std::unordered_set<std::string> relation_names_;  // filled on first use
};

// Statement helpers for the builders.
Statement Sql(std::string sql, const std::string& object, std::vector<Hazard> hazards = {});
Statement OutsideTransaction(std::string sql, const std::string& object,
                             std::vector<Hazard> hazards = {});
Action MakeAction(const std::string& key, Step step, int rank, std::vector<Statement> statements,
                  Lane lane = Lane::kDdl);

}  // namespace spur::diff::schema
