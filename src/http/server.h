// A small threaded HTTP/1.1 server: TCP and/or a Unix socket, one request per
// connection, a fixed pool of worker threads calling one Handler.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "http/io.h"
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
    int threads = 8;                 // workers; up to 16 accepted connections wait per worker
    size_t max_body = kDefaultMaxBodyBytes;  // larger request bodies get 413
    int io_timeout_ms = 10000;               // to receive a whole request, and to send the response
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
  // Call once.
  Status Start(Handler handler);

  // The bound TCP port (useful with Options::port 0); -1 without TCP.
  int port() const { return port_; }

  // Stops accepting, lets requests already accepted finish (a request still
  // arriving gets at most one more second), joins every thread and removes
  // the Unix socket file. Idempotent; may be called from any thread except a
  // handler's; returns when the server is fully stopped.
  void Stop();

 private:
  struct Connection {
    UniqueFd fd;
    Peer peer;
  };
  enum class ReadOutcome { kDone, kTimedOut, kClosed };

  Status SpawnThreads();
  void StopLocked();  // Stop() with lifecycle_mu_ held
  void AcceptLoop(int listen_fd, bool unix_socket);
  void WorkerLoop();
  void Serve(Connection connection);
  ReadOutcome ReadRequest(int fd, RequestParser* parser, bool* got_bytes);
  Response CallHandler(const Request& request, const Peer& peer);

  const Options options_;
  Handler handler_;
  UniqueFd tcp_listener_;
  UniqueFd unix_listener_;
  UniqueFd wake_read_;  // self-pipe: readable once Stop() begins
  UniqueFd wake_write_;
  int port_ = -1;
  dev_t unix_dev_ = 0;  // identity of the socket file we created, so that
  ino_t unix_ino_ = 0;  // Stop() never removes another server's socket

  std::vector<std::thread> acceptors_;
  std::vector<std::thread> workers_;

  std::mutex mu_;
  std::condition_variable work_ready_;
  std::deque<Connection> queue_;  // guarded by mu_
  std::atomic<bool> stopping_{false};
  Deadline stop_grace_end_{};  // written before stopping_ is set

  std::mutex lifecycle_mu_;  // serializes Start and Stop
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace spur::http
