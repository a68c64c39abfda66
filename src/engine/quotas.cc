// Quotas: how many branches and how many exclusive bytes the pool, and each
// owner, may have.
#include "common/units.h"
#include "engine/pool.h"

namespace spur::engine {
namespace {

std::string Who(const std::string& owner) {
  return owner.empty() ? "the pool" : "owner \"" + owner + "\"";
}

std::string Raise(const std::string& owner, const char* flag) {
  return std::string("; delete a branch or ask an admin to raise it (`spur quota set ") +
         (owner.empty() ? "" : "--owner " + owner + " ") + flag + " N`)";
}

}  // namespace

Status Pool::CheckQuotas(const std::string& owner) {
  ASSIGN_OR_RETURN(auto quotas, store_->ListQuotas());
  if (quotas.empty()) return Status::Ok();
  ASSIGN_OR_RETURN(auto branches, store_->ListBranches());
  for (const auto& q : quotas) {
    if (!q.owner.empty() && q.owner != owner) continue;
    int64_t count = 0;
    uint64_t bytes = 0;
    for (const auto& b : branches) {
      if (!q.owner.empty() && b.owner != q.owner) continue;
      ++count;
      if (q.max_bytes && driver_->DatasetExists(layout_.BranchData(b.id))) {
        auto usage = driver_->Usage(layout_.BranchData(b.id));
        if (usage.ok()) bytes += usage->exclusive_bytes;
      }
    }
    if (q.max_branches && count >= *q.max_branches) {
      return ResourceExhausted("quota max_branches of " + Who(q.owner) + " is " +
                               std::to_string(*q.max_branches) + " and " + std::to_string(count) +
                               " exist" + Raise(q.owner, "--max-branches"));
    }
    if (q.max_bytes && bytes >= static_cast<uint64_t>(*q.max_bytes)) {
      return ResourceExhausted("quota max_bytes of " + Who(q.owner) + " is " +
                               FormatBytes(static_cast<uint64_t>(*q.max_bytes)) + " and " +
                               FormatBytes(bytes) + " are used" + Raise(q.owner, "--max-bytes"));
    }
  }
  return Status::Ok();
}

}  // namespace spur::engine
