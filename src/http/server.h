// An event-driven HTTP/1.1 server: TCP and/or a Unix socket, one request per
// connection. One I/O thread (standalone Asio) reads requests and writes
// answers for every connection without blocking; request handlers, which may
// block for seconds, run on separate worker threads. Deadlines and
// connection limits keep one client from making the server unavailable to
// the others.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/status.h"
#include "http/message.h"

namespace spur::http {

// Who is on the other end of a connection.
struct Peer {
  bool unix_socket = false;
  std::optional<uid_t> uid;  // from SO_PEERCRED; Unix socket only
  std::optional<pid_t> pid;  // from SO_PEERCRED; Unix socket only
  std::string address;       // "127.0.0.1:50312", "[::1]:50312", or the Unix socket path
};

// Answers one request. Called on worker threads, concurrently: it must be
// thread-safe. An exception it throws becomes a 500 JSON error.
using Handler = std::function<Response(const Request&, const Peer&)>;

class HttpServer {
 public:
  struct Options {
    std::string host = "127.0.0.1";  // TCP address (name or literal) to listen on
    int port = 0;                    // 0 = any free port; -1 = no TCP listener
    std::string unix_path;           // "" = no Unix socket
    // Both set: the TCP listener speaks HTTPS only (TLS 1.2 or later) with
    // this PEM certificate chain and key; the Unix socket stays plain (the
    // kernel already says who is on the other end). Both empty: plain HTTP.
    std::string tls_cert_file, tls_key_file;

    // Handlers. `threads` workers run them; up to 16 complete requests per
    // worker wait for one, a request beyond that gets 503 at once.
    int threads = 8;
    // Requests for which `quick_route` returns true (cheap ones that never
    // block, such as a health check) run on `quick_threads` workers of their
    // own, so they are answered while every worker is busy. Called on the
    // I/O thread: it must be cheap. Unset = every request is an ordinary one.
    std::function<bool(const Request&)> quick_route;
    int quick_threads = 2;

    // Deadlines, per connection (exceeded: 408 when part of a request has
    // arrived, else closed silently; 503 when the server is stopping).
    int idle_timeout_ms = 5000;     // from accept to the first byte
    int header_timeout_ms = 10000;  // from the first byte to the end of the headers
    // The body: body_timeout_ms from the end of the headers, plus the time
    // Content-Length takes at min_bytes_per_sec. The same allowance holds for
    // writing the answer (write_timeout_ms plus its size at that rate).
    int body_timeout_ms = 10000;
    int write_timeout_ms = 10000;
    size_t min_bytes_per_sec = size_t{256} << 10;

    // Limits. A connection over a cap gets 503 and is closed at once.
    size_t max_body = kDefaultMaxBodyBytes;  // larger Content-Length gets 413, before reading it
    // Open connections in all, lowered to fit RLIMIT_NOFILE (whose soft
    // limit Start() raises to the hard limit).
    int max_connections = 4096;
    // Open connections per client: per IP address over TCP, per uid on the
    // Unix socket.
    int max_connections_per_peer = 64;
    // Extra connections, beyond max_connections and exempt from the per-peer
    // cap, for the Unix socket peers root and this process's own uid: the
    // operator can always get in, however flooded TCP is.
    int reserved_connections = 64;
    // Request bodies all connections together may hold in memory (reserved
    // by Content-Length when the headers arrive); beyond it: 503.
    size_t max_buffered_body_bytes = size_t{256} << 20;
  };

  explicit HttpServer(Options options);
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens, then serves on background threads until Stop().
  // Fails, with nothing left bound, on bad options (InvalidArgument), a TCP
  // port in use or another server on the Unix path (Unavailable), a port that
  // needs privileges (PermissionDenied), or a Unix path that is too long or
  // names something other than a socket. A socket file nobody accepts on
  // (left by a crashed server) is replaced. The Unix socket gets mode 0660.
  // InvalidArgument, naming the file, for a TLS certificate or key that
  // cannot be read, does not parse or does not match.
  // Raises the process's RLIMIT_NOFILE soft limit to its hard limit.
  // Call once.
  Status Start(Handler handler);

  // The bound TCP port (useful with Options::port 0); -1 without TCP.
  int port() const { return port_; }

  // Stops accepting, lets requests already received finish (a request still
  // arriving gets at most one more second), joins every thread and removes
  // the Unix socket file. Idempotent; may be called from any thread except a
  // handler's; returns when the server is fully stopped.
  void Stop();

  struct Impl;  // the I/O thread, listeners and connections (server.cc)

 private:
  void StopLocked();  // Stop() with lifecycle_mu_ held

  const Options options_;
  std::unique_ptr<Impl> impl_;
  int port_ = -1;
  std::mutex lifecycle_mu_;  // serializes Start and Stop
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace spur::http
