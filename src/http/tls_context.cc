#include "http/tls_context.h"

#include <openssl/ssl.h>

namespace spur::http {

Result<std::unique_ptr<asio::ssl::context>> MakeServerTlsContext(const std::string& cert,
                                                                 const std::string& key,
                                                                 const std::string& flags) {
  if (cert.empty() || key.empty()) {
    return InvalidArgument("TLS needs both a certificate and its key (" + flags + ")");
  }
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  asio::error_code ec;
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use,
                   ec);
  if (ctx->use_certificate_chain_file(cert, ec); ec) {
    return InvalidArgument("cannot use TLS certificate " + cert + ": " + ec.message());
  }
  if (ctx->use_private_key_file(key, asio::ssl::context::pem, ec); ec) {
    return InvalidArgument("cannot use TLS key " + key + ": " + ec.message());
  }
  if (::SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    return InvalidArgument("TLS key " + key + " does not belong to certificate " + cert);
  }
  return ctx;
}

}  // namespace spur::http
