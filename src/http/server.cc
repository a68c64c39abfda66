#include "http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <asio.hpp>
#include <asio/ssl.hpp>
#include <cerrno>
#include <chrono>
#include <string>
#include <thread>
#include <utility>

#include "http/connection.h"
#include "http/handler_pool.h"
#include "http/io.h"
#include "http/listen.h"
#include "http/tls_context.h"

namespace spur::http {
namespace {

using Protocol = asio::generic::stream_protocol;

constexpr size_t kQueuedPerWorker = 16;
constexpr size_t kQueuedPerQuickWorker = 32;
constexpr std::chrono::milliseconds kStopGrace{1000};   // for requests still arriving
constexpr std::chrono::milliseconds kAcceptRetry{100};  // after EMFILE and the like
constexpr int kFdsKeptFree = 256;                       // for postgres connections, files, pipes

std::string FormatAddress(const sockaddr* addr) {
  char text[INET6_ADDRSTRLEN] = "";
  if (addr->sa_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(addr);
    ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    return std::string(text) + ":" + std::to_string(ntohs(a->sin_port));
  }
  if (addr->sa_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(addr);
    ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    return "[" + std::string(text) + "]:" + std::to_string(ntohs(a->sin6_port));
  }
  return "";
}

// Raises the soft RLIMIT_NOFILE to the hard one and returns how many
// connections fit under it with kFdsKeptFree descriptors to spare.
int ConnectionsThatFit(int wanted) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return wanted;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  if (lim.rlim_cur == RLIM_INFINITY) return wanted;
  const auto fit = static_cast<long long>(lim.rlim_cur) - kFdsKeptFree;
  if (fit >= wanted) return wanted;
  const int capped = static_cast<int>(std::max<long long>(fit, 16));
  spdlog::warn("http: open files limit {} allows only {} connections (not {}); raise LimitNOFILE",
               lim.rlim_cur, capped, wanted);
  return capped;
}

// Answers an over-limit connection with 503 and closes it, without waiting:
// a fresh socket's send buffer is empty, so this small answer fits.
void Refuse(Protocol::socket& socket, std::string_view why) {
  const std::string busy = SerializeResponse(ErrorResponse(503, TransportErrorCode(503), why));
  const int fd = socket.native_handle();
  (void)!::send(fd, busy.data(), busy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  // Reads what already arrived: closing with unread input would reset the
  // connection, which can destroy the answer before the client reads it.
  char buf[4096];
  while (::recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0) {
  }
  asio::error_code ignored;
  socket.close(ignored);
}

}  // namespace

struct HttpServer::Impl {
  struct Listener {
    Listener(asio::io_context& io, bool unix_socket)
        : acceptor(io), retry(io), unix_socket(unix_socket) {}
    asio::basic_socket_acceptor<Protocol> acceptor;
    Protocol::endpoint peer;
    asio::steady_timer retry;
    bool unix_socket;
  };

  Impl(const Options& options, Handler handler_in, int max_open,
       std::unique_ptr<asio::ssl::context> tls_in)
      : handler(std::move(handler_in)),
        tls(std::move(tls_in)),
        workers(options.threads, kQueuedPerWorker * static_cast<size_t>(options.threads)),
        quick(options.quick_threads,
              kQueuedPerQuickWorker * static_cast<size_t>(options.quick_threads)),
        state(io, options, handler, workers, quick, max_open, tls.get()) {}

  // Hands listening socket `fd` to a new Listener in `*slot`; on failure
  // closes `fd`.
  Status Adopt(std::unique_ptr<Listener>* slot, Protocol protocol, int fd, bool unix_socket);
  void Accept(Listener& l);
  void OnAccepted(Listener& l, asio::error_code ec, Protocol::socket socket);
  void BeginStop();  // on the I/O thread

  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> keep_running =
      asio::make_work_guard(io);
  Handler handler;
  std::unique_ptr<asio::ssl::context> tls;  // for TCP connections; null: plain HTTP
  HandlerPool workers;
  HandlerPool quick;
  ServerState state;
  std::unique_ptr<Listener> tcp;
  std::unique_ptr<Listener> unix_socket;
  std::string unix_path;
  dev_t unix_dev = 0;  // identity of the socket file we created, so that
  ino_t unix_ino = 0;  // Stop() never removes another server's socket
  std::thread io_thread;
};

Status HttpServer::Impl::Adopt(std::unique_ptr<Listener>* slot, Protocol protocol, int fd,
                               bool unix_socket) {
  auto l = std::make_unique<Listener>(io, unix_socket);
  asio::error_code ec;
  l->acceptor.assign(protocol, fd, ec);
  if (ec) {
    ::close(fd);
    return Internal("cannot watch the listening socket: " + ec.message());
  }
  *slot = std::move(l);
  return Status::Ok();
}

void HttpServer::Impl::Accept(Listener& l) {
  l.acceptor.async_accept(l.peer, [this, &l](asio::error_code ec, Protocol::socket socket) {
    OnAccepted(l, ec, std::move(socket));
  });
}

void HttpServer::Impl::OnAccepted(Listener& l, asio::error_code ec, Protocol::socket socket) {
  if (ec == asio::error::operation_aborted || state.stopping) return;  // listener closed
  if (ec) {
    if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
        ec == asio::error::no_memory) {
      spdlog::warn("http: cannot accept a connection: {}", ec.message());
      l.retry.expires_after(kAcceptRetry);
      l.retry.async_wait([this, &l](asio::error_code wait_ec) {
        if (!wait_ec && !state.stopping) Accept(l);
      });
      return;
    }
    return Accept(l);  // ECONNABORTED and the like: that client is gone
  }
  Peer peer;
  peer.unix_socket = l.unix_socket;
  std::string key;
  bool privileged = false;
  if (l.unix_socket) {
    peer.address = unix_path;
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
      peer.uid = cred.uid;
      peer.pid = cred.pid;
      privileged = cred.uid == 0 || cred.uid == ::geteuid();
    }
    key = "uid " + (peer.uid ? std::to_string(*peer.uid) : std::string("?"));
  } else {
    peer.address = FormatAddress(static_cast<const sockaddr*>(l.peer.data()));
    key = "ip " + peer.address.substr(0, peer.address.rfind(':'));
  }
  if (!state.admission.TryAdmit(key, privileged)) {
    Refuse(socket,
           "server busy: too many open connections from you or in all; close idle ones "
           "and retry");
  } else {
    const bool tls = !l.unix_socket;  // when the server has a TLS context at all
    std::make_shared<Connection>(state, std::move(socket), std::move(peer), std::move(key), tls)
        ->Start();
  }
  Accept(l);
}

void HttpServer::Impl::BeginStop() {
  state.stopping = true;
  state.stop_grace_end = std::chrono::steady_clock::now() + kStopGrace;
  asio::error_code ignored;
  for (Listener* l : {tcp.get(), unix_socket.get()}) {
    if (l == nullptr) continue;
    l->acceptor.close(ignored);
    l->retry.cancel();
  }
  if (unix_socket) RemoveUnixSocket(unix_path, unix_dev, unix_ino);
  std::vector<std::shared_ptr<Connection>> live;
  for (auto& [raw, weak] : state.live) {
    if (auto c = weak.lock()) live.push_back(std::move(c));
  }
  for (auto& c : live) c->OnServerStopping();
  keep_running.reset();  // run() returns once every connection is done
}

HttpServer::HttpServer(Options options) : options_(std::move(options)) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start(Handler handler) {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  if (started_) return FailedPrecondition("the HTTP server was already started");
  const Options& o = options_;
  if (o.threads < 1 || o.quick_threads < 1 || o.idle_timeout_ms < 1 || o.header_timeout_ms < 1 ||
      o.body_timeout_ms < 1 || o.write_timeout_ms < 1 || o.max_connections < 1 ||
      o.max_connections_per_peer < 1 || o.reserved_connections < 0) {
    return InvalidArgument(
        "HTTP server needs at least 1 thread of each kind, positive timeouts and connection "
        "limits");
  }
  if (o.port < -1 || o.port > 65535) {
    return InvalidArgument("port " + std::to_string(o.port) +
                           " is out of range; use 1-65535, or 0 for any free port");
  }
  if (o.port == -1 && o.unix_path.empty()) {
    return InvalidArgument("HTTP server has nothing to listen on: no TCP port and no Unix socket");
  }
  std::unique_ptr<asio::ssl::context> tls;
  if (!o.tls_cert_file.empty() || !o.tls_key_file.empty()) {
    ASSIGN_OR_RETURN(tls, MakeServerTlsContext(o.tls_cert_file, o.tls_key_file));
  }
  TcpListener tcp;
  if (o.port >= 0) {
    ASSIGN_OR_RETURN(tcp, ListenTcp(o.host, o.port));
  }
  UnixListener unix_listener;
  if (!o.unix_path.empty()) {
    ASSIGN_OR_RETURN(unix_listener, ListenUnix(o.unix_path));
  }
  auto impl = std::make_unique<Impl>(o, std::move(handler), ConnectionsThatFit(o.max_connections),
                                     std::move(tls));
  Status started = Status::Ok();
  if (tcp.fd.valid()) {
    int family = AF_INET;
    socklen_t len = sizeof family;
    ::getsockopt(tcp.fd.get(), SOL_SOCKET, SO_DOMAIN, &family, &len);
    started = impl->Adopt(&impl->tcp, Protocol(family, IPPROTO_TCP), tcp.fd.Release(), false);
  }
  if (unix_listener.fd.valid()) {
    impl->unix_path = o.unix_path;
    impl->unix_dev = unix_listener.dev;
    impl->unix_ino = unix_listener.ino;
    Status adopted =
        impl->Adopt(&impl->unix_socket, Protocol(AF_UNIX, 0), unix_listener.fd.Release(), true);
    if (started.ok()) started = adopted;
  }
  if (started.ok()) started = impl->workers.Start();
  if (started.ok()) started = impl->quick.Start();
  if (started.ok()) {
    try {
      impl->io_thread = std::thread([io = &impl->io] { io->run(); });
    } catch (const std::system_error& e) {
      started = Internal(std::string("cannot start the HTTP I/O thread: ") + e.what());
    }
  }
  if (!started.ok()) {
    if (!o.unix_path.empty()) RemoveUnixSocket(o.unix_path, unix_listener.dev, unix_listener.ino);
    return started;  // ~Impl closes the listeners and stops the pools
  }
  Impl* raw = impl.get();
  asio::post(impl->io, [raw] {
    for (Impl::Listener* l : {raw->tcp.get(), raw->unix_socket.get()}) {
      if (l != nullptr) raw->Accept(*l);
    }
  });
  port_ = tcp.port;
  impl_ = std::move(impl);
  started_ = true;
  return Status::Ok();
}

void HttpServer::Stop() {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  StopLocked();
}

void HttpServer::StopLocked() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  Impl* impl = impl_.get();
  asio::post(impl->io, [impl] { impl->BeginStop(); });
  impl->io_thread.join();  // every connection answered or closed
  impl->workers.Stop();
  impl->quick.Stop();
  impl_.reset();
}

}  // namespace spur::http
