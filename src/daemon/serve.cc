#include "daemon/serve.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "api/auth.h"
#include "api/pool_access.h"
#include "api/service.h"
#include "audit/log.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/units.h"
#include "common/untrusted_json.h"
#include "daemon/proxy_directory.h"
#include "daemon/sync_scheduler.h"
#include "engine/daemon_state.h"
#include "engine/options.h"
#include "engine/tls.h"
#include "http/server.h"
#include "os/fs.h"
#include "os/user.h"
#include "proxy/server.h"

namespace spur::daemon {
namespace {

// Wakes background loops early (new delivery, shutdown).
class Waker {
 public:
  void Notify() {
    std::lock_guard<std::mutex> g(mu_);
    pending_ = true;
    cv_.notify_all();
  }
  void Stop() {
    std::lock_guard<std::mutex> g(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  // Waits up to `seconds` or until notified; false once stopping.
  bool Wait(int seconds) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait_for(l, std::chrono::seconds(seconds), [&] { return pending_ || stopping_; });
    pending_ = false;
    return !stopping_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool pending_ = false, stopping_ = false;
};

Result<std::pair<std::string, int>> ParseListen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return InvalidArgument("--listen must be HOST:PORT (like 127.0.0.1:7432) or none");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  auto port = ParseInteger("--listen port", listen.substr(colon + 1), 0, 65535);
  if (!port.ok() || host.empty()) {
    return InvalidArgument("--listen must be HOST:PORT (like 127.0.0.1:7432) or none");
  }
  return std::make_pair(host, static_cast<int>(*port));
}

void DescribeMetrics(Metrics& m) {
  // spur_api_requests_total: api::Service::DescribeMetrics (its label sets).
  m.Describe("spur_branch_create_seconds", "histogram", "Branch create latency through the API",
             {0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10, 30});
  m.Describe("spur_reaper_actions_total", "counter", "Reaper actions by kind and result");
  m.Describe("spur_branches", "gauge", "Branches by state");
  m.Describe("spur_exclusive_bytes", "gauge", "Exclusive bytes of all branches (last measured)");
}

// The proxy's per-branch series, copied from its connection table at each
// scrape. Labels come only from branches that exist (`branches`, the
// API's list), so deleted ones drop out; `env` is the branch's own "env"
// label when it has one, else its name (how preview environments tag).
void UpdateProxyMetrics(Metrics& m, const proxy::ConnectionTable& table,
                        const nlohmann::json& branches) {
  for (const char* name : {"spur_proxy_connections_total", "spur_proxy_connections_refused_total",
                           "spur_proxy_bytes_total"}) {
    m.CounterClear(name);
  }
  m.GaugeClear("spur_proxy_connections_open");
  const auto all = table.All();
  for (const auto& b : branches) {
    const std::string branch = b.value("name", "");
    auto it = all.find(branch);
    if (it == all.end()) continue;
    std::string env = branch;
    if (b.contains("labels") && b["labels"].is_object() && b["labels"].contains("env") &&
        b["labels"]["env"].is_string()) {
      env = b["labels"]["env"].get<std::string>();
    }
    const Labels labels = {{"branch", branch}, {"env", env}};
    const auto& s = it->second;
    m.GaugeSet("spur_proxy_connections_open", labels, s.open);
    m.CounterSet("spur_proxy_connections_total", labels, static_cast<double>(s.total));
    m.CounterSet("spur_proxy_connections_refused_total", labels, static_cast<double>(s.refused));
    Labels up = labels, down = labels;
    up["direction"] = "to_server";
    down["direction"] = "to_client";
    m.CounterSet("spur_proxy_bytes_total", up, static_cast<double>(s.bytes_to_server));
    m.CounterSet("spur_proxy_bytes_total", down, static_cast<double>(s.bytes_to_client));
  }
}

// Gauges recomputed at each scrape.
void UpdateGauges(Metrics& m, api::Service& service, const proxy::ProxyServer* proxy) {
  api::Principal reader{"metrics", api::Role::kViewer, ""};
  api::Call call{"GET", "/branches"};
  api::Reply list = service.Handle(call, reader, /*count=*/false);
  m.GaugeClear("spur_branches");
  std::map<std::string, int> by_state = {{"running", 0}, {"stopped", 0}, {"suspended", 0}};
  uint64_t bytes = 0;
  if (list.status == 200) {
    for (const auto& b : list.body) {
      by_state[b.value("state", "stopped")]++;
      bytes += b.value("exclusive_bytes", uint64_t{0});
    }
  }
  for (const auto& [state, n] : by_state) m.GaugeSet("spur_branches", {{"state", state}}, n);
  m.GaugeSet("spur_exclusive_bytes", {}, static_cast<double>(bytes));
  if (proxy != nullptr && list.status == 200)
    UpdateProxyMetrics(m, proxy->connections(), list.body);
}

Result<std::pair<std::string, int>> ParseProxyListen(const std::string& listen) {
  auto hp = ParseListen(listen);
  if (!hp.ok() || hp->second == 0) {
    return InvalidArgument("--proxy-listen must be HOST:PORT with a port, like 0.0.0.0:5432");
  }
  return hp;
}

// A DNS domain for SNI routing: lower-case labels of letters, digits and
// '-', 1-63 bytes each, at least two of them.
Status ValidateProxyDomain(const std::string& domain) {
  bool ok = !domain.empty() && domain.size() <= 200 && domain.find('.') != std::string::npos;
  size_t label = 0;
  for (size_t i = 0; ok && i <= domain.size(); ++i) {
    const char c = i < domain.size() ? domain[i] : '.';
    if (c == '.') {
      ok = label >= 1 && label <= 63 && domain[i - 1] != '-';
      label = 0;
    } else {
      ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && label > 0);
      ++label;
    }
  }
  if (ok) return Status::Ok();
  return InvalidArgument(
      "--proxy-domain takes a DNS name in lower case, like db.example.com "
      "(branches are then <branch>.db.example.com)");
}

// Who is calling: a token if one is sent; otherwise, on the Unix socket,
// the local user (root or the pool's owner) as admin.
Result<api::Principal> Identify(api::PoolAccess& pool, const http::Request& req,
                                const http::Peer& peer, uid_t pool_owner) {
  std::string auth = req.Header("authorization");
  if (auth.empty() && peer.unix_socket && peer.uid && (*peer.uid == 0 || *peer.uid == pool_owner)) {
    auto found = os::LookupUid(*peer.uid);
    std::string user = found.ok() ? found->name : std::to_string(*peer.uid);
    return api::Principal{"local:" + user, api::Role::kAdmin, user};
  }
  api::Principal who;
  Status st = pool.With([&](engine::Pool& p) -> Status {
    ASSIGN_OR_RETURN(who, api::Authenticate(p.store(), auth, p.clock().NowSeconds()));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return who;
}

http::Response ToHttp(const api::Reply& reply) {
  http::Response r;
  r.status = reply.status;
  r.content_type = reply.content_type;
  r.body = reply.text.empty() && reply.content_type == "application/json"
               ? reply.body.dump(2) + "\n"
               : reply.text;
  return r;
}

}  // namespace

Status Serve(const ServeOptions& o) {
  if (o.json_logs) UseJsonLogs();
  std::string host;
  int port = -1;
  if (!o.listen.empty() && o.listen != "none") {
    ASSIGN_OR_RETURN(auto hp, ParseListen(o.listen));
    host = hp.first;
    port = hp.second;
  }
  // Block the stop signals in every thread; the main thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::string proxy_host;
  int proxy_port = -1;
  if (!o.proxy_listen.empty() && o.proxy_listen != "none") {
    ASSIGN_OR_RETURN(auto hp, ParseProxyListen(o.proxy_listen));
    proxy_host = hp.first;
    proxy_port = hp.second;
    if (!o.proxy_domain.empty()) RETURN_IF_ERROR(ValidateProxyDomain(o.proxy_domain));
  } else if (!o.proxy_domain.empty() || o.proxy_require_tls || o.proxy_only) {
    return InvalidArgument(
        "--proxy-domain, --proxy-require-tls and --proxy-only need --proxy-listen HOST:PORT");
  }
  ASSIGN_OR_RETURN(auto pool, engine::Pool::Open(o.pool, os::SystemClock(), /*hold_lock=*/false));
  for (const auto& r : pool->repairs()) spdlog::warn("repaired: {}", r);
  engine::Layout layout = pool->layout();
  struct stat st {};
  uid_t pool_owner = ::stat(layout.root.c_str(), &st) == 0 ? st.st_uid : 0;
  ASSIGN_OR_RETURN(auto audit, audit::AuditLog::Open(layout.audit_log()));
  api::SharedPoolAccess access(std::move(pool));
  Metrics metrics;
  DescribeMetrics(metrics);
  Waker deliveries, reaper, syncs;
  api::ServiceOptions so;
  so.cache_usage = true;
  so.metrics = &metrics;
  so.delivery_received = [&deliveries] { deliveries.Notify(); };
  std::unique_ptr<proxy::ProxyServer> proxy;
  if (proxy_port > 0) {
    proxy::ProxyServer::Options po;
    po.host = proxy_host;
    po.port = proxy_port;
    po.domain = o.proxy_domain;
    po.tls_required = o.proxy_require_tls;
    po.limits.per_branch = o.proxy_max_per_branch;
    po.limits.per_pool = o.proxy_max_connections;
    po.wake_timeout_ms = o.proxy_wake_timeout * 1000;
    po.io_threads = o.proxy_threads;
    po.metrics = &metrics;
    const engine::TlsPaths files = engine::TlsFiles(layout);
    if (os::PathExists(files.server_cert)) {
      po.tls_cert_file = files.server_cert;
      po.tls_key_file = files.server_key;
    } else if (o.proxy_require_tls || !o.proxy_domain.empty()) {
      return FailedPrecondition(
          "--proxy-require-tls and --proxy-domain need the pool's certificate; run `spur tls "
          "init --name '*.DOMAIN'` first");
    }
    proxy = std::make_unique<proxy::ProxyServer>(po);
    proxy::DescribeProxyMetrics(metrics);
    so.proxy_use = [p = proxy.get()](const std::string& branch) {
      const auto s = p->connections().Stats(branch);
      if (s.total == 0 && s.open == 0) return std::optional<engine::ProxyUse>();
      return std::optional<engine::ProxyUse>(engine::ProxyUse{s.open, s.last_closed});
    };
    so.proxy_only = o.proxy_only;
  }
  api::Service service(access, audit, so);
  PoolDirectory directory(access, service);

  http::HttpServer::Options ho;
  ho.host = host.empty() ? "127.0.0.1" : host;
  ho.port = port;
  ho.unix_path = layout.api_socket();
  ho.tls_cert_file = o.tls_cert;
  ho.tls_key_file = o.tls_key;
  if (o.tls && o.tls_cert.empty()) {
    const engine::TlsPaths files = engine::TlsFiles(layout);
    if (!os::PathExists(files.server_cert)) {
      return FailedPrecondition(
          "--tls: the pool has no certificate yet; run `spur tls init` first");
    }
    ho.tls_cert_file = files.server_cert;
    ho.tls_key_file = files.server_key;
  }
  const bool loopback = host.empty() || host == "127.0.0.1" || host == "::1" || host == "[::1]" ||
                        host == "localhost";
  if (port >= 0 && !loopback && ho.tls_cert_file.empty()) {
    spdlog::warn(
        "spur serve: plain HTTP on {}: tokens cross the network readable; use --tls "
        "(spur tls init) or --tls-cert/--tls-key",
        host);
  }
  ho.threads = o.threads;
  ho.max_connections = o.max_connections;
  ho.max_connections_per_peer = o.max_connections_per_peer;
  // Health checks never wait behind long mutations on the ordinary workers.
  ho.quick_route = [](const http::Request& req) { return req.path == "/healthz"; };
  http::HttpServer server(ho);
  RETURN_IF_ERROR(server.Start([&](const http::Request& req, const http::Peer& peer) {
    if (req.path == "/healthz") {
      http::Response r;
      r.body = "{\"status\":\"ok\"}\n";
      return r;
    }
    if (req.path == "/metrics" && req.method == "GET") {
      UpdateGauges(metrics, service, proxy.get());
      http::Response r;
      r.content_type = "text/plain; version=0.0.4";
      r.body = metrics.Render();
      return r;
    }
    api::Call call;
    call.method = req.method;
    // The API splits the still-encoded path, so "%2F" stays inside a segment.
    call.path = req.target.substr(0, req.target.find('?'));
    call.query = req.query;
    call.headers = req.headers;
    call.raw_body = req.body;
    if (!req.body.empty() && req.path.rfind("/hooks/", 0) != 0) {
      auto body = ParseUntrustedJson(req.body, "request body");
      if (!body.ok()) return ToHttp(api::ErrorReply(body.status()));
      call.body = std::move(*body);
    }
    api::Principal who;
    if (req.path.rfind("/hooks/", 0) != 0) {
      auto id = Identify(access, req, peer, pool_owner);
      if (!id.ok()) {
        service.CountRequest(req.method, call.path, api::HttpStatusFor(id.status().code()));
        return ToHttp(api::ErrorReply(id.status()));
      }
      who = *id;
    }
    api::Reply reply = service.Handle(call, who);
    spdlog::debug("{} {} {} -> {}", who.actor, req.method, req.path, reply.status);
    return ToHttp(reply);
  }));
  if (port >= 0) {
    spdlog::info("spur serve: listening on {}://{}:{}", ho.tls_cert_file.empty() ? "http" : "https",
                 ho.host, server.port());
  }
  spdlog::info("spur serve: listening on unix://{}", layout.api_socket());
  if (proxy) {
    RETURN_IF_ERROR(proxy->Start(directory));
    spdlog::info("spur serve: Postgres proxy on {}:{}{}{}", proxy_host, proxy->port(),
                 o.proxy_domain.empty() ? "" : " for *." + o.proxy_domain,
                 o.proxy_require_tls ? " (TLS required)" : "");
  }
  const std::string listen_text = port >= 0 ? ho.host + ":" + std::to_string(server.port()) : "";
  Status recorded = access.With([&](engine::Pool& p) {
    return engine::RecordDaemonStart(p.store(), ::getpid(), listen_text, p.clock().NowSeconds());
  });
  if (recorded.ok() && proxy) {
    recorded = access.With([&](engine::Pool& p) {
      return engine::RecordDaemonProxy(p.store(), proxy_host + ":" + std::to_string(proxy->port()),
                                       o.proxy_domain, !proxy->options().tls_cert_file.empty());
    });
  }
  if (!recorded.ok()) spdlog::warn("cannot record the daemon's start: {}", recorded.message());

  std::thread delivery_worker([&] {
    do {
      service.ProcessPendingDeliveries();  // also whatever a killed daemon left pending
    } while (deliveries.Wait(60));
  });
  std::thread reaper_loop([&] {
    int since_usage = 1 << 30;
    size_t repairs_recorded = 0;
    do {
      int interval = o.reaper_interval_override;
      access
          .With([&](engine::Pool& p) -> Status {
            Status rec = p.Reconcile();
            if (!rec.ok()) spdlog::warn("reconcile: {}", rec.message());
            // repairs() accumulates since open; record only the new ones.
            const auto& all = p.repairs();
            if (all.size() > repairs_recorded) {
              service.AuditRepairs({all.begin() + repairs_recorded, all.end()});
              repairs_recorded = all.size();
            }
            if (interval == 0) {
              auto opts = engine::LoadOptions(p.store());
              interval = opts.ok() ? static_cast<int>(opts->reaper_interval) : 30;
            }
            return Status::Ok();
          })
          .IgnoreError();
      auto pass = service.RunReaper();
      if (!pass.ok()) spdlog::warn("reaper: {}", pass.status().message());
      access
          .With([&](engine::Pool& p) {
            return engine::RecordReaperPass(p.store(), p.clock().NowSeconds(), interval,
                                            pass.ok() ? *pass : 0,
                                            pass.ok() ? "" : pass.status().message());
          })
          .IgnoreError();
      since_usage += interval;
      if (since_usage >= 60) {
        service.RefreshUsage().IgnoreError();
        since_usage = 0;
      }
      if (!reaper.Wait(std::max(1, interval))) break;
    } while (true);
  });

  std::thread sync_loop([&] {
    do {
      RunDueSyncs(access, layout);
    } while (syncs.Wait(30));
  });

  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("spur serve: {} received, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  server.Stop();
  if (proxy) proxy->Stop();
  deliveries.Stop();
  reaper.Stop();
  syncs.Stop();
  delivery_worker.join();
  sync_loop.join();
  reaper_loop.join();
  access
      .With([&](engine::Pool& p) {
        return engine::RecordDaemonStop(p.store(), p.clock().NowSeconds());
      })
      .IgnoreError();
  spdlog::info("spur serve: stopped; branches keep running");
  return Status::Ok();
}

}  // namespace spur::daemon
