#include "proxy/handshake.h"

namespace spur::proxy {

namespace wire = pg::wire;
using Kind = wire::StartupPacket::Kind;

Handshake::Step Handshake::Refuse(const wire::WireError& error) {
  done_ = true;
  buffer_.clear();
  Step s;
  s.action = Action::kRefuse;
  s.reply = wire::EncodeErrorResponse(error);
  return s;
}

Handshake::Step Handshake::Refuse(std::string_view sqlstate, std::string message) {
  return Refuse(wire::WireError{std::string(sqlstate), std::move(message), "", ""});
}

Handshake::Step Handshake::Feed(std::string_view bytes) {
  if (done_) return Refuse(wire::sqlstate::kProtocolViolation, "the startup phase is over");
  if (tls_pending_) {
    return Refuse(wire::sqlstate::kProtocolViolation,
                  "received unencrypted data after SSL request");
  }
  buffer_.append(bytes);
  const wire::Decoded d = wire::DecodeStartupPacket(buffer_);
  if (d.state == wire::Decoded::State::kNeedMore) return Step{};
  if (d.state == wire::Decoded::State::kError) return Refuse(d.error);
  buffer_.erase(0, d.size);
  Step s;
  s.packet = d.packet;
  switch (d.packet.kind) {
    case Kind::kSslRequest:
    case Kind::kGssEncRequest:
      if (tls_) {
        return Refuse(wire::sqlstate::kProtocolViolation,
                      "encryption requested again after TLS was established");
      }
      if (d.packet.kind == Kind::kSslRequest && options_.tls_available) {
        if (!buffer_.empty()) {
          return Refuse(wire::sqlstate::kProtocolViolation,
                        "received unencrypted data after SSL request");
        }
        tls_pending_ = true;
        s.action = Action::kStartTls;
        s.reply = "S";
        return s;
      }
      s.action = Action::kReply;
      s.reply = "N";
      return s;
    case Kind::kCancel:
      done_ = true;
      s.action = Action::kCancel;
      return s;
    case Kind::kStartup:
      if (options_.tls_required && !tls_) {
        return Refuse(wire::sqlstate::kInvalidAuthorization,
                      "this proxy accepts TLS connections only (sslmode=require or stronger)");
      }
      done_ = true;
      s.action = Action::kStartup;
      return s;
  }
  return Refuse(wire::sqlstate::kProtocolViolation, "unexpected startup packet");
}

}  // namespace spur::proxy
