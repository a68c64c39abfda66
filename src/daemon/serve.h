// `spur serve`: the daemon for one pool. Serves the API (api::Service) over
// HTTP on a TCP address and on the pool's Unix socket, runs the reaper
// (expiry, idle suspend, shutdown schedules) and the webhook delivery worker
// in the background, and stops cleanly on SIGTERM/SIGINT.
//
// Restart safety: every piece of state lives in the pool (metadata, audit
// log, pending deliveries), so after kill -9 a new daemon reconciles the pool
// and resumes unfinished deliveries.
#pragma once

#include <string>

#include "common/status.h"

namespace spur::daemon {

struct ServeOptions {
  std::string pool;                       // pool directory
  std::string listen = "127.0.0.1:7432";  // host:port; "" or "none" = Unix socket only
  int threads = 8;
  int max_connections = 4096;         // open connections in all (http::HttpServer::Options)
  int max_connections_per_peer = 64;  // per client IP address, or per uid on the Unix socket
  bool json_logs = false;
  int reaper_interval_override = 0;  // seconds; 0 = the pool option reaper_interval
  // Both set: the TCP listener speaks HTTPS only, with this PEM certificate
  // chain and key (http::HttpServer::Options).
  std::string tls_cert, tls_key;
  bool tls = false;  // HTTPS with the pool's own certificate (engine/tls.h)

  // The Postgres proxy (proxy/server.h): one endpoint for every branch.
  std::string proxy_listen;        // HOST:PORT; "" = no proxy
  std::string proxy_domain;        // SNI `<branch>.<proxy_domain>` routes; "" = no SNI routing
  bool proxy_require_tls = false;  // refuse clients that do not speak TLS
  // Clients reach branches only through the proxy: idle suspend and expiry
  // use its connection counts alone (no pg_stat_activity polling).
  bool proxy_only = false;
  int proxy_max_per_branch = 100;
  int proxy_max_connections = 1000;
  int proxy_wake_timeout = 30;  // seconds a client waits for a suspended branch
  int proxy_threads = 2;        // the proxy's I/O threads
};

// Runs until SIGTERM or SIGINT. Fails early (before serving) when the pool
// cannot be opened or an address is taken.
Status Serve(const ServeOptions& options);

}  // namespace spur::daemon
