#include "proxy/server.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <thread>
#include <vector>

#include "http/handler_pool.h"
#include "http/listen.h"
#include "http/tls_context.h"
#include "proxy/session.h"

namespace spur::proxy {
namespace {

constexpr size_t kResolverQueue = 4096;
constexpr std::chrono::milliseconds kAcceptRetry{100};  // after EMFILE and the like

// One I/O thread and the sessions it drives.
struct IoWorker {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> keep = asio::make_work_guard(io);
  SessionSet live;
  std::thread thread;
};

}  // namespace

struct ProxyServer::Impl {
  Impl(const Options& options, Directory& directory, std::unique_ptr<asio::ssl::context> tls_in)
      : table(options.limits),
        resolvers(options.resolver_threads, kResolverQueue),
        tls(std::move(tls_in)),
        shared{options, &directory, table, resolvers, tls.get()} {
    for (int i = 0; i < options.io_threads; ++i) workers.push_back(std::make_unique<IoWorker>());
  }

  void Accept();
  void OnAccepted(asio::error_code ec, asio::ip::tcp::socket socket, IoWorker& worker);
  void BeginStop();

  ConnectionTable table;
  http::HandlerPool resolvers;
  std::unique_ptr<asio::ssl::context> tls;
  ProxyShared shared;
  std::vector<std::unique_ptr<IoWorker>> workers;  // [0] also runs the acceptor
  std::unique_ptr<asio::ip::tcp::acceptor> acceptor;
  std::unique_ptr<asio::steady_timer> retry;
  size_t next_worker = 0;
};

void ProxyServer::Impl::Accept() {
  IoWorker& worker = *workers[next_worker++ % workers.size()];
  acceptor->async_accept(worker.io,
                         [this, &worker](asio::error_code ec, asio::ip::tcp::socket socket) {
                           OnAccepted(ec, std::move(socket), worker);
                         });
}

void ProxyServer::Impl::OnAccepted(asio::error_code ec, asio::ip::tcp::socket socket,
                                   IoWorker& worker) {
  if (ec == asio::error::operation_aborted || shared.stopping) return;
  if (ec) {
    if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
        ec == asio::error::no_memory) {
      spdlog::warn("proxy: cannot accept a connection: {}", ec.message());
      retry->expires_after(kAcceptRetry);
      retry->async_wait([this](asio::error_code wait_ec) {
        if (!wait_ec && !shared.stopping) Accept();
      });
      return;
    }
    return Accept();  // that client is gone
  }
  if (shared.pending.fetch_add(1) >= shared.options.max_pending) {
    shared.pending.fetch_sub(1);
    asio::error_code ignored;
    socket.close(ignored);  // a flood of connections that never log in
  } else {
    asio::post(worker.io, [this, &worker, s = std::move(socket)]() mutable {
      if (shared.stopping) {
        shared.pending.fetch_sub(1);
        return;
      }
      std::make_shared<Session>(shared, worker.live, std::move(s))->Start();
    });
  }
  Accept();
}

void ProxyServer::Impl::BeginStop() {
  asio::error_code ignored;
  acceptor->close(ignored);
  retry->cancel();
}

ProxyServer::ProxyServer(Options options) : options_(std::move(options)) {}

ProxyServer::~ProxyServer() { Stop(); }

const ConnectionTable& ProxyServer::connections() const { return impl_->table; }
ConnectionTable& ProxyServer::connections() { return impl_->table; }

Status ProxyServer::Start(Directory& directory) {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  if (started_) return FailedPrecondition("the proxy was already started");
  const Options& o = options_;
  if (o.io_threads < 1 || o.resolver_threads < 1 || o.max_pending < 1 || o.startup_timeout_ms < 1 ||
      o.wake_timeout_ms < 1 || o.limits.per_branch < 1 || o.limits.per_pool < 1 ||
      o.relay_buffer < 4096) {
    return InvalidArgument(
        "the proxy needs at least 1 thread of each kind, positive timeouts and limits, and "
        "relay buffers of at least 4 KiB");
  }
  if (o.port < 0 || o.port > 65535) {
    return InvalidArgument("--proxy-listen port " + std::to_string(o.port) +
                           " is out of range; use 1-65535");
  }
  if (o.tls_required && o.tls_cert_file.empty()) {
    return InvalidArgument("the proxy cannot require TLS without a certificate");
  }
  std::unique_ptr<asio::ssl::context> tls;
  if (!o.tls_cert_file.empty() || !o.tls_key_file.empty()) {
    ASSIGN_OR_RETURN(tls, http::MakeServerTlsContext(o.tls_cert_file, o.tls_key_file,
                                                     "the proxy's certificate and key"));
  }
  ASSIGN_OR_RETURN(auto listener, http::ListenTcp(o.host, o.port, "--proxy-listen"));
  auto impl = std::make_unique<Impl>(o, directory, std::move(tls));
  int family = AF_INET;
  socklen_t len = sizeof family;
  ::getsockopt(listener.fd.get(), SOL_SOCKET, SO_DOMAIN, &family, &len);
  impl->acceptor = std::make_unique<asio::ip::tcp::acceptor>(impl->workers[0]->io);
  impl->retry = std::make_unique<asio::steady_timer>(impl->workers[0]->io);
  asio::error_code ec;
  impl->acceptor->assign(family == AF_INET6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4(),
                         listener.fd.get(), ec);
  if (ec) return Internal("cannot watch the proxy's listening socket: " + ec.message());
  (void)listener.fd.Release();
  RETURN_IF_ERROR(impl->resolvers.Start());
  for (auto& w : impl->workers) {
    try {
      w->thread = std::thread([io = &w->io] { io->run(); });
    } catch (const std::system_error& e) {
      for (auto& started : impl->workers) {
        started->keep.reset();
        started->io.stop();
        if (started->thread.joinable()) started->thread.join();
      }
      return Internal(std::string("cannot start the proxy's I/O threads: ") + e.what());
    }
  }
  Impl* raw = impl.get();
  asio::post(impl->workers[0]->io, [raw] { raw->Accept(); });
  port_ = listener.port;
  impl_ = std::move(impl);
  started_ = true;
  return Status::Ok();
}

void ProxyServer::Stop() {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  if (!started_ || stopped_) return;
  stopped_ = true;
  Impl* impl = impl_.get();
  // From here no new session starts (OnAccepted checks it on the I/O
  // thread), so one pass closes every session there is.
  impl->shared.stopping = true;
  asio::post(impl->workers[0]->io, [impl] { impl->BeginStop(); });
  for (auto& w : impl->workers) {
    asio::post(w->io, [w = w.get()] {
      std::vector<std::shared_ptr<Session>> live;
      for (auto& [raw, weak] : w->live) {
        if (auto s = weak.lock()) live.push_back(std::move(s));
      }
      for (auto& s : live) s->Close();
    });
    w->keep.reset();
  }
  // Lookups still queued or running end by themselves; their answers find
  // their sessions closed.
  impl->resolvers.Stop();
  for (auto& w : impl->workers) w->thread.join();
  impl_.reset();
}

void DescribeProxyMetrics(Metrics& m) {
  m.Describe("spur_proxy_connections_open", "gauge", "Client connections open through the proxy");
  m.Describe("spur_proxy_connections_total", "counter",
             "Client connections the proxy admitted to a branch");
  m.Describe("spur_proxy_connections_refused_total", "counter",
             "Client connections refused by a connection limit");
  m.Describe("spur_proxy_bytes_total", "counter",
             "Bytes relayed by the proxy, by direction (to_server, to_client)");
  m.Describe("spur_proxy_wakes_total", "counter", "Suspended branches started by a connection");
  m.Describe("spur_proxy_wake_seconds", "histogram",
             "From a connection to a suspended branch to its postgres accepting connections",
             {0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2, 5, 10, 30});
  m.Describe("spur_proxy_auth_failures_total", "counter",
             "Logins through the proxy that postgres refused (SQLSTATE class 28)");
}

}  // namespace spur::proxy
