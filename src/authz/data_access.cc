#include "authz/data_access.h"

#include <algorithm>

#include "engine/pool_config.h"

namespace spur::authz {
namespace {

// Why `who` may not read `branch`'s data, as the end of a sentence.
std::string Refusal(const Principal& who, const catalog::Branch& branch) {
  if (who.role == Role::kViewer) return "viewer tokens see metadata only, never data";
  return "\"" + branch.owner + "\" owns it and it is not shared; its owner or an admin can " +
         "share it with the label " + kSharedLabel + "=true";
}

Status CheckReadSnapshot(catalog::Store& store, const Principal& who, const std::string& name) {
  ASSIGN_OR_RETURN(auto snap, store.GetSnapshot(name));
  if (!snap.branch_id) {
    return PermissionDenied("snapshot \"" + name + "\" outlived its branch \"" + snap.branch_name +
                            "\"; only an admin can use its data");
  }
  ASSIGN_OR_RETURN(auto branch, store.GetBranchById(*snap.branch_id));
  if (MayReadData(who, branch)) return Status::Ok();
  return PermissionDenied("snapshot \"" + name + "\" holds the data of branch \"" + branch.name +
                          "\": " + Refusal(who, branch));
}

}  // namespace

bool IsBaseline(const catalog::Branch& branch) {
  if (!branch.parent_id) return true;
  auto labels = engine::SettingsFromJson(branch.labels_json);
  auto it = labels.find(kSharedLabel);
  return it != labels.end() && it->second == "true";
}

bool ActsForRepoOf(const Principal& who, const catalog::Branch& branch) {
  if (who.role != Role::kDeveloper || who.repos.empty()) return false;
  auto labels = engine::SettingsFromJson(branch.labels_json);
  if (!labels.count("pr") || !labels.count("repo")) return false;
  return std::find(who.repos.begin(), who.repos.end(), labels["repo"]) != who.repos.end();
}

bool MayReadData(const Principal& who, const catalog::Branch& branch) {
  switch (who.role) {
    case Role::kAdmin:
      return true;
    case Role::kDeveloper:
      return (!who.owner.empty() && branch.owner == who.owner) || IsBaseline(branch) ||
             ActsForRepoOf(who, branch);
    case Role::kViewer:
      return false;
  }
  return false;
}

Status CheckReadData(const Principal& who, const catalog::Branch& branch) {
  if (MayReadData(who, branch)) return Status::Ok();
  return PermissionDenied("you may not read or copy the data of branch \"" + branch.name +
                          "\": " + Refusal(who, branch));
}

Status CheckMayCopy(catalog::Store& store, const Principal& who,
                    const std::optional<std::string>& from,
                    const std::optional<std::string>& snapshot) {
  if (who.role == Role::kAdmin) return Status::Ok();
  if (snapshot) RETURN_IF_ERROR(CheckReadSnapshot(store, who, *snapshot));
  if (from || !snapshot) {
    ASSIGN_OR_RETURN(auto branch, store.GetBranch(from.value_or("main")));
    RETURN_IF_ERROR(CheckReadData(who, branch));
  }
  return Status::Ok();
}

Status CheckMayResetFrom(catalog::Store& store, const Principal& who, const std::string& name,
                         const std::optional<std::string>& to) {
  if (who.role == Role::kAdmin) return Status::Ok();
  if (to) return CheckReadSnapshot(store, who, *to);
  ASSIGN_OR_RETURN(auto branch, store.GetBranch(name));
  if (!branch.parent_id) return Status::Ok();
  ASSIGN_OR_RETURN(auto parent, store.GetBranchById(*branch.parent_id));
  return CheckReadData(who, parent);
}

}  // namespace spur::authz
