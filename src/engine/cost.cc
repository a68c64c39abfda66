// What branches cost: exclusive storage over their lifetime plus running time.
#include <algorithm>

#include "engine/pool.h"

namespace spur::engine {
namespace {
constexpr double kHoursPerMonth = 730.0;
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
}  // namespace

BranchCost Pool::CostOf(const catalog::Branch& b, double price_gib_month,
                        double price_running_hour) {
  int64_t now = clock_.NowSeconds();
  BranchCost c;
  c.branch = b.name;
  c.owner = b.owner;
  c.labels = SettingsFromJson(b.labels_json);
  if (driver_->DatasetExists(layout_.BranchData(b.id))) {
    auto usage = driver_->Usage(layout_.BranchData(b.id));
    if (usage.ok()) c.exclusive_bytes = usage->exclusive_bytes;
  }
  int64_t running = b.running_seconds;
  if (b.running_since) running += std::max<int64_t>(0, now - *b.running_since);
  c.running_hours = running / 3600.0;
  c.age_hours = std::max<int64_t>(0, now - b.created_at) / 3600.0;
  double gib = c.exclusive_bytes / kGiB;
  c.storage_cost = gib * price_gib_month * (c.age_hours / kHoursPerMonth);
  c.compute_cost = c.running_hours * price_running_hour;
  double duty = c.age_hours > 0 ? std::min(1.0, c.running_hours / c.age_hours) : 1.0;
  c.month_estimate = gib * price_gib_month + duty * kHoursPerMonth * price_running_hour;
  return c;
}

Result<std::vector<BranchCost>> Pool::Cost(double price_gib_month, double price_running_hour) {
  ASSIGN_OR_RETURN(auto branches, store_->ListBranches());
  std::vector<BranchCost> out;
  for (const auto& b : branches) out.push_back(CostOf(b, price_gib_month, price_running_hour));
  return out;
}

Result<BranchCost> Pool::CostOf(const std::string& branch, double price_gib_month,
                                double price_running_hour) {
  ASSIGN_OR_RETURN(auto b, store_->GetBranch(branch));
  return CostOf(b, price_gib_month, price_running_hour);
}

}  // namespace spur::engine
