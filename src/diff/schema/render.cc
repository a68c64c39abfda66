// HazardName, RenderSql and ToJson: the script and its machine-readable form.
#include <nlohmann/json.hpp>

#include "diff/schema/schema_diff.h"
#include "diff/schema/sql_text.h"

namespace spur::diff::schema {
namespace {

std::string HazardLine(const Statement& s) {
  if (s.hazards.empty()) return "";
  std::string line = "-- hazards:";
  for (size_t i = 0; i < s.hazards.size(); ++i) {
    line += (i ? ", " : " ") + std::string(HazardName(s.hazards[i]));
  }
  return line + "\n";
}

}  // namespace

std::string_view HazardName(Hazard hazard) {
  switch (hazard) {
    case Hazard::kAccessExclusive:
      return "access-exclusive";
    case Hazard::kRewritesTable:
      return "rewrites-table";
    case Hazard::kDeletesData:
      return "deletes-data";
    case Hazard::kBuildsIndex:
      return "builds-index";
    case Hazard::kValidates:
      return "validates";
    case Hazard::kAuthorization:
      return "authorization";
    case Hazard::kBreaksDependents:
      return "breaks-dependents";
    case Hazard::kBlocksWrites:
      return "blocks-writes";
  }
  return "unknown";
}

std::string RenderSql(const SchemaDiff& diff, const ScriptOptions& options) {
  if (diff.statements.empty()) {
    return "-- spur schema diff: no changes; both databases have the same schema.\n";
  }
  size_t outside = 0;
  for (const Statement& s : diff.statements) outside += s.transactional ? 0 : 1;
  std::string out = "-- spur schema diff: " + std::to_string(diff.statements.size()) +
                    " statements, " + std::to_string(outside) +
                    " of them outside transaction blocks.\n"
                    "-- Run with: psql -v ON_ERROR_STOP=1 -f <this file>\n"
                    "SET lock_timeout = " +
                    QuoteLiteral(options.lock_timeout) +
                    ";\n"
                    "SET statement_timeout = " +
                    QuoteLiteral(options.statement_timeout) +
                    ";\n"
                    "SET check_function_bodies = false;\n"
                    "SELECT pg_catalog.set_config('search_path', '', false);\n";
  bool in_block = false;
  for (const Statement& s : diff.statements) {
    if (s.transactional && !in_block) {
      out += "\nBEGIN;\n";
      in_block = true;
    } else if (!s.transactional && in_block) {
      out += "\nCOMMIT;\n";
      in_block = false;
    }
    out += "\n" + HazardLine(s) + s.sql + "\n";
  }
  if (in_block) out += "\nCOMMIT;\n";
  return out;
}

nlohmann::json ToJson(const SchemaDiff& diff) {
  nlohmann::json changes = nlohmann::json::array();
  for (const Change& c : diff.changes) {
    changes.push_back(
        {{"kind", c.kind}, {"name", c.name}, {"action", c.action}, {"details", c.details}});
  }
  nlohmann::json statements = nlohmann::json::array();
  for (const Statement& s : diff.statements) {
    nlohmann::json hazards = nlohmann::json::array();
    for (Hazard h : s.hazards) hazards.push_back(std::string(HazardName(h)));
    statements.push_back({{"sql", s.sql},
                          {"transactional", s.transactional},
                          {"hazards", hazards},
                          {"object", s.object}});
  }
  return {{"changes", changes}, {"statements", statements}};
}

}  // namespace spur::diff::schema
