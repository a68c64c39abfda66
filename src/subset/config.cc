#include "subset/config.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <set>

#include "common/untrusted_text.h"

namespace spur::subset {
namespace {

// "subset.yaml line 3", or "subset.yaml" when yaml-cpp knows no position.
std::string Where(const YAML::Mark& mark) {
  if (mark.line < 0) return "subset.yaml";
  return "subset.yaml line " + std::to_string(mark.line + 1);
}

int Line(const YAML::Node& node) { return node.Mark().line < 0 ? 0 : node.Mark().line + 1; }

std::string Describe(const YAML::Node& node) {
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  if (node.IsScalar()) return "\"" + node.Scalar() + "\"";
  return "nothing";
}

Status Error(const YAML::Node& at, const std::string& what) {
  return InvalidArgument(Where(at.Mark()) + ": " + what);
}

// `label` names the entry in errors: "others" or "tables: public.audit_log".
Result<Others> ParseOthers(const std::string& label, const YAML::Node& key,
                           const YAML::Node& value) {
  if (value.IsScalar() && value.Scalar() == "all") return Others::kAll;
  if (value.IsScalar() && value.Scalar() == "none") return Others::kNone;
  return Error(value.IsNull() ? key : value,
               label + ": expected all or none, found " + Describe(value));
}

Result<double> ParsePercent(const std::string& what, const YAML::Node& value) {
  double p = 0;
  if (!value.IsScalar() || !YAML::convert<double>::decode(value, p) || !std::isfinite(p)) {
    return Error(value, what + ": percent: expected a number, found " + Describe(value));
  }
  if (p <= 0 || p > 100) {
    return Error(value, what + ": percent: " + value.Scalar() + " is outside (0, 100]");
  }
  return p;
}

Result<RootSpec> ParseRoot(const YAML::Node& key, const YAML::Node& value) {
  RootSpec root{.table = key.Scalar(), .percent = {}, .where = {}, .line = Line(key)};
  const std::string what = "root " + root.table;
  if (!value.IsMap()) {
    return Error(key,
                 what + ": expected {percent: N} or {where: \"...\"}, found " + Describe(value));
  }
  for (const auto& kv : value) {
    const std::string name = kv.first.Scalar();
    if (name == "percent") {
      ASSIGN_OR_RETURN(root.percent, ParsePercent(what, kv.second));
    } else if (name == "where") {
      if (!kv.second.IsScalar() || kv.second.Scalar().empty()) {
        return Error(kv.first,
                     what + ": where: expected an SQL condition, found " + Describe(kv.second));
      }
      if (!IsValidUtf8(kv.second.Scalar())) {
        return Error(kv.first, what +
                                   ": where: not UTF-8 (an escape such as \\_ or \\N in a quoted "
                                   "string?); write the characters themselves");
      }
      root.where = kv.second.Scalar();
    } else {
      return Error(kv.first,
                   what + ": unknown key \"" + name + "\"; a root takes percent or where");
    }
  }
  if (root.percent && root.where) {
    return Error(key, what + ": has both percent and where; use one of them");
  }
  if (!root.percent && !root.where) {
    return Error(key, what + ": needs percent or where");
  }
  return root;
}

Status ParseRoots(const YAML::Node& key, const YAML::Node& value, SubsetConfig& c) {
  if (!value.IsMap() || value.size() == 0) {
    return Error(key,
                 "roots: expected a mapping of table to {percent: N} or {where: \"...\"}, "
                 "found " +
                     Describe(value));
  }
  std::set<std::string> seen;
  for (const auto& kv : value) {
    if (!kv.first.IsScalar()) return Error(kv.first, "roots: expected a table name");
    if (!seen.insert(kv.first.Scalar()).second) {
      return Error(kv.first, "roots: table " + kv.first.Scalar() + " appears twice");
    }
    ASSIGN_OR_RETURN(RootSpec root, ParseRoot(kv.first, kv.second));
    c.roots.push_back(std::move(root));
  }
  return Status::Ok();
}

Status ParseTables(const YAML::Node& key, const YAML::Node& value, SubsetConfig& c) {
  if (!value.IsMap()) {
    return Error(key,
                 "tables: expected a mapping of table to all or none, found " + Describe(value));
  }
  std::set<std::string> seen;
  for (const auto& kv : value) {
    if (!kv.first.IsScalar()) return Error(kv.first, "tables: expected a table name");
    if (!seen.insert(kv.first.Scalar()).second) {
      return Error(kv.first, "tables: table " + kv.first.Scalar() + " appears twice");
    }
    ASSIGN_OR_RETURN(Others rows, ParseOthers("tables: " + kv.first.Scalar(), kv.first, kv.second));
    c.tables.push_back(
        TableOverride{.table = kv.first.Scalar(), .rows = rows, .line = Line(kv.first)});
  }
  return Status::Ok();
}

Status ParseKey(const YAML::Node& key, const YAML::Node& value, SubsetConfig& c) {
  const std::string name = key.Scalar();
  if (name == "roots") return ParseRoots(key, value, c);
  if (name == "tables") return ParseTables(key, value, c);
  if (name == "others") {
    ASSIGN_OR_RETURN(c.others, ParseOthers("others", key, value));
    return Status::Ok();
  }
  if (name == "children") {
    if (!value.IsScalar() || !YAML::convert<bool>::decode(value, c.children)) {
      return Error(key, "children: expected true or false, found " + Describe(value));
    }
    return Status::Ok();
  }
  if (name == "seed") {
    if (!value.IsScalar() || !YAML::convert<int64_t>::decode(value, c.seed)) {
      return Error(key, "seed: expected an integer, found " + Describe(value));
    }
    return Status::Ok();
  }
  return Error(key, "unknown key \"" + name +
                        "\"; known keys: roots, children, others, "
                        "tables, seed");
}

Result<SubsetConfig> ParseDocument(const YAML::Node& doc) {
  if (!doc.IsMap()) {
    return Error(doc, "expected a mapping with roots:, found " + Describe(doc));
  }
  SubsetConfig config;
  std::set<std::string> seen;
  for (const auto& kv : doc) {
    if (!kv.first.IsScalar()) return Error(kv.first, "keys must be plain names");
    if (!seen.insert(kv.first.Scalar()).second) {
      return Error(kv.first, "key \"" + kv.first.Scalar() + "\" appears twice");
    }
    RETURN_IF_ERROR(ParseKey(kv.first, kv.second, config));
  }
  if (config.roots.empty()) {
    return InvalidArgument("subset.yaml: no roots; name at least one table under roots:");
  }
  return config;
}

}  // namespace

Result<SubsetConfig> ParseSubsetConfig(std::string_view yaml_text) {
  RETURN_IF_ERROR(CheckTextFile("subset.yaml", yaml_text));
  try {
    return ParseDocument(YAML::Load(std::string(yaml_text)));
  } catch (const YAML::Exception& e) {
    return InvalidArgument(Where(e.mark) + ": " + e.msg);
  }
}

const char* OthersName(Others o) { return o == Others::kAll ? "all" : "none"; }

}  // namespace spur::subset
