// The Postgres proxy of `spur serve --proxy-listen`: one TCP endpoint for
// every branch. Each client goes through the startup phase with the proxy
// (TLS with the pool's certificate, or plain), is routed by SNI, options or
// database@branch (proxy/route), admitted against the connection limits
// (proxy/connections), connected to its branch's postgres, started first if
// it was suspended (Directory), and from then on relayed byte for byte both
// ways with no per-message work. Authentication is postgres's own (SCRAM
// with the branch's credentials), relayed: the proxy never sees a password.
//
// Event-driven (standalone Asio) on a few I/O threads; lookups and wakes,
// which block, run on resolver threads of their own. A slow, stuck or
// flooding client holds only its own connection, and every connection that
// has not finished its startup phase has a deadline.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "common/metrics.h"
#include "common/status.h"
#include "proxy/connections.h"
#include "proxy/directory.h"

namespace spur::proxy {

class ProxyServer {
 public:
  struct Options {
    std::string host = "127.0.0.1";  // address (name or literal) to listen on
    int port = 0;                    // 0 = any free port
    // Both set: clients may (or, with tls_required, must) speak TLS with this
    // PEM certificate chain and key; SNI routing needs a certificate for
    // `*.<domain>`. Both empty: plain only.
    std::string tls_cert_file, tls_key_file;
    bool tls_required = false;
    std::string domain;  // SNI `<branch>.<domain>` routes; "" = no SNI routing

    ConnectionTable::Limits limits;
    // Connections still in their startup phase (not yet routed), in all;
    // beyond it new ones are closed at once.
    int max_pending = 1024;
    int startup_timeout_ms = 10000;  // accept to the first ReadyForQuery, wakes aside
    int wake_timeout_ms = 30000;     // how long a client waits for a wake
    int io_threads = 2;
    int resolver_threads = 8;
    // Each I/O thread's read buffer: what one read relays at most. An idle
    // connection holds no buffer (a TLS one keeps its 16 KiB record buffer).
    size_t relay_buffer = 64 << 10;
    Metrics* metrics = nullptr;  // wakes, wake latency, auth failures (optional)
  };

  explicit ProxyServer(Options options);
  ~ProxyServer();  // Stop()
  ProxyServer(const ProxyServer&) = delete;
  ProxyServer& operator=(const ProxyServer&) = delete;

  // Binds and listens, then serves on background threads until Stop(),
  // looking branches up in `directory` (which must outlive the server).
  // Fails, with nothing bound: InvalidArgument for bad options or a TLS
  // certificate or key that cannot be used (naming the file); Unavailable for
  // an address in use; PermissionDenied for a port that needs privileges.
  // Call once.
  [[nodiscard]] Status Start(Directory& directory);

  int port() const { return port_; }  // the bound port; -1 before Start
  const Options& options() const { return options_; }
  // The open connections per branch, with their counters.
  const ConnectionTable& connections() const;
  ConnectionTable& connections();

  // Stops accepting, closes every connection (clients see the connection
  // end) and joins every thread. Idempotent; from any thread.
  void Stop();

  struct Impl;  // listeners, I/O threads, sessions (server.cc)

 private:
  const Options options_;
  std::unique_ptr<Impl> impl_;
  int port_ = -1;
  std::mutex lifecycle_mu_;
  bool started_ = false, stopped_ = false;
};

// Prometheus descriptions of the proxy's metrics (spur_proxy_*).
void DescribeProxyMetrics(Metrics& metrics);

}  // namespace spur::proxy
