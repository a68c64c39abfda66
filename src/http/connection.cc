#include "http/connection.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <utility>

namespace spur::http {
namespace {

constexpr std::chrono::milliseconds kLinger{1000};  // draining input after an error answer
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace

std::string_view TransportErrorCode(int status) {
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

Connection::Connection(ServerState& state, Socket socket, Peer peer, std::string peer_key, bool tls)
    : state_(state),
      socket_(std::move(socket)),
      timer_(state.io),
      peer_(std::move(peer)),
      peer_key_(std::move(peer_key)),
      parser_(kDefaultMaxHeaderBytes, state.options.max_body) {
  if (tls && state.tls != nullptr) {
    tls_ = std::make_unique<asio::ssl::stream<Socket&>>(socket_, *state.tls);
    tls_buffer_ = std::make_unique<std::array<char, 16384>>();
  }
}

void Connection::Start() {
  state_.live.emplace(this, weak_from_this());
  asio::error_code ignored;
  socket_.non_blocking(true, ignored);
  SetDeadline(Clock::now() + std::chrono::milliseconds(state_.options.idle_timeout_ms));
  if (!tls_) return WaitReadable();
  // The handshake counts as idle time: a client that never finishes it is
  // closed like one that never sends a byte.
  tls_->async_handshake(asio::ssl::stream_base::server,
                        [self = shared_from_this()](asio::error_code ec) {
                          if (self->phase_ != Phase::kReading) return;
                          if (ec || self->deadline_passed_) {
                            spdlog::debug("http: TLS handshake with {} failed: {}",
                                          self->peer_.address, ec ? ec.message() : "timed out");
                            return self->Close();
                          }
                          self->WaitReadable();
                        });
}

template <typename Buffer, typename Done>
void Connection::AsyncWrite(const Buffer& buffer, Done done) {
  if (tls_)
    asio::async_write(*tls_, buffer, std::move(done));
  else
    asio::async_write(socket_, buffer, std::move(done));
}

void Connection::OnServerStopping() {
  if (phase_ == Phase::kReading) SetDeadline(timer_.expiry());  // clamped to the grace
}

// Waits without a buffer and reads into the server's shared one: an idle or
// slow connection holds no read buffer of its own.
void Connection::WaitReadable() {
  if (tls_) {
    tls_->async_read_some(asio::buffer(*tls_buffer_),
                          [self = shared_from_this()](asio::error_code ec, size_t n) {
                            self->OnRead(ec, std::string_view(self->tls_buffer_->data(), n));
                          });
    return;
  }
  socket_.async_wait(Socket::wait_read,
                     [self = shared_from_this()](asio::error_code ec) { self->OnReadable(ec); });
}

void Connection::OnReadable(asio::error_code ec) {
  if (phase_ != Phase::kReading && phase_ != Phase::kLingering) return;
  if (deadline_passed_) return phase_ == Phase::kReading ? TimedOut() : Close();
  if (ec) return Close();
  const size_t n = socket_.read_some(asio::buffer(state_.read_buffer), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) return WaitReadable();
  OnRead(ec, std::string_view(state_.read_buffer, n));
}

// What a read brought (plain or decrypted): bytes, the end, or an error.
void Connection::OnRead(asio::error_code ec, std::string_view bytes) {
  if (phase_ != Phase::kReading && phase_ != Phase::kLingering) return;
  if (deadline_passed_) return phase_ == Phase::kReading ? TimedOut() : Close();
  // A TLS peer that closes without close_notify ends the stream all the same.
  if (ec == asio::ssl::error::stream_truncated) ec = asio::error::eof;
  if (ec == asio::error::eof && phase_ == Phase::kReading && got_bytes_) {
    return Answer(
        ErrorResponse(400, TransportErrorCode(400), "the request ended before it was complete"),
        /*linger=*/false);
  }
  if (ec) return Close();  // closed or reset before asking anything: nobody to answer
  if (phase_ == Phase::kLingering) return WaitReadable();
  OnBytes(bytes);
}

void Connection::OnBytes(std::string_view bytes) {
  if (!got_bytes_) {
    got_bytes_ = true;
    SetDeadline(Clock::now() + std::chrono::milliseconds(state_.options.header_timeout_ms));
  }
  parser_.Feed(bytes);
  if (parser_.headers_complete() && !headers_seen_) {
    headers_seen_ = true;
    if (!OnHeaders()) return;
  }
  if (parser_.state() == RequestParser::State::kComplete) return Dispatch();
  if (parser_.state() == RequestParser::State::kError) {
    const int status = parser_.error_status();
    return Answer(ErrorResponse(status, TransportErrorCode(status), parser_.error_message()),
                  /*linger=*/true);
  }
  if (parser_.WantsContinue() && !continue_sent_) {
    continue_sent_ = true;
    AsyncWrite(asio::buffer(kContinue.data(), kContinue.size()),
               [self = shared_from_this()](asio::error_code ec, size_t) {
                 if (self->phase_ != Phase::kReading) return;
                 if (self->deadline_passed_) return self->TimedOut();
                 if (ec) return self->Close();
                 self->WaitReadable();
               });
    return;
  }
  WaitReadable();
}

bool Connection::OnHeaders() {
  const size_t length =
      std::strtoull(parser_.request().Header("content-length").c_str(), nullptr, 10);
  if (state_.body_bytes + length > state_.options.max_buffered_body_bytes) {
    Answer(ErrorResponse(503, TransportErrorCode(503),
                         "server busy: too many request bodies arriving; retry shortly"),
           /*linger=*/true);
    return false;
  }
  body_reserved_ = length;
  state_.body_bytes += length;
  SetDeadline(Clock::now() + std::chrono::milliseconds(state_.options.body_timeout_ms) +
              AtMinRate(length));
  return true;
}

void Connection::Dispatch() {
  phase_ = Phase::kHandling;
  timer_.cancel();
  auto request = std::make_shared<const Request>(parser_.TakeRequest());
  const bool quick = state_.options.quick_route && state_.options.quick_route(*request);
  auto job = [self = shared_from_this(), request, work = asio::make_work_guard(state_.io)] {
    std::string wire = self->Handle(*request);
    asio::post(self->state_.io, [self, wire = std::move(wire)]() mutable {
      self->Write(std::move(wire), /*linger=*/false);
    });
  };
  if (!(quick ? state_.quick : state_.workers).TryPush(std::move(job))) {
    Answer(ErrorResponse(503, TransportErrorCode(503),
                         "server busy: every worker is taken and requests are waiting; retry "
                         "shortly"),
           /*linger=*/false);
  }
}

std::string Connection::Handle(const Request& request) const {
  Response response;
  std::string what;
  try {
    response = state_.handler(request, peer_);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "unknown exception";
  }
  if (!what.empty()) {
    spdlog::error("http: handler for {} {} threw: {}", request.method, request.path, what);
    response = ErrorResponse(500, "internal", "the server failed on this request: " + what);
  }
  std::string wire = SerializeResponse(response);
  if (request.method == "HEAD" && wire.ends_with(response.body)) {
    wire.resize(wire.size() - response.body.size());
  }
  return wire;
}

void Connection::TimedOut() {
  if (!got_bytes_) return Close();  // nothing asked, nothing to answer
  const int status = state_.stopping ? 503 : 408;
  Answer(ErrorResponse(status, TransportErrorCode(status),
                       state_.stopping ? "the server is shutting down; retry shortly"
                                       : "the request did not arrive in time"),
         /*linger=*/true);
}

void Connection::Answer(const Response& response, bool linger) {
  Write(SerializeResponse(response), linger);
}

void Connection::Write(std::string wire, bool linger) {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kWriting;
  linger_ = linger;
  wire_ = std::move(wire);
  SetDeadline(Clock::now() + std::chrono::milliseconds(state_.options.write_timeout_ms) +
              AtMinRate(wire_.size()));
  AsyncWrite(asio::buffer(wire_), [self = shared_from_this()](asio::error_code ec, size_t) {
    if (self->phase_ != Phase::kWriting) return;
    if (ec || self->deadline_passed_) {
      spdlog::debug("http: answering {}: {}", self->peer_.address,
                    ec ? ec.message() : "write timed out");
      return self->Close();
    }
    self->linger_ ? self->Linger() : self->Close();
  });
}

// After answering a request not read in full, reads and drops what the client
// is still sending (briefly), so that closing does not reset the connection
// before the client has read the answer.
void Connection::Linger() {
  phase_ = Phase::kLingering;
  asio::error_code ignored;
  // TLS: no close_notify first (the client may never answer it); the
  // half-close still tells it the answer is complete.
  socket_.shutdown(Socket::shutdown_send, ignored);
  SetDeadline(Clock::now() + kLinger);
  WaitReadable();
}

void Connection::Close() {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosed;
  timer_.cancel();
  asio::error_code ignored;
  socket_.close(ignored);
  state_.body_bytes -= body_reserved_;
  body_reserved_ = 0;
  state_.admission.Release(peer_key_);
  state_.live.erase(this);
}

void Connection::SetDeadline(Clock::time_point at) {
  if (state_.stopping && phase_ == Phase::kReading) at = std::min(at, state_.stop_grace_end);
  deadline_passed_ = false;
  timer_.expires_at(at);
  timer_.async_wait([self = shared_from_this()](asio::error_code ec) { self->OnDeadline(ec); });
}

void Connection::OnDeadline(asio::error_code ec) {
  if (ec || phase_ == Phase::kClosed || phase_ == Phase::kHandling) return;
  if (timer_.expiry() > Clock::now()) return;  // re-armed after this wait had fired
  deadline_passed_ = true;
  asio::error_code ignored;
  socket_.cancel(ignored);  // the pending wait or write completes now and sees the flag
}

Connection::Clock::duration Connection::AtMinRate(size_t bytes) const {
  const size_t rate = std::max<size_t>(state_.options.min_bytes_per_sec, 1);
  return std::chrono::milliseconds(bytes / rate * 1000 + bytes % rate * 1000 / rate);
}

}  // namespace spur::http
