#include "http/tls_client.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>

namespace spur::http {
namespace {

// The reasons OpenSSL queued, oldest first, and clears them.
std::string OpenSslErrors() {
  std::string out;
  while (unsigned long e = ::ERR_get_error()) {
    char text[256];
    ::ERR_error_string_n(e, text, sizeof text);
    if (!out.empty()) out += "; ";
    out += text;
  }
  return out.empty() ? "connection closed during the TLS handshake" : out;
}

bool IsIpAddress(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

Result<std::unique_ptr<TlsClientSession>> TlsClientSession::Connect(int fd, const std::string& host,
                                                                    const std::string& ca_file,
                                                                    Deadline deadline,
                                                                    const std::string& url) {
  ::ERR_clear_error();
  SSL_CTX* ctx = ::SSL_CTX_new(::TLS_client_method());
  if (ctx == nullptr) return Internal("cannot set up TLS: " + OpenSslErrors());
  ::SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  ::SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  const int loaded = ca_file.empty()
                         ? ::SSL_CTX_set_default_verify_paths(ctx)
                         : ::SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr);
  if (loaded != 1) {
    ::SSL_CTX_free(ctx);
    return InvalidArgument("cannot read the CA certificates in " + ca_file + ": " +
                           OpenSslErrors());
  }
  SSL* ssl = ::SSL_new(ctx);
  if (ssl == nullptr) {
    ::SSL_CTX_free(ctx);
    return Internal("cannot set up TLS: " + OpenSslErrors());
  }
  std::unique_ptr<TlsClientSession> session(new TlsClientSession(ctx, ssl, fd));
  ::SSL_set_fd(ssl, fd);
  if (IsIpAddress(host)) {
    ::X509_VERIFY_PARAM_set1_ip_asc(::SSL_get0_param(ssl), host.c_str());
  } else {
    ::SSL_set_tlsext_host_name(ssl, host.c_str());
    ::SSL_set1_host(ssl, host.c_str());
  }
  while (true) {
    const int rc = ::SSL_connect(ssl);
    if (rc == 1) return session;
    if (session->WaitAfter(rc, deadline)) continue;
    const long verify = ::SSL_get_verify_result(ssl);
    std::string why =
        verify != X509_V_OK ? ::X509_verify_cert_error_string(verify) : OpenSslErrors();
    std::string hint =
        ca_file.empty()
            ? "; if the server uses the pool's own CA, pass it with --cacert (spur tls ca)"
            : "";
    if (MillisLeft(deadline) == 0) why = "timed out";
    return Unavailable("TLS handshake with " + url + " failed: " + why + hint);
  }
}

TlsClientSession::~TlsClientSession() {
  ::SSL_free(ssl_);
  ::SSL_CTX_free(ctx_);
}

bool TlsClientSession::WaitAfter(int rc, Deadline deadline) {
  const int err = ::SSL_get_error(ssl_, rc);
  short want = 0;
  if (err == SSL_ERROR_WANT_READ) want = POLLIN;
  if (err == SSL_ERROR_WANT_WRITE) want = POLLOUT;
  if (want == 0) return false;
  return WaitFor(fd_, want, deadline) != 0 && MillisLeft(deadline) > 0;
}

Status TlsClientSession::WriteAll(std::string_view data, Deadline deadline) {
  while (!data.empty()) {
    ::ERR_clear_error();
    size_t written = 0;
    const int rc = ::SSL_write_ex(ssl_, data.data(), data.size(), &written);
    if (rc == 1) {
      data.remove_prefix(written);
      continue;
    }
    if (!WaitAfter(rc, deadline)) {
      return Unavailable(MillisLeft(deadline) == 0 ? "send timed out"
                                                   : "send failed: " + OpenSslErrors());
    }
  }
  return Status::Ok();
}

Result<size_t> TlsClientSession::Read(char* buf, size_t len, Deadline deadline) {
  while (true) {
    ::ERR_clear_error();
    size_t n = 0;
    const int rc = ::SSL_read_ex(ssl_, buf, len, &n);
    if (rc == 1) return n;
    const int err = ::SSL_get_error(ssl_, rc);
    if (err == SSL_ERROR_ZERO_RETURN) return size_t{0};
    // The peer closed the socket without close_notify: the HTTP parser
    // decides whether the answer was complete.
    if (err == SSL_ERROR_SYSCALL ||
        (err == SSL_ERROR_SSL && ::ERR_peek_error() != 0 &&
         ERR_GET_REASON(::ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
      return size_t{0};
    }
    if (!WaitAfter(rc, deadline)) {
      return Unavailable(MillisLeft(deadline) == 0 ? "no complete answer in time"
                                                   : "TLS read failed: " + OpenSslErrors());
    }
  }
}

}  // namespace spur::http
