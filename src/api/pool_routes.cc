// /snapshots, /status, /cost.
#include <algorithm>

#include "api/body.h"
#include "api/service.h"
#include "api/views.h"
#include "engine/daemon_state.h"
#include "engine/options.h"

namespace spur::api {
Result<Reply> Service::ListSnapshots(const Call&, const Principal&, const Params&) {
  nlohmann::json arr = nlohmann::json::array();
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    ASSIGN_OR_RETURN(auto snaps, pool.ListSnapshots());
    for (const auto& s : snaps) arr.push_back(SnapshotJson(s));
    return Status::Ok();
  }));
  return JsonReply(arr);
}

Result<Reply> Service::CreateSnapshot(const Call& call, const Principal& who, const Params&) {
  RETURN_IF_ERROR(OnlyKeys(call.body, {"branch", "name"}));
  ASSIGN_OR_RETURN(auto branch, ReqString(call.body, "branch"));
  ASSIGN_OR_RETURN(auto name, OptString(call.body, "name"));
  nlohmann::json view;
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    if (who.role != Role::kAdmin) {
      ASSIGN_OR_RETURN(auto b, pool.store().GetBranch(branch));
      if (b.owner != who.owner) {
        return PermissionDenied("developers snapshot only their own branches");
      }
    }
    ASSIGN_OR_RETURN(auto snap, pool.CreateSnapshot(branch, name));
    view = SnapshotJson(snap);
    return Status::Ok();
  }));
  return JsonReply(view, 201);
}

Result<Reply> Service::DeleteSnapshot(const Call&, const Principal&, const Params& p) {
  RETURN_IF_ERROR(
      pool_.With([&](engine::Pool& pool) { return pool.DeleteSnapshot(p.at("name")); }));
  return JsonReply({{"deleted", p.at("name")}});
}

namespace {

// Whether `spur serve` runs: without it no TTL, idle suspend or webhook is
// acted on, which `spur status` must say.
Result<nlohmann::json> DaemonJson(engine::Pool& pool) {
  ASSIGN_OR_RETURN(auto state, engine::ReadDaemonState(pool.store()));
  if (!state) return nlohmann::json{{"state", "never ran"}};
  const int64_t now = pool.clock().NowSeconds();
  nlohmann::json j = {
      {"state", engine::DaemonLiveness(*state, now)},
      {"pid", state->pid},
      {"listen", state->listen},
      {"started_at", state->started_at},
      {"stopped_at",
       JsonOrNull(state->stopped_at ? std::optional<int64_t>(state->stopped_at) : std::nullopt)}};
  if (!state->proxy_listen.empty()) {
    j["proxy"] = {{"listen", state->proxy_listen},
                  {"domain", state->proxy_domain},
                  {"tls", state->proxy_tls}};
  }
  if (state->reaper_pass_at) {
    j["reaper"] = {{"last_pass_at", state->reaper_pass_at},
                   {"seconds_ago", now - state->reaper_pass_at},
                   {"interval", state->reaper_interval},
                   {"actions", state->reaper_actions},
                   {"error", state->reaper_error}};
  } else {
    j["reaper"] = nullptr;
  }
  return j;
}

}  // namespace

Result<Reply> Service::Status_(const Call&, const Principal&, const Params&) {
  nlohmann::json j;
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    ASSIGN_OR_RETURN(auto s, pool.GetStatus());
    const bool slow = s.driver == "copy";
    j = {{"pool", s.root},
         {"driver", s.driver},
         {"image", s.image},
         {"filesystem", s.filesystem},
         {"postgres_bindir", s.pg_bindir},
         {"postgres_major", s.pg_major},
         {"branches", s.branches},
         {"running", s.running},
         {"stopped", s.stopped},
         {"snapshots", s.snapshots},
         {"exclusive_bytes", s.exclusive_bytes},
         {"shared_bytes", s.shared_bytes},
         {"logical_bytes", s.logical_bytes},
         {"free_bytes",
          JsonOrNull(s.free_bytes ? std::optional<int64_t>(*s.free_bytes) : std::nullopt)},
         {"warning", slow ? nlohmann::json("COPY driver: every branch is a full, slow copy; use "
                                           "XFS reflink/btrfs or `spur init --image SIZE` for "
                                           "instant branches")
                          : nlohmann::json()}};
    ASSIGN_OR_RETURN(j["daemon"], DaemonJson(pool));
    return Status::Ok();
  }));
  return JsonReply(j);
}

// GET /cost?by=branch|owner|label[&label=KEY]
Result<Reply> Service::Cost(const Call& call, const Principal&, const Params&) {
  std::string by = call.query.count("by") ? call.query.at("by") : "branch";
  if (by != "branch" && by != "owner" && by != "label") {
    return InvalidArgument("--by must be branch, owner or label");
  }
  std::string label_key = call.query.count("label") ? call.query.at("label") : "";
  nlohmann::json out;
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    ASSIGN_OR_RETURN(auto options, engine::LoadOptions(pool.store()));
    ASSIGN_OR_RETURN(auto costs, pool.Cost(options.price_gib_month, options.price_running_hour));
    std::map<std::string, nlohmann::json> groups;
    double total = 0, month = 0;
    for (const auto& c : costs) {
      std::string key = c.branch;
      if (by == "owner") key = c.owner.empty() ? "(none)" : c.owner;
      if (by == "label") {
        if (label_key.empty()) {
          std::string all;
          for (const auto& [k, v] : c.labels) all += (all.empty() ? "" : ",") + k + "=" + v;
          key = all.empty() ? "(none)" : all;
        } else {
          auto it = c.labels.find(label_key);
          key = it == c.labels.end() ? "(none)" : label_key + "=" + it->second;
        }
      }
      auto& g = groups[key];
      if (g.is_null()) {
        g = {{"key", key},           {"branches", 0},        {"exclusive_bytes", 0},
             {"running_hours", 0.0}, {"storage_cost", 0.0},  {"compute_cost", 0.0},
             {"cost", 0.0},          {"month_estimate", 0.0}};
      }
      g["branches"] = g["branches"].get<int>() + 1;
      g["exclusive_bytes"] = g["exclusive_bytes"].get<uint64_t>() + c.exclusive_bytes;
      g["running_hours"] = g["running_hours"].get<double>() + c.running_hours;
      g["storage_cost"] = g["storage_cost"].get<double>() + c.storage_cost;
      g["compute_cost"] = g["compute_cost"].get<double>() + c.compute_cost;
      g["cost"] = g["cost"].get<double>() + c.storage_cost + c.compute_cost;
      g["month_estimate"] = g["month_estimate"].get<double>() + c.month_estimate;
      total += c.storage_cost + c.compute_cost;
      month += c.month_estimate;
    }
    nlohmann::json rows = nlohmann::json::array();
    for (auto& [k, g] : groups) rows.push_back(g);
    out = {{"by", by},
           {"currency", options.currency},
           {"prices",
            {{"gib_month", options.price_gib_month}, {"running_hour", options.price_running_hour}}},
           {"groups", rows},
           {"total", total},
           {"month_estimate", month}};
    return Status::Ok();
  }));
  return JsonReply(out);
}

}  // namespace spur::api
