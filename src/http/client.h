// A blocking HTTP/1.1 client for the CLI: one connection per call, over TCP
// (plain, or TLS with the server's certificate verified) or a Unix socket.
#pragma once

#include <map>
#include <string>

#include "common/status.h"
#include "http/message.h"

namespace spur::http {

class HttpClient {
 public:
  // Accepts "http://HOST[:PORT][/BASE]" and "https://HOST[:PORT][/BASE]"
  // (HOST a name, an IPv4 address or a bracketed IPv6 address; PORT defaults
  // to 80 and 443) and "unix:///abs/path.sock". For https, `ca_file` names
  // the PEM CA certificates to trust ("" = the system's trust store); the
  // server's certificate must name HOST. InvalidArgument for anything else.
  static Result<HttpClient> FromUrl(const std::string& url, const std::string& ca_file = "");

  // Sends `method` on `target` ("/path?query", appended to the URL's base
  // path) with `headers` and `body`, and waits up to `timeout_ms` in all for
  // the whole response. Any HTTP status is a successful call: the caller reads
  // response.status. Fails with InvalidArgument for a target or header that
  // cannot be sent, Unavailable when the server cannot be reached, drops the
  // connection or does not answer in time, and Internal for a response that
  // is not HTTP. Thread-safe.
  Result<Response> Call(const std::string& method, const std::string& target,
                        const std::map<std::string, std::string>& headers, const std::string& body,
                        int timeout_ms = 300000) const;

  // The URL as given to FromUrl.
  const std::string& url() const { return url_; }

 private:
  HttpClient() = default;

  std::string url_;
  std::string unix_path_;  // set for unix:// URLs
  std::string host_;       // for http:// URLs, without brackets
  int port_ = 80;
  bool tls_ = false;         // https://
  std::string ca_file_;      // for https: "" = the system's trust store
  std::string base_path_;    // "" or "/base", without a trailing '/'
  std::string host_header_;  // "host:port", "[::1]:port" or "localhost"
};

}  // namespace spur::http
