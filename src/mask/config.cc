#include "mask/config.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "common/crypto.h"
#include "common/untrusted_text.h"
#include "mask/config_rule.h"
#include "os/fs.h"

namespace spur::mask {
namespace {

constexpr std::string_view kTopKeys = "version, strict, tables, schema";

std::string Describe(const YAML::Node& node) {
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  if (node.IsScalar()) return "\"" + node.Scalar() + "\"";
  return "nothing";
}

Status ApplyVersion(const YAML::Node& key, const YAML::Node& value) {
  if (value.IsScalar() && value.Scalar() == "1") return Status::Ok();
  return InvalidArgument(MaskYamlWhere(key.Mark()) + ": version " + Describe(value) +
                         " is not supported; this spur reads version 1");
}

Status ApplyStrict(const YAML::Node& key, const YAML::Node& value, MaskConfig& config) {
  std::optional<Strictness> s;
  bool flag = false;
  if (value.IsScalar()) s = StrictnessFromName(value.Scalar());
  if (!s && value.IsScalar() && YAML::convert<bool>::decode(value, flag)) {
    s = flag ? Strictness::kAll : Strictness::kOff;
  }
  if (s) {
    config.strict = *s;
    return Status::Ok();
  }
  return InvalidArgument(MaskYamlWhere(key.Mark()) +
                         ": strict: expected all, guess or off (true means all, false off), "
                         "found " +
                         Describe(value));
}

// `schema: { "<object as sync names it>": keep }`.
Status ParseSchemaKeep(const YAML::Node& key, const YAML::Node& value, MaskConfig& config) {
  if (!value.IsMap()) {
    return InvalidArgument(MaskYamlWhere(key.Mark()) +
                           ": schema: expected a mapping of object to keep, like "
                           "{ \"comment on public.users\": keep }, found " +
                           Describe(value));
  }
  for (const auto& kv : value) {
    const std::string where = MaskYamlWhere(kv.first.Mark()) + ": schema";
    const std::string object = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (object.empty() || object.size() > 500 || !IsValidUtf8(object) ||
        ControlCharAt(object, "") != std::string::npos) {
      return InvalidArgument(where +
                             ": name the object as the sync's message does, on one line, like "
                             "\"view public.vip\"");
    }
    if (!kv.second.IsScalar() || kv.second.Scalar() != "keep") {
      return InvalidArgument(where + ": " + Describe(kv.first) +
                             ": the only choice is keep (accept its text as it is)");
    }
    if (!config.schema_keep.insert(object).second) {
      return InvalidArgument(where + ": " + Describe(kv.first) + " appears twice");
    }
  }
  return Status::Ok();
}

bool IsTodo(const YAML::Node& value) { return value.IsScalar() && value.Scalar() == "todo"; }

// Reads one table's `column: rule` mapping into config.tables[table] and,
// for `column: todo`, config.todo[table].
Status ParseColumns(const YAML::Node& key, const YAML::Node& value, const TableRef& table,
                    MaskConfig& config) {
  const std::string where = MaskYamlWhere(key.Mark());
  if (!value.IsMap() || value.size() == 0) {
    return InvalidArgument(where + ": " + table.ToString() +
                           ": expected a mapping of column to rule, like { email: email }, "
                           "found " +
                           Describe(value));
  }
  MaskConfig::Columns columns;
  std::set<std::string> todo;
  for (const auto& kv : value) {
    const std::string col_where = MaskYamlWhere(kv.first.Mark());
    Result<std::string> column = ParseColumnName(kv.first.IsScalar() ? kv.first.Scalar() : "");
    if (!column.ok()) return column.status().WithContext(col_where + ": " + table.ToString());
    const std::string subject = table.ToString() + "." + QuoteIdent(*column);
    if (columns.count(*column) != 0 || todo.count(*column) != 0) {
      return InvalidArgument(col_where + ": column " + subject + " appears twice");
    }
    if (IsTodo(kv.second)) {
      todo.insert(std::move(*column));
      continue;
    }
    ASSIGN_OR_RETURN(TransformSpec spec, ParseRule(kv.first, kv.second, subject));
    columns.emplace(std::move(*column), std::move(spec));
  }
  config.tables.emplace(table, std::move(columns));
  if (!todo.empty()) config.todo.emplace(table, std::move(todo));
  return Status::Ok();
}

Status ParseTables(const YAML::Node& key, const YAML::Node& value, MaskConfig& config) {
  if (!value.IsMap()) {
    return InvalidArgument(MaskYamlWhere(key.Mark()) +
                           ": tables: expected a mapping of table to columns, like "
                           "{ public.users: { email: email } }, found " +
                           Describe(value));
  }
  std::map<TableRef, int> first_line;
  for (const auto& kv : value) {
    const std::string where = MaskYamlWhere(kv.first.Mark());
    Result<TableRef> table = ParseTableName(kv.first.IsScalar() ? kv.first.Scalar() : "");
    if (!table.ok()) return table.status().WithContext(where + ": tables");
    if (auto seen = first_line.find(*table); seen != first_line.end()) {
      return InvalidArgument(where + ": table " + table->ToString() +
                             " appears twice (first on line " + std::to_string(seen->second) +
                             "); merge the two into one");
    }
    first_line.emplace(*table, kv.first.Mark().line + 1);
    RETURN_IF_ERROR(ParseColumns(kv.first, kv.second, *table, config));
  }
  return Status::Ok();
}

Result<YAML::Node> LoadYaml(std::string_view text) {
  RETURN_IF_ERROR(CheckTextFile("mask.yaml", text));
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return InvalidArgument(MaskYamlWhere(e.mark) + ": " + e.msg + "; fix the YAML syntax");
  }
}

}  // namespace

const char* StrictnessName(Strictness s) {
  switch (s) {
    case Strictness::kGuess:
      return "guess";
    case Strictness::kOff:
      return "off";
    default:
      return "all";
  }
}

std::optional<Strictness> StrictnessFromName(std::string_view name) {
  for (Strictness s : {Strictness::kAll, Strictness::kGuess, Strictness::kOff}) {
    if (name == StrictnessName(s)) return s;
  }
  return std::nullopt;
}

const MaskConfig::Columns* MaskConfig::FindTable(std::string_view schema,
                                                 std::string_view table) const {
  auto it = tables.find(TableRef{std::string(schema), std::string(table)});
  return it == tables.end() ? nullptr : &it->second;
}

const TransformSpec* MaskConfig::Find(std::string_view schema, std::string_view table,
                                      std::string_view column) const {
  const Columns* columns = FindTable(schema, table);
  if (columns == nullptr) return nullptr;
  auto it = columns->find(std::string(column));
  return it == columns->end() ? nullptr : &it->second;
}

nlohmann::json MaskConfig::ToJson() const {
  nlohmann::json tables_json = nlohmann::json::object();
  for (const auto& [table, columns] : tables) {
    nlohmann::json& table_json = tables_json[table.ToString()];
    table_json = nlohmann::json::object();
    for (const auto& [column, spec] : columns) table_json[QuoteIdent(column)] = RuleToJson(spec);
  }
  for (const auto& [table, columns] : todo) {
    for (const auto& column : columns) tables_json[table.ToString()][QuoteIdent(column)] = "todo";
  }
  nlohmann::json schema_json = nlohmann::json::object();
  for (const std::string& object : schema_keep) schema_json[object] = "keep";
  return {{"version", 1},
          {"strict", StrictnessName(strict)},
          {"tables", tables_json},
          {"schema", schema_json}};
}

std::string MaskConfig::Fingerprint() const {
  return Sha256Hex(ToJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Result<MaskConfig> ParseMaskConfig(std::string_view yaml_text) {
  ASSIGN_OR_RETURN(YAML::Node root, LoadYaml(yaml_text));
  MaskConfig config;
  if (root.IsNull()) return config;
  if (!root.IsMap()) {
    return InvalidArgument(
        "mask.yaml must be a mapping with version, strict, tables and schema, not " +
        Describe(root));
  }
  std::set<std::string> seen;
  for (const auto& kv : root) {
    const YAML::Node& key = kv.first;
    const std::string name = key.IsScalar() ? key.Scalar() : "";
    if (name != "version" && name != "strict" && name != "tables" && name != "schema") {
      return InvalidArgument(MaskYamlWhere(key.Mark()) + ": unknown key " + Describe(key) +
                             "; known keys are " + std::string(kTopKeys));
    }
    if (!seen.insert(name).second) {
      return InvalidArgument(MaskYamlWhere(key.Mark()) + ": key \"" + name + "\" appears twice");
    }
    if (name == "version") RETURN_IF_ERROR(ApplyVersion(key, kv.second));
    if (name == "strict") RETURN_IF_ERROR(ApplyStrict(key, kv.second, config));
    if (name == "schema" && !kv.second.IsNull()) {
      RETURN_IF_ERROR(ParseSchemaKeep(key, kv.second, config));
    }
    if (name == "tables" && !kv.second.IsNull()) {
      RETURN_IF_ERROR(ParseTables(key, kv.second, config));
    }
  }
  return config;
}

Result<MaskConfig> LoadMaskConfig(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, os::ReadFile(path));
  Result<MaskConfig> config = ParseMaskConfig(text);
  if (!config.ok()) return config.status().WithContext(path);
  return config;
}

}  // namespace spur::mask
