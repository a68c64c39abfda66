#include "http/client.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <optional>
#include <string_view>

#include "http/io.h"
#include "http/syntax.h"
#include "http/tls_client.h"

namespace spur::http {
namespace {

constexpr size_t kReadChunk = 65536;

// Connects the non-blocking socket `fd` to `addr` before `deadline`; 0 or an errno.
int ConnectBefore(int fd, const sockaddr* addr, socklen_t len, Deadline deadline) {
  if (::connect(fd, addr, len) == 0) return 0;
  if (errno != EINPROGRESS && errno != EAGAIN) return errno;
  if (WaitFor(fd, POLLOUT, deadline) == 0) return ETIMEDOUT;
  int err = 0;
  socklen_t err_len = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0) return errno;
  return err;
}

Result<UniqueFd> ConnectUnix(const std::string& path, Deadline deadline, int* err) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  path.copy(addr.sun_path, sizeof addr.sun_path - 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return Internal("cannot create a socket: " + ErrnoText(errno));
  *err = ConnectBefore(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr, deadline);
  return fd;
}

Result<UniqueFd> ConnectTcp(const std::string& host, int port, Deadline deadline, int* err) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
    return Unavailable("cannot resolve " + host + ": " + ::gai_strerror(rc));
  }
  UniqueFd connected;
  *err = EHOSTUNREACH;
  for (const addrinfo* ai = found; ai != nullptr && !connected.valid(); ai = ai->ai_next) {
    UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd.valid()) {
      *err = errno;
      continue;
    }
    *err = ConnectBefore(fd.get(), ai->ai_addr, ai->ai_addrlen, deadline);
    if (*err == 0) connected = std::move(fd);
  }
  ::freeaddrinfo(found);
  return connected;
}

// Checks what SerializeRequest trusts the caller with.
Status CheckRequest(const std::string& method, const std::string& target,
                    const std::map<std::string, std::string>& headers) {
  if (!IsToken(method)) return InvalidArgument("invalid HTTP method \"" + method + "\"");
  if (target.empty() || target.front() != '/') {
    return InvalidArgument("request target \"" + target + "\" must start with '/'");
  }
  for (const char c : target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      return InvalidArgument("request target \"" + target + "\" must be percent-encoded");
    }
  }
  for (const auto& [name, value] : headers) {
    if (!IsToken(name) || !IsFieldValue(value)) {
      return InvalidArgument("invalid HTTP header \"" + name + "\"");
    }
  }
  return Status::Ok();
}

// Sends `request` while reading the answer, so that an early answer (413)
// is seen even when the server stops reading.
Result<Response> Exchange(int fd, const std::string& request, bool head, Deadline deadline,
                          const std::string& url) {
  ResponseParser parser(head);
  std::string_view unsent = request;
  char buf[kReadChunk];
  while (true) {
    const short want = unsent.empty() ? POLLIN : POLLIN | POLLOUT;
    const short ready = WaitFor(fd, want, deadline);
    if (ready == 0) return Unavailable("no complete answer from " + url + " in time");
    if ((ready & POLLOUT) != 0 && !unsent.empty()) {
      const ssize_t n = ::send(fd, unsent.data(), unsent.size(), MSG_NOSIGNAL);
      if (n > 0) unsent.remove_prefix(static_cast<size_t>(n));
      if (n < 0 && errno != EINTR && errno != EAGAIN) unsent = {};  // read what came back
    }
    if ((ready & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) return Unavailable("connection to " + url + " failed: " + ErrnoText(errno));
    const ResponseParser::State state =
        n == 0 ? parser.FeedEof() : parser.Feed(std::string_view(buf, static_cast<size_t>(n)));
    if (state == ResponseParser::State::kComplete) return parser.TakeResponse();
    if (state == ResponseParser::State::kError) {
      if (n == 0) return Unavailable(url + " closed the connection before answering in full");
      return Internal("unexpected answer from " + url + ": " + parser.error_message());
    }
  }
}

// Exchange() inside TLS: the request in full, then the answer.
Result<Response> ExchangeTls(TlsClientSession& tls, const std::string& request, bool head,
                             Deadline deadline, const std::string& url) {
  if (Status sent = tls.WriteAll(request, deadline); !sent.ok()) {
    return Unavailable("sending to " + url + ": " + sent.message());
  }
  ResponseParser parser(head);
  char buf[kReadChunk];
  while (true) {
    auto n = tls.Read(buf, sizeof buf, deadline);
    if (!n.ok()) return Unavailable("reading from " + url + ": " + n.status().message());
    const ResponseParser::State state =
        *n == 0 ? parser.FeedEof() : parser.Feed(std::string_view(buf, *n));
    if (state == ResponseParser::State::kComplete) return parser.TakeResponse();
    if (state == ResponseParser::State::kError) {
      if (*n == 0) return Unavailable(url + " closed the connection before answering in full");
      return Internal("unexpected answer from " + url + ": " + parser.error_message());
    }
  }
}

}  // namespace

Result<HttpClient> HttpClient::FromUrl(const std::string& url, const std::string& ca_file) {
  std::string_view u = url;
  HttpClient client;
  client.url_ = url;
  if (u.starts_with("https://")) {
    client.tls_ = true;
    client.ca_file_ = ca_file;
    client.port_ = 443;
  }
  if (u.starts_with("unix://")) {
    client.unix_path_ = url.substr(7);
    if (client.unix_path_.empty() || client.unix_path_.front() != '/') {
      return InvalidArgument("URL " + url + " needs an absolute socket path: unix:///path/to.sock");
    }
    if (client.unix_path_.size() >= sizeof(sockaddr_un::sun_path)) {
      return InvalidArgument("socket path in " + url + " is too long");
    }
    client.host_header_ = "localhost";
    return client;
  }
  if (!u.starts_with("http://") && !client.tls_) {
    return InvalidArgument("unsupported server URL \"" + url +
                           "\"; use https://HOST:PORT, http://HOST:PORT or unix:///path/to.sock");
  }
  std::string_view rest = u.substr(client.tls_ ? 8 : 7);
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  const auto bad = [&](const std::string& why) {
    return InvalidArgument("bad server URL \"" + url + "\": " + why);
  };
  if (path.find_first_of("?# ") != std::string_view::npos) return bad("no query or fragment");
  if (authority.find_first_of("@?# ") != std::string_view::npos) {
    return bad("use https://HOST:PORT, without user name, query or fragment");
  }
  std::string_view port;
  if (authority.starts_with("[")) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unclosed '[' in host");
    client.host_ = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return bad("junk after ']'");
    if (!after.empty()) port = after.substr(1);
  } else {
    const size_t colon = authority.find(':');
    client.host_ = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (client.host_.empty()) return bad("no host");
  if (!port.empty() || authority.ends_with(":")) {
    const std::optional<size_t> n = ParseContentLength(port);  // decimal digits
    if (!n || *n < 1 || *n > 65535) return bad("port must be 1-65535");
    client.port_ = static_cast<int>(*n);
  }
  while (path.ends_with("/")) path.remove_suffix(1);
  client.base_path_ = std::string(path);
  const bool v6 = client.host_.find(':') != std::string::npos;
  client.host_header_ =
      (v6 ? "[" + client.host_ + "]" : client.host_) + ":" + std::to_string(client.port_);
  return client;
}

Result<Response> HttpClient::Call(const std::string& method, const std::string& target,
                                  const std::map<std::string, std::string>& headers,
                                  const std::string& body, int timeout_ms) const {
  RETURN_IF_ERROR(CheckRequest(method, target, headers));
  const Deadline deadline = DeadlineIn(timeout_ms);
  int err = 0;
  ASSIGN_OR_RETURN(UniqueFd fd, unix_path_.empty() ? ConnectTcp(host_, port_, deadline, &err)
                                                   : ConnectUnix(unix_path_, deadline, &err));
  if (err != 0) {
    return Unavailable("cannot connect to " + url_ + ": " + ErrnoText(err) +
                       "; is `spur serve` running there?");
  }
  const std::string request =
      SerializeRequest(method, base_path_ + target, headers, body, host_header_);
  if (!tls_) return Exchange(fd.get(), request, method == "HEAD", deadline, url_);
  ASSIGN_OR_RETURN(auto session,
                   TlsClientSession::Connect(fd.get(), host_, ca_file_, deadline, url_));
  return ExchangeTls(*session, request, method == "HEAD", deadline, url_);
}

}  // namespace spur::http
