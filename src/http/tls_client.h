// Internal to http/: the client's side of TLS (OpenSSL) over a connected,
// non-blocking socket, every wait bounded by a deadline. The server's
// certificate must chain to the trusted CAs and name the host the client
// asked for (a DNS name or an IP address); there is no way to skip that.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "http/io.h"

namespace spur::http {

class TlsClientSession {
 public:
  // Handshakes over `fd` (which stays the caller's) as a client of `host`.
  // `ca_file`: PEM CA certificates to trust; "" = the system's trust store.
  // InvalidArgument when `ca_file` cannot be read; Unavailable when the
  // handshake fails or times out, with OpenSSL's reason (an unknown CA, a
  // name mismatch) and what to do.
  static Result<std::unique_ptr<TlsClientSession>> Connect(int fd, const std::string& host,
                                                           const std::string& ca_file,
                                                           Deadline deadline,
                                                           const std::string& url);
  ~TlsClientSession();
  TlsClientSession(const TlsClientSession&) = delete;
  TlsClientSession& operator=(const TlsClientSession&) = delete;

  // Sends all of `data`. Unavailable when the peer is gone or time runs out.
  Status WriteAll(std::string_view data, Deadline deadline);
  // Reads what is there (waiting for some): bytes read, 0 at the end of the
  // stream (close_notify, or the peer closing the socket). Unavailable on a
  // timeout or a broken stream.
  Result<size_t> Read(char* buf, size_t len, Deadline deadline);

 private:
  TlsClientSession(SSL_CTX* ctx, SSL* ssl, int fd) : ctx_(ctx), ssl_(ssl), fd_(fd) {}
  // Waits for what OpenSSL asked for after `rc`; false when it is an error
  // (or time ran out) rather than a wait.
  bool WaitAfter(int rc, Deadline deadline);

  SSL_CTX* ctx_;
  SSL* ssl_;
  int fd_;
};

}  // namespace spur::http
