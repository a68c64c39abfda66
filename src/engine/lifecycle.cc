// Branch lifecycle over time: TTL renewal, protection, the reaper pass
// (expiry, warnings, idle suspend) and shutdown schedules.
#include <spdlog/spdlog.h>

#include "common/cron.h"
#include "common/names.h"
#include "common/units.h"
#include "engine/pool.h"

namespace spur::engine {
namespace {

bool HasLabel(const catalog::Branch& b, const std::string& label) {
  auto eq = label.find('=');
  if (eq == std::string::npos) return false;
  auto labels = SettingsFromJson(b.labels_json);
  auto it = labels.find(label.substr(0, eq));
  return it != labels.end() && it->second == label.substr(eq + 1);
}

// When the branch expires, if it does: its TTL deadline or its idle expiry,
// whichever comes first.
std::optional<int64_t> Deadline(const catalog::Branch& b) {
  std::optional<int64_t> at = b.expires_at;
  if (b.idle_expiry_seconds) {
    int64_t idle_at = SaturatingAdd(b.last_used_at, *b.idle_expiry_seconds);
    if (!at || idle_at < *at) at = idle_at;
  }
  return at;
}

}  // namespace

Result<catalog::Branch> Pool::ExtendBranch(const std::string& name, int64_t seconds) {
  RETURN_IF_ERROR(ValidateName("branch", name));
  ASSIGN_OR_RETURN(catalog::Branch b, store_->GetBranch(name));
  if (b.is_protected) {
    return FailedPrecondition("branch \"" + name + "\" is protected and never expires");
  }
  ASSIGN_OR_RETURN(b.expires_at, ExpiryAfter(clock_.NowSeconds(), seconds));
  b.ttl_seconds = seconds;
  b.warned_at.reset();
  b.last_used_at = clock_.NowSeconds();  // renewing counts as use for idle expiry
  RETURN_IF_ERROR(store_->UpdateBranch(b));
  store_->RecordEvent(clock_.NowSeconds(), "branch.extend", name, FormatDuration(seconds))
      .IgnoreError();
  return b;
}

Result<catalog::Branch> Pool::PatchBranch(const std::string& name, const BranchPatch& p) {
  RETURN_IF_ERROR(ValidateName("branch", name));
  ASSIGN_OR_RETURN(catalog::Branch b, store_->GetBranch(name));
  if (p.is_protected) b.is_protected = *p.is_protected;
  if (p.ttl_seconds) {
    b.ttl_seconds = *p.ttl_seconds ? p.ttl_seconds : std::nullopt;
    b.expires_at.reset();
    if (b.ttl_seconds) {
      ASSIGN_OR_RETURN(b.expires_at, ExpiryAfter(clock_.NowSeconds(), *b.ttl_seconds));
    }
    b.warned_at.reset();
  }
  if (p.idle_expiry_seconds) {
    if (*p.idle_expiry_seconds != 0) {
      RETURN_IF_ERROR(CheckDuration("idle expiry", *p.idle_expiry_seconds).status());
    }
    b.idle_expiry_seconds = *p.idle_expiry_seconds ? p.idle_expiry_seconds : std::nullopt;
  }
  if (p.labels) b.labels_json = SettingsToJson(*p.labels);
  if (p.owner) b.owner = *p.owner;
  RETURN_IF_ERROR(store_->UpdateBranch(b));
  return b;
}

Status Pool::RestartIdleClocks() {
  ASSIGN_OR_RETURN(auto branches, store_->ListBranches());
  for (auto& b : branches) {
    if (b.state != catalog::BranchState::kRunning) continue;
    b.last_used_at = clock_.NowSeconds();
    RETURN_IF_ERROR(store_->UpdateBranch(b));
  }
  return Status::Ok();
}

Result<std::vector<LifecycleAction>> Pool::Tick(const LifecyclePolicy& policy) {
  std::vector<LifecycleAction> actions;
  int64_t now = clock_.NowSeconds();
  ASSIGN_OR_RETURN(auto branches, store_->ListBranches());
  for (auto& b : branches) {
    // Asking postgres costs a connection per branch: only when idleness matters.
    bool watched = policy.idle_suspend > 0 || b.idle_expiry_seconds.has_value();
    if (watched && b.state == catalog::BranchState::kRunning) {
      const std::optional<ProxyUse> proxied =
          policy.proxy_use ? policy.proxy_use(b.name) : std::nullopt;
      int64_t used_at = 0;
      if (proxied && proxied->open > 0) {
        used_at = now;
      } else if (!policy.proxy_only) {
        auto clients = control_->ClientConnections(Spec(b));
        if (clients.ok() && *clients > 0) used_at = now;
      }
      // The last proxy client left after the previous pass: idle from then.
      if (used_at == 0 && proxied && proxied->last_closed > b.last_used_at) {
        used_at = std::min(proxied->last_closed, now);
      }
      if (used_at != 0) {
        b.last_used_at = used_at;
        // Use moved an idle-expiry deadline: a new deadline gets a new warning.
        auto deadline = Deadline(b);
        if (b.warned_at && deadline && *deadline - now > policy.warn_before) b.warned_at.reset();
        RETURN_IF_ERROR(store_->UpdateBranch(b));
      }
    }
  }
  for (auto& b : branches) {
    if (!b.parent_id || b.is_protected) continue;
    if (b.state != catalog::BranchState::kRunning && b.state != catalog::BranchState::kStopped)
      continue;
    auto deadline = Deadline(b);
    if (!deadline) continue;
    if (now >= *deadline) {
      ASSIGN_OR_RETURN(auto children, store_->ChildrenOf(b.id));
      std::string why = b.expires_at && now >= *b.expires_at
                            ? "TTL ran out at " + FormatTimestamp(*b.expires_at)
                            : "no connection for " + FormatDuration(*b.idle_expiry_seconds);
      if (!children.empty()) {
        // Kept until its children are gone; not reported on every pass.
        spdlog::debug("branch {} expired ({}) but has children; kept", b.name, why);
        continue;
      }
      auto deleted = DeleteBranch(b.name, false);
      actions.push_back({"branch.expire", b.name, why, deleted.status()});
    } else if (*deadline - now <= policy.warn_before && !b.warned_at) {
      b.warned_at = now;
      Status st = store_->UpdateBranch(b);
      actions.push_back({"branch.warn", b.name,
                         "expires in " + FormatDuration(*deadline - now) +
                             "; extend it with `spur branch extend " + b.name + " 3d`",
                         st});
    }
  }
  if (policy.idle_suspend > 0) {
    ASSIGN_OR_RETURN(branches, store_->ListBranches());
    for (auto& b : branches) {
      if (b.state != catalog::BranchState::kRunning) continue;
      if (now - b.last_used_at < policy.idle_suspend) continue;
      auto stopped = StopBranch(b.name, "idle");
      actions.push_back({"branch.suspend", b.name,
                         "no connection for " + FormatDuration(now - b.last_used_at),
                         stopped.status()});
    }
  }
  RETURN_IF_ERROR(ApplySchedules(actions));
  for (const auto& a : actions) {
    store_->RecordEvent(now, a.action, a.branch, a.reason).IgnoreError();
    if (a.result.ok())
      spdlog::info("{} {}: {}", a.action, a.branch, a.reason);
    else
      spdlog::warn("{} {} failed: {} ({})", a.action, a.branch, a.result.message(), a.reason);
  }
  return actions;
}

Status Pool::ApplySchedules(std::vector<LifecycleAction>& actions) {
  ASSIGN_OR_RETURN(auto schedules, store_->ListSchedules());
  if (schedules.empty()) return Status::Ok();
  int64_t now = clock_.NowSeconds();
  ASSIGN_OR_RETURN(auto branches, store_->ListBranches());
  for (const auto& s : schedules) {
    auto stop = CronExpr::Parse(s.stop_cron);
    auto start = CronExpr::Parse(s.start_cron);
    if (!stop.ok() || !start.ok()) continue;  // validated when stored
    auto last_stop = stop->LastAtOrBefore(now);
    auto last_start = start->LastAtOrBefore(now);
    bool in_window = last_stop && (!last_start || *last_stop > *last_start);
    for (const auto& b : branches) {
      if (!HasLabel(b, s.label)) continue;
      if (in_window && b.state == catalog::BranchState::kRunning) {
        auto r = StopBranch(b.name, "schedule");
        actions.push_back(
            {"schedule.stop", b.name, "shutdown window \"" + s.name + "\"", r.status()});
      } else if (!in_window && b.state == catalog::BranchState::kStopped &&
                 b.stop_reason == "schedule") {
        auto r = StartBranch(b.name);
        actions.push_back(
            {"schedule.start", b.name, "shutdown window \"" + s.name + "\" ended", r.status()});
      }
    }
  }
  return Status::Ok();
}

}  // namespace spur::engine
