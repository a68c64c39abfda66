#include "rehearse/plans.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

namespace spur::rehearse {
namespace {

// Scans and joins name what a reader compares; the rest (Hash, Sort,
// Materialize, ...) follows from them.
bool Shows(const std::string& type) {
  return type.find("Scan") != std::string::npos || type.find("Join") != std::string::npos ||
         type == "Nested Loop";
}

void Walk(const nlohmann::json& node, std::vector<std::string>& shape, int depth) {
  if (!node.is_object() || depth > 200) return;
  const std::string type = node.value("Node Type", "");
  if (Shows(type)) {
    std::string entry = type;
    if (node.contains("Join Type") && node["Join Type"].is_string() &&
        node["Join Type"] != "Inner") {
      entry += " (" + node["Join Type"].get<std::string>() + ")";
    }
    if (node.contains("Index Name") && node["Index Name"].is_string()) {
      entry += " using " + node["Index Name"].get<std::string>();
    }
    if (node.contains("Relation Name") && node["Relation Name"].is_string()) {
      entry += " on " + node["Relation Name"].get<std::string>();
    }
    shape.push_back(std::move(entry));
  }
  if (node.contains("Plans") && node["Plans"].is_array()) {
    for (const auto& child : node["Plans"]) Walk(child, shape, depth + 1);
  }
}

}  // namespace

double PlanComparison::cost_ratio() const {
  if (!before.error.empty() || !after.error.empty() || before.cost <= 0) return 0;
  return after.cost / before.cost;
}

QueryPlan ReadPlanJson(const std::string& text) {
  QueryPlan plan;
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_array() || doc.empty() || !doc[0].is_object() || !doc[0].contains("Plan") ||
      !doc[0]["Plan"].is_object()) {
    plan.error = "EXPLAIN gave no plan";
    return plan;
  }
  const nlohmann::json& root = doc[0]["Plan"];
  if (root.contains("Total Cost") && root["Total Cost"].is_number()) {
    plan.cost = root["Total Cost"].get<double>();
  }
  Walk(root, plan.shape, 0);
  return plan;
}

QueryPlan Explain(pg::Connection& conn, const std::string& query) {
  QueryPlan plan;
  conn.Exec("DEALLOCATE ALL").IgnoreError();
  Status st = conn.Exec("PREPARE spur_rehearse_query AS " + query);
  if (!st.ok()) {
    plan.error = st.message();
    return plan;
  }
  auto params = conn.QueryValue(
      "SELECT cardinality(parameter_types) FROM pg_prepared_statements "
      "WHERE name = 'spur_rehearse_query'");
  std::string args;
  const int n = params.ok() ? std::atoi(params->c_str()) : 0;
  for (int i = 0; i < n; ++i) args += i == 0 ? "NULL" : ", NULL";
  auto json = conn.QueryValue(
      "SET plan_cache_mode = force_generic_plan; "
      "EXPLAIN (FORMAT JSON) EXECUTE spur_rehearse_query" +
      (n > 0 ? "(" + args + ")" : std::string()));
  conn.Exec("RESET plan_cache_mode; DEALLOCATE spur_rehearse_query").IgnoreError();
  if (!json.ok()) {
    plan.error = json.status().message();
    return plan;
  }
  return ReadPlanJson(*json);
}

void CompareShapes(PlanComparison& c) {
  std::map<std::string, int> count;
  for (const std::string& s : c.before.shape) ++count[s];
  for (const std::string& s : c.after.shape) --count[s];
  c.lost.clear();
  c.gained.clear();
  for (const auto& [entry, n] : count) {
    for (int i = 0; i < n; ++i) c.lost.push_back(entry);
    for (int i = 0; i < -n; ++i) c.gained.push_back(entry);
  }
}

}  // namespace spur::rehearse
