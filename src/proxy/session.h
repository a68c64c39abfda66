// Internal to proxy/: one client connection of ProxyServer, from accept to
// close, driven by the I/O thread that accepted it: the startup phase with
// the client (proxy/handshake), routing and admission, the lookup (and wake)
// on a resolver thread, the connection to the branch's postgres, then the
// relay. Every piece of a Session is touched only on its I/O thread.
#pragma once

#include <array>
#include <asio.hpp>
#include <asio/ssl.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "http/handler_pool.h"
#include "proxy/backend_startup.h"
#include "proxy/connections.h"
#include "proxy/directory.h"
#include "proxy/handshake.h"
#include "proxy/server.h"

namespace spur::proxy {

class Session;

// What every session of one server shares; outlives them all.
struct ProxyShared {
  const ProxyServer::Options& options;
  Directory* directory = nullptr;
  ConnectionTable& table;
  http::HandlerPool& resolvers;
  asio::ssl::context* tls = nullptr;  // for clients; null: plain only
  std::atomic<int> pending{0};        // sessions before routing
  std::atomic<bool> stopping{false};
};

// The sessions of one I/O thread (touched on that thread only).
using SessionSet = std::unordered_map<Session*, std::weak_ptr<Session>>;

class Session : public std::enable_shared_from_this<Session> {
 public:
  using Socket = asio::ip::tcp::socket;

  Session(ProxyShared& shared, SessionSet& live, Socket socket);
  ~Session();

  // Registers in the live set, arms the startup deadline, reads. I/O thread.
  void Start();
  // Closes both sides at once (the server stops). I/O thread.
  void Close();

 private:
  using Clock = std::chrono::steady_clock;

  // The startup phase with the client.
  void ReadClient();
  void OnClientBytes(size_t n);
  void Drive(Handshake::Step step);
  void StartClientTls();
  void Refuse(const pg::wire::WireError& error);
  void WriteClientThen(std::string bytes, std::function<void()> then);
  // Routing, admission and the lookup.
  void Route(const pg::wire::StartupPacket& packet);
  void Lookup(bool retried);  // Resolve on a resolver thread, then OnResolved here
  void OnResolved(Result<Resolved> resolved, bool retried);
  void ConnectBackend();
  void OnBackendConnected();
  void SendStartup();
  void Cancel(const pg::wire::StartupPacket& packet);
  // The relay; `up` is client -> postgres.
  void StartRelay();
  void Read(bool up, bool speculate);
  void ReadReady(bool up);  // a plain source is (or may be) readable
  // Writes bytes just read; `more`: the read filled the buffer.
  void Deliver(bool up, std::string_view bytes, bool more);
  void Written(bool up, asio::error_code ec);
  // Reads postgres's answer to the login; false when it closed the session.
  bool WatchLogin(std::string_view bytes);
  void CountBytes(bool force);
  void SetDeadline(int ms);
  void EndPending();

  template <typename Buffer, typename Done>
  void ClientRead(const Buffer& buffer, Done done);
  template <typename Buffer, typename Done>
  void ClientWrite(const Buffer& buffer, Done done);

  ProxyShared& shared_;
  SessionSet& live_;
  Socket client_;
  std::unique_ptr<asio::ssl::stream<Socket&>> client_tls_;
  Socket backend_;  // plain TCP to the branch's postgres
  asio::steady_timer deadline_;
  Handshake handshake_;
  BackendStartup backend_startup_;
  std::string sni_;
  std::string branch_;
  pg::wire::Parameters forward_;
  uint16_t minor_ = 0;
  bool retried_ = false;  // looked up a second time after a failed connect
  Backend backend_addr_;
  std::optional<ConnectionTable::Id> id_;
  bool pending_ = true;  // counted in shared_.pending
  bool closed_ = false;
  bool ready_ = false;                          // the first ReadyForQuery passed: bytes only
  std::string out_;                             // a reply being written during the startup phase
  std::vector<char> up_;                        // startup reads; then a TLS client's record buffer
  std::string up_pending_, down_pending_;       // written asynchronously; empty when idle
  uint64_t up_bytes_ = 0, down_bytes_ = 0;      // relayed, in all
  uint64_t up_counted_ = 0, down_counted_ = 0;  // of those, reported to the table
};

}  // namespace spur::proxy
