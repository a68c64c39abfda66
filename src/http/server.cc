#include "http/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <exception>
#include <string>
#include <system_error>

#include "http/listen.h"

namespace spur::http {
namespace {

constexpr size_t kQueuedPerWorker = 16;
constexpr int kStopGraceMs = 1000;  // for requests still arriving when Stop() begins
constexpr int kLingerMs = 1000;     // draining unread input before closing after an error
constexpr size_t kReadChunk = 16384;

// A short machine-readable word for the statuses the transport itself sends.
std::string_view ErrorCode(int status) {
  switch (status) {
    case 400:
      return "bad_request";
    case 408:
      return "request_timeout";
    case 413:
      return "body_too_large";
    case 431:
      return "headers_too_large";
    case 501:
      return "not_implemented";
    case 503:
      return "unavailable";
    case 505:
      return "http_version_not_supported";
    default:
      return "internal";
  }
}

std::string FormatAddress(const sockaddr_storage& addr) {
  char text[INET6_ADDRSTRLEN] = "";
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    return std::string(text) + ":" + std::to_string(ntohs(a->sin_port));
  }
  if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    return "[" + std::string(text) + "]:" + std::to_string(ntohs(a->sin6_port));
  }
  return "";
}

// Reads and drops what has already arrived on non-blocking `fd`, without
// waiting: closing a socket with unread input resets the connection, which
// can destroy the answer before the client reads it.
void DiscardPendingInput(int fd) {
  char buf[kReadChunk];
  while (::recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0) {
  }
}

// After answering a request we did not read in full, reads and drops what the
// client is still sending (briefly), so that closing does not reset the
// connection before the client has read the answer.
void LingeringClose(int fd) {
  ::shutdown(fd, SHUT_WR);
  const Deadline deadline = DeadlineIn(kLingerMs);
  char buf[kReadChunk];
  while ((WaitFor(fd, POLLIN, deadline) & (POLLIN | POLLHUP | POLLERR)) != 0) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) return;
  }
}

}  // namespace

HttpServer::HttpServer(Options options) : options_(std::move(options)) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start(Handler handler) {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  if (started_) return FailedPrecondition("the HTTP server was already started");
  if (options_.threads < 1 || options_.io_timeout_ms < 1) {
    return InvalidArgument("HTTP server needs at least 1 thread and a positive I/O timeout");
  }
  if (options_.port < -1 || options_.port > 65535) {
    return InvalidArgument("port " + std::to_string(options_.port) +
                           " is out of range; use 1-65535, or 0 for any free port");
  }
  if (options_.port == -1 && options_.unix_path.empty()) {
    return InvalidArgument("HTTP server has nothing to listen on: no TCP port and no Unix socket");
  }
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    return Internal("cannot create a pipe: " + ErrnoText(errno));
  }
  UniqueFd wake_read(pipe_fds[0]), wake_write(pipe_fds[1]);
  TcpListener tcp;
  if (options_.port >= 0) {
    ASSIGN_OR_RETURN(tcp, ListenTcp(options_.host, options_.port));
  }
  UnixListener unix_listener;
  if (!options_.unix_path.empty()) {
    ASSIGN_OR_RETURN(unix_listener, ListenUnix(options_.unix_path));
  }
  wake_read_ = std::move(wake_read);
  wake_write_ = std::move(wake_write);
  tcp_listener_ = std::move(tcp.fd);
  port_ = tcp.port;
  unix_listener_ = std::move(unix_listener.fd);
  unix_dev_ = unix_listener.dev;
  unix_ino_ = unix_listener.ino;
  handler_ = std::move(handler);
  started_ = true;
  Status spawned = SpawnThreads();
  if (!spawned.ok()) StopLocked();
  return spawned;
}

Status HttpServer::SpawnThreads() {
  try {
    for (int i = 0; i < options_.threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
    if (tcp_listener_.valid()) {
      acceptors_.emplace_back([this] { AcceptLoop(tcp_listener_.get(), false); });
    }
    if (unix_listener_.valid()) {
      acceptors_.emplace_back([this] { AcceptLoop(unix_listener_.get(), true); });
    }
  } catch (const std::system_error& e) {
    return Internal(std::string("cannot start HTTP server threads: ") + e.what());
  }
  return Status::Ok();
}

void HttpServer::Stop() {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  StopLocked();
}

void HttpServer::StopLocked() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  stop_grace_end_ = DeadlineIn(kStopGraceMs);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_.store(true);
  }
  work_ready_.notify_all();
  while (::write(wake_write_.get(), "x", 1) < 0 && errno == EINTR) {
  }
  for (std::thread& t : acceptors_) t.join();
  tcp_listener_.Reset();
  if (unix_listener_.valid()) {
    unix_listener_.Reset();
    RemoveUnixSocket(options_.unix_path, unix_dev_, unix_ino_);
  }
  for (std::thread& t : workers_) t.join();
  acceptors_.clear();
  workers_.clear();
}

void HttpServer::AcceptLoop(int listen_fd, bool unix_socket) {
  const size_t capacity = kQueuedPerWorker * static_cast<size_t>(options_.threads);
  while (!stopping_.load()) {
    pollfd fds[2] = {{listen_fd, POLLIN, 0}, {wake_read_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) {
      spdlog::error("http: poll on listening socket: {}", ErrnoText(errno));
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    sockaddr_storage addr{};
    socklen_t addr_len = sizeof addr;
    const int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&addr), &addr_len,
                             SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        spdlog::warn("http: cannot accept a connection: {}", ErrnoText(errno));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      continue;  // EAGAIN, EINTR, ECONNABORTED: the next poll sorts it out
    }
    Connection c{UniqueFd(fd), Peer{}};
    c.peer.unix_socket = unix_socket;
    if (unix_socket) {
      c.peer.address = options_.unix_path;
      ucred cred{};
      socklen_t len = sizeof cred;
      if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
        c.peer.uid = cred.uid;
        c.peer.pid = cred.pid;
      }
    } else {
      c.peer.address = FormatAddress(addr);
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (queue_.size() >= capacity) {
      lock.unlock();
      // A fresh socket's send buffer is empty: this small answer cannot block.
      const std::string busy = SerializeResponse(ErrorResponse(
          503, ErrorCode(503), "server busy: too many connections waiting; retry shortly"));
      SendAll(fd, busy, DeadlineIn(0)).IgnoreError();
      DiscardPendingInput(fd);
      continue;
    }
    queue_.push_back(std::move(c));
    lock.unlock();
    work_ready_.notify_one();
  }
}

void HttpServer::WorkerLoop() {
  while (true) {
    std::unique_lock<std::mutex> lock(mu_);
    work_ready_.wait(lock, [this] { return stopping_.load() || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything accepted was served
    Connection c = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    Serve(std::move(c));
  }
}

void HttpServer::Serve(Connection c) {
  const int fd = c.fd.get();
  RequestParser parser(kDefaultMaxHeaderBytes, options_.max_body);
  bool got_bytes = false;
  const ReadOutcome outcome = ReadRequest(fd, &parser, &got_bytes);
  if (!got_bytes) return;  // nothing asked, nothing to answer
  Response response;
  bool head = false;
  if (parser.state() == RequestParser::State::kComplete) {
    const Request request = parser.TakeRequest();
    head = request.method == "HEAD";
    response = CallHandler(request, c.peer);
  } else if (parser.state() == RequestParser::State::kError) {
    response = ErrorResponse(parser.error_status(), ErrorCode(parser.error_status()),
                             parser.error_message());
  } else if (outcome == ReadOutcome::kTimedOut && stopping_.load()) {
    response = ErrorResponse(503, ErrorCode(503), "the server is shutting down; retry shortly");
  } else if (outcome == ReadOutcome::kTimedOut) {
    response = ErrorResponse(408, ErrorCode(408), "the request did not arrive in time");
  } else {
    response = ErrorResponse(400, ErrorCode(400), "the request ended before it was complete");
  }
  std::string wire = SerializeResponse(response);
  if (head && wire.ends_with(response.body)) wire.resize(wire.size() - response.body.size());
  if (Status s = SendAll(fd, wire, DeadlineIn(options_.io_timeout_ms)); !s.ok()) {
    spdlog::debug("http: answering {}: {}", c.peer.address, s.message());
    return;
  }
  if (parser.state() != RequestParser::State::kComplete) LingeringClose(fd);
}

HttpServer::ReadOutcome HttpServer::ReadRequest(int fd, RequestParser* parser, bool* got_bytes) {
  const Deadline own_deadline = DeadlineIn(options_.io_timeout_ms);
  bool continue_sent = false;
  char buf[kReadChunk];
  while (parser->state() == RequestParser::State::kNeedMore) {
    const bool stopping = stopping_.load();
    const Deadline deadline = stopping ? std::min(own_deadline, stop_grace_end_) : own_deadline;
    // Until Stop() begins, its wake-up pipe cuts the wait short so that the
    // shorter grace deadline applies from then on.
    pollfd fds[2] = {{fd, POLLIN, 0}, {wake_read_.get(), POLLIN, 0}};
    const int n = ::poll(fds, stopping ? 1 : 2, MillisLeft(deadline));
    if (n < 0 && errno != EINTR) return ReadOutcome::kClosed;
    if (n == 0) return ReadOutcome::kTimedOut;
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    const ssize_t got = ::recv(fd, buf, sizeof buf, 0);
    if (got == 0) return ReadOutcome::kClosed;
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      *got_bytes = false;  // reset by the peer: nobody to answer
      return ReadOutcome::kClosed;
    }
    *got_bytes = true;
    parser->Feed(std::string_view(buf, static_cast<size_t>(got)));
    if (parser->WantsContinue() && !continue_sent) {
      continue_sent = true;
      SendAll(fd, "HTTP/1.1 100 Continue\r\n\r\n", deadline).IgnoreError();
    }
  }
  return ReadOutcome::kDone;
}

Response HttpServer::CallHandler(const Request& request, const Peer& peer) {
  std::string what;
  try {
    return handler_(request, peer);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "unknown exception";
  }
  spdlog::error("http: handler for {} {} threw: {}", request.method, request.path, what);
  return ErrorResponse(500, "internal", "the server failed on this request: " + what);
}

}  // namespace spur::http
