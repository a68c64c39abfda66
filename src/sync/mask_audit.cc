#include "sync/mask_audit.h"

#include "pg/schema.h"
#include "sync/plan.h"

namespace spur::sync {

Result<nlohmann::json> CheckMask(const std::string& source_url, const mask::MaskConfig& config,
                                 const mask::MaskKey& key) {
  ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(source_url));
  ASSIGN_OR_RETURN(pg::Schema schema, pg::ReadSchema(conn));
  nlohmann::json out = {{"unruled", nlohmann::json::array()}, {"error", ""}};
  auto unruled = FindUnruledColumns(schema, config);
  for (const auto& u : unruled) {
    out["unruled"].push_back({{"table", u.table}, {"column", u.column}, {"category", u.category}});
  }
  auto plan = BuildPlan(schema, &config, key);
  int masked = 0;
  if (plan.ok()) {
    for (const auto& [t, cols] : plan->mask.items()) masked += static_cast<int>(cols.size());
  } else {
    out["error"] = plan.status().message();
  }
  out["masked_columns"] = masked;
  out["strict"] = mask::StrictnessName(config.strict);
  out["ok"] = unruled.empty() && plan.ok();
  return out;
}

}  // namespace spur::sync
