#include "engine/daemon_state.h"

#include <nlohmann/json.hpp>

#include "os/process.h"

namespace spur::engine {
namespace {

constexpr char kKey[] = "daemon.state";

nlohmann::json ToJson(const DaemonState& s) {
  return {{"pid", s.pid},
          {"listen", s.listen},
          {"started_at", s.started_at},
          {"stopped_at", s.stopped_at},
          {"reaper_pass_at", s.reaper_pass_at},
          {"reaper_interval", s.reaper_interval},
          {"reaper_actions", s.reaper_actions},
          {"reaper_error", s.reaper_error},
          {"proxy_listen", s.proxy_listen},
          {"proxy_domain", s.proxy_domain},
          {"proxy_tls", s.proxy_tls}};
}

Status Write(catalog::Store& store, const DaemonState& s) {
  return store.SetSetting(kKey, ToJson(s).dump());
}

// The stored record, or a fresh one when there is none yet.
Result<DaemonState> Current(catalog::Store& store) {
  ASSIGN_OR_RETURN(auto s, ReadDaemonState(store));
  return s.value_or(DaemonState{});
}

}  // namespace

Status RecordDaemonStart(catalog::Store& store, int64_t pid, const std::string& listen,
                         int64_t now) {
  DaemonState s;
  s.pid = pid;
  s.listen = listen;
  s.started_at = now;
  return Write(store, s);
}

Status RecordDaemonProxy(catalog::Store& store, const std::string& listen,
                         const std::string& domain, bool tls) {
  ASSIGN_OR_RETURN(auto s, Current(store));
  s.proxy_listen = listen;
  s.proxy_domain = domain;
  s.proxy_tls = tls;
  return Write(store, s);
}

Status RecordReaperPass(catalog::Store& store, int64_t now, int64_t interval, int64_t actions,
                        const std::string& error) {
  ASSIGN_OR_RETURN(auto s, Current(store));
  s.reaper_pass_at = now;
  s.reaper_interval = interval;
  s.reaper_actions = actions;
  s.reaper_error = error;
  return Write(store, s);
}

Status RecordDaemonStop(catalog::Store& store, int64_t now) {
  ASSIGN_OR_RETURN(auto s, Current(store));
  s.stopped_at = now;
  return Write(store, s);
}

Result<std::optional<DaemonState>> ReadDaemonState(catalog::Store& store) {
  ASSIGN_OR_RETURN(auto text, store.GetSetting(kKey));
  if (!text) return std::optional<DaemonState>();
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) return std::optional<DaemonState>();
  DaemonState s;
  s.pid = j.value("pid", int64_t{0});
  s.listen = j.value("listen", "");
  s.started_at = j.value("started_at", int64_t{0});
  s.stopped_at = j.value("stopped_at", int64_t{0});
  s.reaper_pass_at = j.value("reaper_pass_at", int64_t{0});
  s.reaper_interval = j.value("reaper_interval", int64_t{0});
  s.reaper_actions = j.value("reaper_actions", int64_t{0});
  s.reaper_error = j.value("reaper_error", "");
  s.proxy_listen = j.value("proxy_listen", "");
  s.proxy_domain = j.value("proxy_domain", "");
  s.proxy_tls = j.value("proxy_tls", false);
  return std::optional<DaemonState>(std::move(s));
}

std::string DaemonLiveness(const DaemonState& s, int64_t now) {
  if (s.stopped_at >= s.started_at && s.stopped_at != 0) return "stopped";
  if (s.pid <= 0 || !os::ProcessAlive(static_cast<pid_t>(s.pid))) return "not running";
  const int64_t last = s.reaper_pass_at ? s.reaper_pass_at : s.started_at;
  const int64_t allowed = 3 * std::max<int64_t>(s.reaper_interval, 1) + 60;
  return now - last <= allowed ? "running" : "not running";
}

}  // namespace spur::engine
