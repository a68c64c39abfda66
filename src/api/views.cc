#include "api/views.h"

#include "common/units.h"
#include "engine/credentials.h"

namespace spur::api {

nlohmann::json JsonOrNull(const std::optional<int64_t>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

namespace {
nlohmann::json TimeOrNull(const std::optional<int64_t>& v) {
  return v ? nlohmann::json(FormatTimestamp(*v)) : nlohmann::json(nullptr);
}
nlohmann::json StringOrNull(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}
}  // namespace

nlohmann::json BranchJson(const engine::Pool& pool, const engine::BranchInfo& info,
                          bool show_password, int64_t now) {
  const catalog::Branch& b = info.branch;
  std::string state = info.running                                               ? "running"
                      : b.state == catalog::BranchState::kCreating               ? "creating"
                      : (b.stop_reason == "idle" || b.stop_reason == "schedule") ? "suspended"
                                                                                 : "stopped";
  const std::string& host = pool.config().advertise_host;
  int64_t running = b.running_seconds + (b.running_since ? now - *b.running_since : 0);
  nlohmann::json j = {
      {"name", b.name},
      {"parent", StringOrNull(info.parent_name)},
      {"snapshot", StringOrNull(info.snapshot_name)},
      {"state", state},
      {"stop_reason", StringOrNull(b.stop_reason)},
      {"host", host},
      {"port", b.port},
      {"uri", engine::BuildUri(b.role, show_password ? b.password : "", host, b.port, b.database,
                               pool.config().tls)},
      {"password_hidden", !show_password},
      {"role", b.role},
      {"database", b.database},
      {"owner", b.owner},
      {"protected", b.is_protected},
      {"created_at", FormatTimestamp(b.created_at)},
      {"age_seconds", now - b.created_at},
      {"last_used_at", FormatTimestamp(b.last_used_at)},
      {"expires_at", TimeOrNull(b.expires_at)},
      {"expires_in_seconds", b.expires_at ? nlohmann::json(*b.expires_at - now) : nullptr},
      {"ttl_seconds", JsonOrNull(b.ttl_seconds)},
      {"idle_expiry_seconds", JsonOrNull(b.idle_expiry_seconds)},
      {"running_seconds", running},
      {"pid", info.pid ? nlohmann::json(*info.pid) : nlohmann::json(nullptr)},
      {"data_directory", pool.layout().BranchData(b.id)},
      {"log", pool.layout().BranchLog(b.id)},
      {"socket_dir", pool.layout().BranchSocketDir(b.id)},
      {"settings", nlohmann::json::parse(b.settings_json, nullptr, false)},
      {"labels", nlohmann::json::parse(b.labels_json, nullptr, false)},
  };
  if (show_password) j["password"] = b.password;
  if (info.usage) {
    j["exclusive_bytes"] = info.usage->exclusive_bytes;
    j["shared_bytes"] = info.usage->shared_bytes;
    j["logical_bytes"] = info.usage->logical_bytes;
  }
  return j;
}

nlohmann::json SnapshotJson(const catalog::Snapshot& s) {
  return {{"name", s.name},
          {"branch", s.branch_name},
          {"branch_deleted", !s.branch_id.has_value()},
          {"implicit", s.implicit},
          {"consistency", s.consistency},
          {"lsn", StringOrNull(s.lsn)},
          // transactions that may have been in flight ("lo-hi"; null: unknown)
          {"inflight_xids",
           s.inflight_xids == "?" ? nlohmann::json() : nlohmann::json(s.inflight_xids)},
          {"created_at", FormatTimestamp(s.created_at)}};
}

nlohmann::json TokenJson(const catalog::Token& t) {
  return {{"id", t.id},
          {"prefix", t.prefix},
          {"role", t.role},
          {"owner", t.owner},
          {"note", t.note},
          {"repos", t.repos},
          {"created_at", FormatTimestamp(t.created_at)},
          {"last_used_at", TimeOrNull(t.last_used_at)},
          {"revoked_at", TimeOrNull(t.revoked_at)}};
}

nlohmann::json QuotaJson(const catalog::Quota& q) {
  return {{"owner", StringOrNull(q.owner)},
          {"scope", q.owner.empty() ? "pool" : "owner"},
          {"max_branches", JsonOrNull(q.max_branches)},
          {"max_bytes", JsonOrNull(q.max_bytes)}};
}

nlohmann::json ScheduleJson(const catalog::Schedule& s) {
  return {{"name", s.name},
          {"label", s.label},
          {"stop", s.stop_cron},
          {"start", s.start_cron},
          {"created_at", FormatTimestamp(s.created_at)}};
}

nlohmann::json DeliveryJson(const catalog::Delivery& d) {
  nlohmann::json result = nlohmann::json::parse(d.result, nullptr, false);
  if (result.is_discarded()) result = d.result;  // a plain message
  return {{"forge", d.forge},
          {"delivery_id", d.delivery_id},
          {"repo", d.repo},
          {"pr", d.pr},
          {"action", d.action},
          {"state", d.state},
          {"result", result},
          {"received_at", FormatTimestamp(d.received_at)},
          {"finished_at", TimeOrNull(d.finished_at)}};
}

}  // namespace spur::api
