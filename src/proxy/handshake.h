// The proxy's side of a connection's startup phase, as a state machine over
// bytes (no sockets): what to answer an SSLRequest or GSSENCRequest, when to
// start TLS, and the one StartupMessage or CancelRequest that decides where
// the connection goes. The caller reads from the socket, feeds the bytes,
// and does what each Step says.
//
// Follows the server's rules (postmaster.c): GSSENCRequest is declined with
// 'N' and the client may go on; an SSLRequest is answered 'S' (TLS on this
// proxy) or 'N'; bytes that arrive after an SSLRequest before the TLS
// handshake are refused (they would be read as if encrypted: CVE-2021-23214);
// a second encryption request once TLS is on is a protocol violation; a
// StartupMessage in plain text is refused when TLS is required.
#pragma once

#include <string>
#include <string_view>

#include "pg/wire_startup.h"

namespace spur::proxy {

class Handshake {
 public:
  struct Options {
    bool tls_available = false;  // a certificate is loaded: answer SSLRequest with 'S'
    bool tls_required = false;   // refuse a StartupMessage sent in plain text
  };

  enum class Action {
    kNeedMore,  // read more bytes and Feed them
    kReply,     // write `reply`, then Feed("") (the client may have sent more already)
    kStartTls,  // write `reply` ('S') in plain text, run the TLS handshake, call TlsStarted()
    kStartup,   // `packet` is the StartupMessage: route it
    kCancel,    // `packet` is a CancelRequest: pass it on, close the connection
    kRefuse,    // write `reply` (an ErrorResponse) and close
  };

  struct Step {
    Action action = Action::kNeedMore;
    std::string reply;
    pg::wire::StartupPacket packet;
  };

  explicit Handshake(Options options) : options_(options) {}

  // Appends `bytes` and returns what to do next. After kStartup, kCancel or
  // kRefuse the handshake is over: further calls return kRefuse. Bytes after
  // a StartupMessage (a client that pipelines its password) stay buffered:
  // see rest().
  Step Feed(std::string_view bytes);
  // Call once the TLS handshake that followed kStartTls has completed; the
  // next bytes fed are the decrypted stream.
  void TlsStarted() {
    tls_ = true;
    tls_pending_ = false;
  }
  bool tls() const { return tls_; }
  // Bytes fed after the deciding packet, for the relay to forward.
  const std::string& rest() const { return buffer_; }

 private:
  Step Refuse(const pg::wire::WireError& error);
  Step Refuse(std::string_view sqlstate, std::string message);

  Options options_;
  std::string buffer_;
  bool tls_ = false;
  bool tls_pending_ = false;  // 'S' sent, handshake not done
  bool done_ = false;
};

}  // namespace spur::proxy
