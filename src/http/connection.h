// Internal to http/: one accepted connection of HttpServer, driven by the
// server's I/O thread: reads one request under its deadlines, hands it to a
// handler pool, writes the answer and closes.
#pragma once

#include <array>
#include <asio.hpp>
#include <asio/ssl.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>

#include "http/admission.h"
#include "http/handler_pool.h"
#include "http/message.h"
#include "http/server.h"

namespace spur::http {

class Connection;

// What every connection of one server shares. Touched only on the I/O thread
// (except the const members, which workers read); outlives every connection.
struct ServerState {
  ServerState(asio::io_context& io, const HttpServer::Options& options, const Handler& handler,
              HandlerPool& workers, HandlerPool& quick, int max_open, asio::ssl::context* tls)
      : io(io),
        options(options),
        handler(handler),
        workers(workers),
        quick(quick),
        tls(tls),
        admission(max_open, options.max_connections_per_peer, options.reserved_connections) {}

  asio::io_context& io;
  const HttpServer::Options& options;
  const Handler& handler;
  HandlerPool& workers;
  HandlerPool& quick;
  asio::ssl::context* const tls;  // TCP connections speak TLS with it; null: plain

  Admission admission;
  size_t body_bytes = 0;  // reserved by connections receiving a body
  bool stopping = false;
  std::chrono::steady_clock::time_point stop_grace_end;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> live;
  char read_buffer[65536];  // one read at a time on the I/O thread
};

// A short machine-readable word for the statuses the transport itself sends.
std::string_view TransportErrorCode(int status);

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using Socket = asio::generic::stream_protocol::socket;

  // `socket` was admitted under `peer_key` (released on close). With `tls`,
  // the connection first completes a TLS handshake (under the idle deadline)
  // with state.tls, then speaks HTTP inside it.
  Connection(ServerState& state, Socket socket, Peer peer, std::string peer_key, bool tls);

  // Registers with state.live and starts reading. I/O thread only.
  void Start();
  // The server is stopping: a request still arriving gets until
  // state.stop_grace_end. I/O thread only.
  void OnServerStopping();

 private:
  using Clock = std::chrono::steady_clock;
  enum class Phase { kReading, kHandling, kWriting, kLingering, kClosed };

  void WaitReadable();
  void OnReadable(asio::error_code ec);
  void OnRead(asio::error_code ec, std::string_view bytes);
  template <typename Buffer, typename Done>
  void AsyncWrite(const Buffer& buffer, Done done);
  void OnBytes(std::string_view bytes);
  bool OnHeaders();  // false: answered (over the body budget)
  void Dispatch();
  void TimedOut();
  void Answer(const Response& response, bool linger);
  void Write(std::string wire, bool linger);
  void Linger();
  void Close();
  void SetDeadline(Clock::time_point at);
  void OnDeadline(asio::error_code ec);
  Clock::duration AtMinRate(size_t bytes) const;
  std::string Handle(const Request& request) const;  // on a worker thread

  ServerState& state_;
  Socket socket_;
  // Over socket_ when the connection speaks TLS; it reads into a buffer of
  // its own (a TLS record arrives in pieces), plain ones share the server's.
  std::unique_ptr<asio::ssl::stream<Socket&>> tls_;
  std::unique_ptr<std::array<char, 16384>> tls_buffer_;
  asio::steady_timer timer_;
  const Peer peer_;
  const std::string peer_key_;
  RequestParser parser_;
  Phase phase_ = Phase::kReading;
  bool got_bytes_ = false;
  bool headers_seen_ = false;
  bool continue_sent_ = false;
  bool deadline_passed_ = false;
  bool linger_ = false;
  size_t body_reserved_ = 0;
  std::string wire_;  // the answer being written
};

}  // namespace spur::http
