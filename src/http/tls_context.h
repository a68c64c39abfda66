// The server side of TLS for spur's listeners (the API server and the
// Postgres proxy): an Asio TLS context with TLS 1.2 or later and the
// operator's certificate chain and key, checked against each other when
// loaded rather than at the first client.
#pragma once

#include <asio/ssl.hpp>
#include <memory>
#include <string>

#include "common/status.h"

namespace spur::http {

// InvalidArgument, naming the file, for a certificate or key that cannot be
// read, does not parse or does not match; and when only one of the two is
// given (`flags` names the options that set them, for the message).
Result<std::unique_ptr<asio::ssl::context>> MakeServerTlsContext(
    const std::string& cert, const std::string& key,
    const std::string& flags = "--tls-cert and --tls-key");

}  // namespace spur::http
