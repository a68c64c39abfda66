#include "sync/plan.h"

#include <map>
#include <set>

#include "mask/pii.h"

namespace spur::sync {
namespace {

using ColumnKey = std::pair<std::string, std::string>;  // qualified table, column

struct Effective {
  mask::TransformSpec spec;
  ColumnKey origin;  // where the rule is written
};

bool IsKeep(const mask::TransformSpec& s) { return s.kind == mask::Kind::kKeep; }

std::string Name(const ColumnKey& k) { return k.first + "." + k.second; }

bool SameSpec(const mask::TransformSpec& a, const mask::TransformSpec& b) {
  if (a.kind != b.kind || a.days != b.days || a.generalize != b.generalize ||
      a.percent != b.percent || a.value != b.value || a.keep_first != b.keep_first ||
      a.keep_last != b.keep_last || a.mask_char != b.mask_char || a.pattern != b.pattern ||
      a.replace != b.replace || a.json_paths.size() != b.json_paths.size()) {
    return false;
  }
  for (size_t i = 0; i < a.json_paths.size(); ++i) {
    if (a.json_paths[i].first != b.json_paths[i].first ||
        !SameSpec(a.json_paths[i].second, b.json_paths[i].second)) {
      return false;
    }
  }
  return true;
}

const pg::Column* FindColumn(const pg::Table& t, const std::string& name) {
  for (const auto& c : t.columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

// Own rules from the config, checked against the schema.
Result<std::map<ColumnKey, Effective>> OwnRules(const pg::Schema& schema,
                                                const mask::MaskConfig& config) {
  std::map<ColumnKey, Effective> own;
  for (const auto& [name, columns] : config.tables) {
    const pg::Table* table = nullptr;
    for (const auto& t : schema.tables) {
      if (t.schema == name.schema && t.name == name.name) table = &t;
    }
    if (table == nullptr) {
      return InvalidArgument("mask rules name table " + name.ToString() +
                             ", which the source does not have; fix or remove it");
    }
    for (const auto& [column, spec] : columns) {
      if (FindColumn(*table, column) == nullptr) {
        return InvalidArgument("mask rules name column " + table->qualified + "." + column +
                               ", which the source does not have; fix or remove it");
      }
      own[{table->qualified, column}] = Effective{spec, {table->qualified, column}};
    }
  }
  return own;
}

// Rules inherited along foreign keys, to a fixed point (chains of FKs, in
// any order): a referencing column takes its key's rule and the key's
// origin; the same rule written again lower down is accepted and follows
// the origin too. Conflicts are judged once nothing changes any more.
Status Propagate(const pg::Schema& schema, std::map<ColumnKey, Effective>& rules) {
  auto masked = [&](const ColumnKey& k) {
    auto it = rules.find(k);
    return it != rules.end() && !IsKeep(it->second.spec) ? &it->second : nullptr;
  };
  const size_t limit = 2 * schema.foreign_keys.size() + 2;
  for (size_t round = 0; round < limit; ++round) {
    bool changed = false;
    for (const auto& fk : schema.foreign_keys) {
      for (size_t i = 0; i < fk.columns.size(); ++i) {
        Effective* parent = masked({fk.ref_table, fk.ref_columns[i]});
        if (parent == nullptr) continue;
        ColumnKey child{fk.table, fk.columns[i]};
        Effective* mine = masked(child);
        if (mine == nullptr) {
          rules[child] = *parent;
          changed = true;
        } else if (SameSpec(mine->spec, parent->spec) && mine->origin != parent->origin) {
          mine->origin = parent->origin;
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  for (const auto& fk : schema.foreign_keys) {
    for (size_t i = 0; i < fk.columns.size(); ++i) {
      ColumnKey child{fk.table, fk.columns[i]}, key{fk.ref_table, fk.ref_columns[i]};
      const Effective* parent = masked(key);
      const Effective* mine = masked(child);
      if (mine == nullptr) continue;
      if (parent == nullptr) {
        return InvalidArgument("mask rule on " + Name(child) + " but it references " + Name(key) +
                               ", which has none; put the rule on " + Name(key) +
                               " and it applies to every column referencing it");
      }
      if (!SameSpec(mine->spec, parent->spec)) {
        return InvalidArgument("mask rule on " + Name(child) + " differs from the rule on " +
                               Name(key) + ", which it references; remove the rule on " +
                               Name(child) + " (it follows its key)");
      }
    }
  }
  return Status::Ok();
}

Result<std::map<ColumnKey, Effective>> EffectiveRules(const pg::Schema& schema,
                                                      const mask::MaskConfig& config) {
  ASSIGN_OR_RETURN(auto rules, OwnRules(schema, config));
  RETURN_IF_ERROR(Propagate(schema, rules));
  return rules;
}

// The rule for a column of `table`: its own, else the nearest ancestor's
// (partitioned parents and INHERITS parents, at any depth), so a rule on a
// parent covers every descendant that has the column.
const Effective* RuleFor(const pg::Schema& schema, const std::map<ColumnKey, Effective>& rules,
                         const pg::Table& table, const std::string& column) {
  auto it = rules.find({table.qualified, column});
  if (it != rules.end()) return &it->second;
  for (const pg::Table* t : schema.Ancestors(table)) {
    it = rules.find({t->qualified, column});
    if (it != rules.end()) return &it->second;
  }
  return nullptr;
}

// The type transformers see: domains resolved to their base type.
const std::string& MaskType(const pg::Column& c) {
  return c.resolved_type.empty() ? c.type : c.resolved_type;
}

std::string ColumnList(const pg::Table& t) {
  std::string list = "(";
  for (const auto& c : t.columns) {
    if (c.generated) continue;
    if (list.size() > 1) list += ", ";
    list += QuoteIdent(c.name);
  }
  return list + ")";
}

// A key's rule must compute the same function on every column referencing
// it, so it runs with the key's type. Integer keys of different widths
// would map to different ranges: refused.
Result<std::string> OriginType(const pg::Schema& schema, const pg::Table& t, const pg::Column& c,
                               const ColumnKey& origin) {
  const pg::Table* ot = schema.Find(origin.first);
  const pg::Column* oc = ot != nullptr ? FindColumn(*ot, origin.second) : nullptr;
  if (oc == nullptr || oc == &c) return MaskType(c);
  static const std::set<std::string> kInts = {"int2",     "int4",    "int8",
                                              "smallint", "integer", "bigint"};
  if (oc->base_type != c.base_type && (kInts.count(oc->base_type) || kInts.count(c.base_type))) {
    return InvalidArgument(t.qualified + "." + c.name + " (" + c.type + ") references " +
                           Name(origin) + " (" + oc->type +
                           "), masked as one key: give both columns the same type, or mask "
                           "the key with a text rule");
  }
  return MaskType(*oc);
}

}  // namespace

std::vector<UnruledColumn> FindUnruledColumns(const pg::Schema& schema,
                                              const mask::MaskConfig& config) {
  if (config.strict == mask::Strictness::kOff) return {};
  std::map<ColumnKey, Effective> rules;
  auto own = OwnRules(schema, config);
  if (own.ok()) {
    rules = *own;
    Propagate(schema, rules).IgnoreError();
  }
  auto is_todo = [&](const pg::Table& t, const std::string& column) {
    auto it = config.todo.find(mask::TableRef{t.schema, t.name});
    return it != config.todo.end() && it->second.count(column) != 0;
  };
  auto ruled = [&](const pg::Table& t, const std::string& column) {
    return !is_todo(t, column) && RuleFor(schema, rules, t, column) != nullptr;
  };
  // kAll: a column referencing a covered column holds that column's values.
  std::set<ColumnKey> covered;
  if (config.strict == mask::Strictness::kAll) {
    for (size_t round = 0; round <= schema.foreign_keys.size(); ++round) {
      bool changed = false;
      for (const auto& fk : schema.foreign_keys) {
        const pg::Table* ref = schema.Find(fk.ref_table);
        const pg::Table* from = schema.Find(fk.table);
        if (ref == nullptr || from == nullptr) continue;
        for (size_t i = 0; i < fk.columns.size(); ++i) {
          const ColumnKey key{fk.ref_table, fk.ref_columns[i]};
          if (!ruled(*ref, key.second) && covered.count(key) == 0) continue;
          changed |= covered.insert({fk.table, fk.columns[i]}).second;
        }
      }
      if (!changed) break;
    }
  }
  std::vector<UnruledColumn> out;
  for (const auto& t : schema.tables) {
    if (t.partition_of) continue;  // partitions share their parent's columns
    for (const auto& c : t.columns) {
      if (c.generated) continue;
      if (is_todo(t, c.name)) {
        out.push_back({t.qualified, c.name, "todo"});
        continue;
      }
      if (ruled(t, c.name) || covered.count({t.qualified, c.name}) != 0) continue;
      auto category = mask::PersonalCategory(c.name, c.base_type);
      if (!category && config.strict == mask::Strictness::kGuess) continue;
      out.push_back({t.qualified, c.name, category.value_or("no rule")});
    }
  }
  return out;
}

std::string DescribeUnruled(const std::vector<UnruledColumn>& columns, size_t max) {
  std::string out;
  for (size_t i = 0; i < columns.size() && i < max; ++i) {
    if (!out.empty()) out += ", ";
    out += columns[i].table + "." + columns[i].column + " (" + columns[i].category + ")";
  }
  if (columns.size() > max) out += " and " + std::to_string(columns.size() - max) + " more";
  return out;
}

Result<Plan> BuildPlan(const pg::Schema& schema, const mask::MaskConfig* config,
                       const mask::MaskKey& key) {
  std::map<ColumnKey, Effective> rules;
  if (config != nullptr) {
    ASSIGN_OR_RETURN(rules, EffectiveRules(schema, *config));
  }
  Plan plan;
  plan.mask = nlohmann::json::object();
  for (const auto& t : schema.tables) {
    if (!t.leaf()) continue;
    TablePlan tp;
    tp.table = &t;
    tp.columns = ColumnList(t);
    std::vector<const mask::Transformer*> per_column;
    bool any = false;
    for (const auto& c : t.columns) {
      if (c.generated) continue;
      const Effective* rule = RuleFor(schema, rules, t, c.name);
      if (rule == nullptr || IsKeep(rule->spec)) {
        per_column.push_back(nullptr);
        continue;
      }
      ASSIGN_OR_RETURN(std::string type, OriginType(schema, t, c, rule->origin));
      mask::ColumnInfo info{t.qualified, c.name, type,
                            schema.IsKeyColumn(rule->origin.first, rule->origin.second)};
      ASSIGN_OR_RETURN(auto transformer, mask::MakeTransformer(rule->spec, info, key));
      per_column.push_back(transformer.get());
      tp.transformers.push_back(std::move(transformer));
      std::string via = rule->origin == ColumnKey{t.qualified, c.name} ? "" : Name(rule->origin);
      tp.rules.push_back({c.name, rule->spec, via});
      nlohmann::json entry = {{"rule", mask::KindName(rule->spec.kind)}, {"type", c.type}};
      if (!via.empty()) entry["via"] = via;
      for (const auto& [path, sub] : rule->spec.json_paths) {
        entry["paths"][path] = mask::KindName(sub.kind);
      }
      plan.mask[t.qualified][c.name] = entry;
      any = true;
    }
    if (any) tp.masker = std::make_unique<mask::RowMasker>(t.qualified, std::move(per_column));
    plan.tables.push_back(std::move(tp));
  }
  return plan;
}

}  // namespace spur::sync
