// What `spur serve` last recorded about itself, kept in the pool's catalog
// so that `spur status` (local or through the API) can say whether the
// daemon runs, and so whether TTLs, idle suspend and webhooks are acted on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "catalog/store.h"
#include "common/status.h"

namespace spur::engine {

struct DaemonState {
  int64_t pid = 0;
  std::string listen;  // "127.0.0.1:7070", or "" for the Unix socket only
  int64_t started_at = 0;
  int64_t stopped_at = 0;       // 0 while it runs (or if it was killed)
  int64_t reaper_pass_at = 0;   // end of the last reaper pass; 0 before the first
  int64_t reaper_interval = 0;  // seconds between passes
  int64_t reaper_actions = 0;   // actions taken by the last pass
  std::string reaper_error;     // the last pass's error, "" when it passed
  // The Postgres proxy (spur serve --proxy-listen), "" when it has none.
  std::string proxy_listen;  // "127.0.0.1:5432"
  std::string proxy_domain;  // SNI routes `<branch>.<proxy_domain>`; "" = none
  bool proxy_tls = false;    // the proxy offers TLS with the pool's certificate
};

// Each writes one catalog setting; on failure (the catalog cannot be
// written) the previous record stays as it was.
[[nodiscard]] Status RecordDaemonStart(catalog::Store& store, int64_t pid,
                                       const std::string& listen, int64_t now);
// The daemon's proxy, after RecordDaemonStart.
[[nodiscard]] Status RecordDaemonProxy(catalog::Store& store, const std::string& listen,
                                       const std::string& domain, bool tls);
[[nodiscard]] Status RecordReaperPass(catalog::Store& store, int64_t now, int64_t interval,
                                      int64_t actions, const std::string& error);
[[nodiscard]] Status RecordDaemonStop(catalog::Store& store, int64_t now);

// nullopt when no daemon ever ran on this pool; an error only when the
// catalog cannot be read (a record that does not parse reads as nullopt).
[[nodiscard]] Result<std::optional<DaemonState>> ReadDaemonState(catalog::Store& store);

// "running": its process lives and its reaper passed within three intervals
// (plus a minute); "stopped": it said so on the way out; "not running": it
// is gone without saying so (killed, or the host restarted), or hung.
std::string DaemonLiveness(const DaemonState& state, int64_t now);

}  // namespace spur::engine
