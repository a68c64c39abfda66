#include "diff_schema_compare.h"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "diff/schema/object_keys.h"

namespace nlohmann {
template <typename T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& v) {
    if (v) {
      j = *v;
    } else {
      j = nullptr;
    }
  }
  static void from_json(const json& j, std::optional<T>& v) {
    if (j.is_null()) {
      v.reset();
    } else {
      v = j.get<T>();
    }
  }
};
}  // namespace nlohmann

namespace spur::diff::schema {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Grant, grantee, privilege, grantable)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Extension, name, schema, version, comment)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Schema, name, owner, comment, acl)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TypeAttribute, name, type, collation)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DomainConstraint, name, definition, validated, comment)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Type, schema, name, owner, kind, labels, attributes, base_type,
                                   collation, default_expr, not_null, constraints, comment, acl)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SequenceOptions, data_type, start, increment, min, max, cache,
                                   cycle)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ColumnRef, schema, table, column)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Sequence, schema, name, owner, options, owned_by, comment, acl)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Identity, always, sequence_schema, sequence_name, options)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Column, name, type, collation, default_expr, generated, identity,
                                   not_null, inherited, comment, acl)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TableName, schema, name)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Table, schema, name, owner, partitioned, unlogged, partition_key,
                                   partition_of, partition_bound, inherits, columns, options,
                                   rls_enabled, rls_forced, comment, acl)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(View, schema, name, owner, materialized, definition, options,
                                   columns, populated, comment, acl)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Index, schema, name, table, definition, on_partitioned, attached,
                                   comment)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Constraint, schema, table, name, type, definition, validated,
                                   index_definition, attached, comment)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Function, schema, name, owner, procedure, identity, result,
                                   signature, defaults, security_definer, definition, comment, acl)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Trigger, schema, table, name, definition, enabled, comment)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Policy, schema, table, name, permissive, command, roles,
                                   using_expr, check_expr, comment)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DefaultPrivilege, role, schema, object_type, acl)

}  // namespace spur::diff::schema

namespace spur::testing {
namespace {

using namespace diff::schema;
using Flat = std::map<std::string, nlohmann::json>;

template <typename T>
void Put(Flat& out, const std::vector<T>& objects) {
  for (const T& o : objects) out[KeyOf(o)] = nlohmann::json(o);
}

// The fields that differ, as "path: want -> got".
std::string FieldDiff(const nlohmann::json& want, const nlohmann::json& got) {
  std::string out;
  for (const auto& op : nlohmann::json::diff(want, got)) {
    std::string path = op.value("path", "");
    nlohmann::json::json_pointer ptr(path);
    std::string was = want.contains(ptr) ? want.at(ptr).dump() : "(none)";
    std::string now = op.contains("value") ? op["value"].dump() : "(none)";
    out += "\n  " + path + ": " + was + " -> " + now;
  }
  return out;
}

Flat Flatten(const Catalog& c) {
  Flat out;
  Put(out, c.extensions);
  Put(out, c.schemas);
  Put(out, c.types);
  Put(out, c.sequences);
  Put(out, c.functions);
  Put(out, c.tables);
  Put(out, c.views);
  Put(out, c.indexes);
  Put(out, c.constraints);
  Put(out, c.triggers);
  Put(out, c.policies);
  Put(out, c.default_privileges);
  for (const Dependency& d : c.dependencies) {
    out["dependency " + d.dependent + " -> " + d.referenced + " (" + d.type + ")"] = true;
  }
  return out;
}

}  // namespace

std::vector<std::string> CatalogDifferences(const Catalog& want, const Catalog& got, size_t limit) {
  Flat w = Flatten(want), g = Flatten(got);
  std::vector<std::string> out;
  for (const auto& [key, value] : w) {
    if (out.size() >= limit) return out;
    auto it = g.find(key);
    if (it == g.end()) {
      out.push_back("missing " + key + ": " + value.dump());
    } else if (it->second != value) {
      out.push_back("differs " + key + " (want -> got):" + FieldDiff(value, it->second));
    }
  }
  for (const auto& [key, value] : g) {
    if (out.size() >= limit) return out;
    if (!w.count(key)) out.push_back("unexpected " + key + ": " + value.dump());
  }
  return out;
}

}  // namespace spur::testing
