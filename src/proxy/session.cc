#include "proxy/session.h"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <utility>

#include "common/log.h"
#include "proxy/route.h"

namespace spur::proxy {
namespace {

namespace sqlstate = pg::wire::sqlstate;
using pg::wire::WireError;

constexpr size_t kStartupRead = 4096;
constexpr size_t kTlsRecord = 16 << 10;              // the most one TLS record holds
constexpr uint64_t kCountEvery = uint64_t{1} << 20;  // bytes between table updates

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What the client is told when its branch cannot be reached.
WireError LookupError(const std::string& branch, const Status& st) {
  switch (st.code()) {
    case Code::kNotFound:
      return {std::string(sqlstate::kInvalidCatalogName), st.message(), "",
              "Branch names are in `spur branch list`; the proxy routes by <branch>.<domain>, "
              "options=--branch=<branch> or dbname=<database>@<branch>."};
    case Code::kFailedPrecondition:
    case Code::kUnavailable:
      return {std::string(sqlstate::kCannotConnectNow), st.message(), "", ""};
    default:
      return {std::string(sqlstate::kConnectionFailure),
              "cannot reach branch \"" + branch + "\": " + st.message(), "", ""};
  }
}

void Count(Metrics* m, const std::string& name, const std::string& branch) {
  if (m != nullptr) m->CounterAdd(name, {{"branch", branch}});
}

}  // namespace

Session::Session(ProxyShared& shared, SessionSet& live, Socket socket)
    : shared_(shared),
      live_(live),
      client_(std::move(socket)),
      backend_(client_.get_executor()),
      deadline_(client_.get_executor()),
      handshake_(Handshake::Options{shared.tls != nullptr, shared.options.tls_required}) {}

Session::~Session() { EndPending(); }

void Session::EndPending() {
  if (pending_) {
    pending_ = false;
    shared_.pending.fetch_sub(1);
  }
}

void Session::Start() {
  live_[this] = weak_from_this();
  asio::error_code ignored;
  client_.set_option(asio::ip::tcp::no_delay(true), ignored);
  up_.resize(kStartupRead);
  SetDeadline(shared_.options.startup_timeout_ms);
  ReadClient();
}

void Session::SetDeadline(int ms) {
  deadline_.expires_after(std::chrono::milliseconds(ms));
  deadline_.async_wait([self = shared_from_this()](asio::error_code ec) {
    if (ec || self->closed_ || self->ready_) return;
    spdlog::debug("proxy: a connection{} did not finish its startup in time; closed",
                  self->branch_.empty() ? "" : " to " + self->branch_);
    self->Close();
  });
}

void Session::Close() {
  if (closed_) return;
  closed_ = true;
  live_.erase(this);
  asio::error_code ignored;
  deadline_.cancel();
  client_.shutdown(Socket::shutdown_both, ignored);
  client_.close(ignored);
  backend_.shutdown(Socket::shutdown_both, ignored);
  backend_.close(ignored);
  EndPending();
  if (id_) {
    CountBytes(/*force=*/true);
    shared_.table.Close(*id_, NowSeconds());
    id_.reset();
  }
}

// ---- I/O: the client's side is a plain socket or TLS on it; postgres is
// reached in plain text over loopback (pg_hba lets only loopback in so) ------

template <typename Buffer, typename Done>
void Session::ClientRead(const Buffer& buffer, Done done) {
  if (client_tls_) return client_tls_->async_read_some(buffer, std::move(done));
  client_.async_read_some(buffer, std::move(done));
}
template <typename Buffer, typename Done>
void Session::ClientWrite(const Buffer& buffer, Done done) {
  if (client_tls_) return asio::async_write(*client_tls_, buffer, std::move(done));
  asio::async_write(client_, buffer, std::move(done));
}

// ---- the startup phase with the client -------------------------------------

void Session::ReadClient() {
  ClientRead(asio::buffer(up_.data(), kStartupRead),
             [self = shared_from_this()](asio::error_code ec, size_t n) {
               if (self->closed_) return;
               if (ec) return self->Close();
               self->OnClientBytes(n);
             });
}

void Session::OnClientBytes(size_t n) { Drive(handshake_.Feed(std::string_view(up_.data(), n))); }

void Session::Drive(Handshake::Step step) {
  switch (step.action) {
    case Handshake::Action::kNeedMore:
      return ReadClient();
    case Handshake::Action::kReply:
      return WriteClientThen(std::move(step.reply),
                             [this] { Drive(handshake_.Feed(std::string_view())); });
    case Handshake::Action::kStartTls:
      return WriteClientThen(std::move(step.reply), [this] { StartClientTls(); });
    case Handshake::Action::kRefuse:
      return WriteClientThen(std::move(step.reply), [this] { Close(); });
    case Handshake::Action::kStartup:
      return Route(step.packet);
    case Handshake::Action::kCancel:
      return Cancel(step.packet);
  }
}

void Session::WriteClientThen(std::string bytes, std::function<void()> then) {
  out_ = std::move(bytes);
  ClientWrite(asio::buffer(out_),
              [self = shared_from_this(), then = std::move(then)](asio::error_code ec, size_t) {
                if (self->closed_) return;
                if (ec) return self->Close();
                then();
              });
}

void Session::StartClientTls() {
  client_tls_ = std::make_unique<asio::ssl::stream<Socket&>>(client_, *shared_.tls);
  client_tls_->async_handshake(
      asio::ssl::stream_base::server, [self = shared_from_this()](asio::error_code ec) {
        if (self->closed_) return;
        if (ec) {
          spdlog::debug("proxy: TLS handshake failed: {}", ec.message());
          return self->Close();
        }
        const char* name =
            ::SSL_get_servername(self->client_tls_->native_handle(), TLSEXT_NAMETYPE_host_name);
        if (name != nullptr) self->sni_ = name;
        self->handshake_.TlsStarted();
        self->ReadClient();
      });
}

void Session::Refuse(const WireError& error) {
  WriteClientThen(pg::wire::EncodeErrorResponse(error), [this] { Close(); });
}

// ---- routing, admission, lookup -------------------------------------------

void Session::Route(const pg::wire::StartupPacket& packet) {
  RouteOrError routed = RouteStartup(packet, sni_, shared_.options.domain);
  if (!routed.ok) return Refuse(routed.error);
  branch_ = routed.route.branch;
  forward_ = std::move(routed.route.forward);
  minor_ = packet.minor;
  auto id = shared_.table.Open(branch_);
  if (!id.ok()) {
    return Refuse({std::string(sqlstate::kTooManyConnections), id.status().message(), "", ""});
  }
  id_ = *id;
  EndPending();
  // A wake may take up to wake_timeout: the deadline makes room for it.
  deadline_.cancel();
  SetDeadline(shared_.options.wake_timeout_ms + shared_.options.startup_timeout_ms);
  Lookup(/*retried=*/false);
}

void Session::Lookup(bool retried) {
  auto self = shared_from_this();
  auto executor = client_.get_executor();
  const bool queued = shared_.resolvers.TryPush([self, executor, retried] {
    auto resolved = self->shared_.directory->Resolve(
        self->branch_, std::chrono::milliseconds(self->shared_.options.wake_timeout_ms));
    asio::post(executor, [self, resolved = std::move(resolved), retried]() mutable {
      self->OnResolved(std::move(resolved), retried);
    });
  });
  if (!queued) {
    Refuse({std::string(sqlstate::kCannotConnectNow),
            "the proxy is busy looking up other branches; retry in a moment", "", ""});
  }
}

void Session::OnResolved(Result<Resolved> resolved, bool retried) {
  if (closed_) return;
  if (!resolved.ok()) {
    spdlog::info("proxy: connection to {} refused: {}", branch_, resolved.status().message());
    return Refuse(LookupError(branch_, resolved.status()));
  }
  if (resolved->woke) {
    Count(shared_.options.metrics, "spur_proxy_wakes_total", branch_);
    if (shared_.options.metrics != nullptr) {
      shared_.options.metrics->HistogramObserve("spur_proxy_wake_seconds", {{"branch", branch_}},
                                                resolved->wake_seconds);
    }
    spdlog::info("proxy: woke branch {} in {:.0f} ms", branch_, resolved->wake_seconds * 1000);
  }
  backend_addr_ = resolved->backend;
  retried_ = retried;
  ConnectBackend();
}

void Session::ConnectBackend() {
  asio::error_code ec;
  const auto address = asio::ip::make_address(backend_addr_.host, ec);
  if (ec) {
    return Refuse({std::string(sqlstate::kConnectionFailure),
                   "branch \"" + branch_ + "\" listens on an address the proxy cannot use", "",
                   ""});
  }
  const asio::ip::tcp::endpoint endpoint(address, static_cast<uint16_t>(backend_addr_.port));
  backend_.async_connect(endpoint, [self = shared_from_this()](asio::error_code connect_ec) {
    if (self->closed_) return;
    if (connect_ec) {
      // Stopped or moved since the lookup (a cached answer): look again once.
      self->shared_.directory->Invalidate(self->branch_);
      if (!self->retried_) {
        asio::error_code ignored;
        self->backend_.close(ignored);
        return self->Lookup(/*retried=*/true);
      }
      return self->Refuse(
          {std::string(sqlstate::kConnectionFailure),
           "branch \"" + self->branch_ + "\" does not accept connections: " + connect_ec.message(),
           "", ""});
    }
    self->OnBackendConnected();
  });
}

void Session::OnBackendConnected() {
  asio::error_code ignored;
  backend_.set_option(asio::ip::tcp::no_delay(true), ignored);
  SendStartup();
}

void Session::SendStartup() {
  // The StartupMessage without the routing words, then whatever the client
  // sent behind it (a pipelined password).
  out_ = pg::wire::EncodeStartupMessage(minor_, forward_) + handshake_.rest();
  asio::async_write(backend_, asio::buffer(out_),
                    [self = shared_from_this()](asio::error_code ec, size_t) {
                      if (self->closed_) return;
                      if (ec) return self->Close();
                      self->out_.clear();
                      self->out_.shrink_to_fit();
                      self->StartRelay();
                    });
}

void Session::Cancel(const pg::wire::StartupPacket& packet) {
  // Only a pid and key that one of our open connections holds route; any
  // other request is dropped without a word, as postgres drops it.
  auto branch = shared_.table.BranchForCancel(packet.cancel_pid, packet.cancel_key);
  if (!branch) return Close();
  branch_ = *branch;
  EndPending();
  auto self = shared_from_this();
  auto executor = client_.get_executor();
  const bool queued = shared_.resolvers.TryPush([self, executor, packet] {
    auto resolved = self->shared_.directory->Resolve(self->branch_, std::chrono::milliseconds(0));
    asio::post(executor, [self, resolved = std::move(resolved), packet]() mutable {
      if (self->closed_ || !resolved.ok()) return self->Close();
      asio::error_code ec;
      const auto address = asio::ip::make_address(resolved->backend.host, ec);
      if (ec) return self->Close();
      self->out_ = pg::wire::EncodeCancelRequest(packet.cancel_pid, packet.cancel_key);
      self->backend_.async_connect(
          asio::ip::tcp::endpoint(address, static_cast<uint16_t>(resolved->backend.port)),
          [self](asio::error_code connect_ec) {
            if (self->closed_ || connect_ec) return self->Close();
            asio::async_write(self->backend_, asio::buffer(self->out_),
                              [self](asio::error_code, size_t) { self->Close(); });
          });
    });
  });
  if (!queued) Close();
}

// ---- the relay --------------------------------------------------------------
//
// An idle connection holds no buffer. Each direction waits until its source
// is readable, reads what is there into the I/O thread's scratch buffer, and
// writes as much as the destination takes at once; only what it does not
// take is copied and written asynchronously (backpressure: the source is not
// read again until it is gone). A TLS client is read through its own record
// buffer (TLS may hold decrypted bytes the socket no longer shows) and
// written from a copy (the TLS stream encrypts while the write runs).

namespace {

// The scratch buffer of the calling I/O thread: used only between a read
// and the write attempt that follows it, on the same thread.
asio::mutable_buffer Scratch(size_t size) {
  thread_local std::vector<char> scratch;
  if (scratch.size() < size) scratch.resize(size);
  return asio::buffer(scratch.data(), size);
}

}  // namespace

void Session::StartRelay() {
  asio::error_code ignored;
  client_.non_blocking(true, ignored);
  backend_.non_blocking(true, ignored);
  up_.clear();
  up_.shrink_to_fit();
  if (client_tls_) up_.resize(kTlsRecord);
  // Bytes may be waiting already (postgres's first answer, a client's
  // pipelined messages) whose readiness the reactor has seen and dropped.
  Read(/*up=*/true, /*speculate=*/true);
  Read(/*up=*/false, /*speculate=*/true);
}

// Asio's epoll reactor is edge-triggered and forgets readiness it sees while
// no wait is queued. So a plain source is read at once (`speculate`) after
// anything that may have let such an edge pass: the relay's start, an
// asynchronous write (nothing was waiting meanwhile), and a read that filled
// the buffer (more may be there, and no new edge will come for it). After a
// read that drained the socket and a write that finished at once, all in one
// handler, the reactor has seen nothing in between, and waiting is safe.
void Session::Read(bool up, bool speculate) {
  if (up && client_tls_) {
    return client_tls_->async_read_some(
        asio::buffer(up_), [self = shared_from_this()](asio::error_code ec, size_t n) {
          if (self->closed_) return;
          if (ec) return self->Close();
          self->Deliver(/*up=*/true, std::string_view(self->up_.data(), n), /*more=*/false);
        });
  }
  if (speculate) return ReadReady(up);
  Socket& from = up ? client_ : backend_;
  from.async_wait(Socket::wait_read, [self = shared_from_this(), up](asio::error_code ec) {
    if (self->closed_) return;
    if (ec) return self->Close();
    self->ReadReady(up);
  });
}

void Session::ReadReady(bool up) {
  Socket& from = up ? client_ : backend_;
  const asio::mutable_buffer scratch = Scratch(shared_.options.relay_buffer);
  asio::error_code ec;
  const size_t n = from.read_some(scratch, ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    return Read(up, /*speculate=*/false);
  }
  if (ec) {
    if (!up && !ready_ && backend_startup_.state() == BackendStartup::State::kInProgress) {
      spdlog::info("proxy: branch {} closed the connection during login", branch_);
    }
    return Close();
  }
  Deliver(up, std::string_view(static_cast<const char*>(scratch.data()), n),
          /*more=*/n == scratch.size());
}

void Session::Deliver(bool up, std::string_view bytes, bool more) {
  if (!up && !ready_ && !WatchLogin(bytes)) return;
  (up ? up_bytes_ : down_bytes_) += bytes.size();
  CountBytes(false);
  if (!up && client_tls_) {
    down_pending_.assign(bytes);
    return asio::async_write(*client_tls_, asio::buffer(down_pending_),
                             [self = shared_from_this()](asio::error_code ec, size_t) {
                               self->Written(/*up=*/false, ec);
                             });
  }
  Socket& to = up ? backend_ : client_;
  asio::error_code ec;
  const size_t done = to.write_some(asio::buffer(bytes.data(), bytes.size()), ec);
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) return Close();
  if (done == bytes.size()) {
    if (!more) return Read(up, /*speculate=*/false);
    // Read on in a handler of its own: other connections get their turn,
    // and a long stream does not deepen the stack.
    return asio::post(to.get_executor(), [self = shared_from_this(), up] {
      if (!self->closed_) self->Read(up, /*speculate=*/true);
    });
  }
  std::string& pending = up ? up_pending_ : down_pending_;
  pending.assign(bytes.substr(done));
  asio::async_write(to, asio::buffer(pending),
                    [self = shared_from_this(), up](asio::error_code write_ec, size_t) {
                      self->Written(up, write_ec);
                    });
}

void Session::Written(bool up, asio::error_code ec) {
  if (closed_) return;
  if (ec) return Close();
  std::string& pending = up ? up_pending_ : down_pending_;
  pending.clear();
  pending.shrink_to_fit();  // idle connections hold no buffer
  Read(up, /*speculate=*/true);
}

bool Session::WatchLogin(std::string_view bytes) {
  backend_startup_.Feed(bytes);
  switch (backend_startup_.state()) {
    case BackendStartup::State::kInProgress:
      return true;
    case BackendStartup::State::kReady:
      ready_ = true;
      deadline_.cancel();
      if (backend_startup_.has_cancel_key()) {
        shared_.table.SetCancelKey(*id_, backend_startup_.pid(), backend_startup_.cancel_key());
      }
      return true;
    case BackendStartup::State::kFailed:
      if (backend_startup_.error_sqlstate().rfind("28", 0) == 0) {
        Count(shared_.options.metrics, "spur_proxy_auth_failures_total", branch_);
        spdlog::info("proxy: login to branch {} failed ({})", branch_,
                     backend_startup_.error_sqlstate());
      }
      return true;  // the client gets postgres's own error
    case BackendStartup::State::kMalformed:
      spdlog::warn("proxy: branch {} answered the login with bytes that are not the protocol",
                   branch_);
      Close();
      return false;
  }
  return true;
}

void Session::CountBytes(bool force) {
  if (!id_) return;
  const uint64_t up = up_bytes_ - up_counted_, down = down_bytes_ - down_counted_;
  if (!force && up + down < kCountEvery) return;
  shared_.table.AddBytes(*id_, up, down);
  up_counted_ = up_bytes_;
  down_counted_ = down_bytes_;
}

}  // namespace spur::proxy
