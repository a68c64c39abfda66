#include "http/listen.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>

namespace spur::http {
namespace {

constexpr int kBacklog = SOMAXCONN;

Status BindError(int err, const std::string& host, int port, const std::string& flag) {
  const std::string where = "port " + std::to_string(port) + " on " + host;
  switch (err) {
    case EADDRINUSE:
      return Unavailable(where + " is in use; pass " + flag + " with another port");
    case EACCES:
      return PermissionDenied(where + " needs root or CAP_NET_BIND_SERVICE; pass " + flag +
                              " with a port "
                              "above 1023");
    case EADDRNOTAVAIL:
      return InvalidArgument(host + " is not an address of this host; pass " + flag +
                             " with "
                             "127.0.0.1 or another local address");
    default:
      return Internal("cannot listen on " + where + ": " + ErrnoText(err));
  }
}

// Fills `addr` for `path`; InvalidArgument when the path does not fit.
Status UnixAddress(const std::string& path, sockaddr_un* addr) {
  *addr = {};
  addr->sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr->sun_path) {
    return InvalidArgument("Unix socket path " + path + " is " + std::to_string(path.size()) +
                           " bytes; the limit is " + std::to_string(sizeof addr->sun_path - 1) +
                           "; use a shorter pool path");
  }
  path.copy(addr->sun_path, path.size());
  return Status::Ok();
}

// Handles a file already at `path`: removes a stale socket, refuses a live
// one or a file that is not a socket.
Status ClearStaleSocket(const std::string& path, const sockaddr_un& addr) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return Internal("cannot stat " + path + ": " + ErrnoText(errno));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return FailedPrecondition(path + " exists and is not a socket; move it away");
  }
  UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!probe.valid()) return Internal("cannot create a Unix socket: " + ErrnoText(errno));
  if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0 ||
      errno == EAGAIN || errno == EINPROGRESS) {
    return Unavailable("another server is listening on " + path);
  }
  if (errno != ECONNREFUSED && errno != ENOENT) {
    return Internal("cannot probe the socket " + path + ": " + ErrnoText(errno));
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Internal("cannot remove the stale socket " + path + ": " + ErrnoText(errno));
  }
  return Status::Ok();
}

}  // namespace

Result<TcpListener> ListenTcp(const std::string& host, int port, const std::string& flag) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return InvalidArgument("cannot resolve listen address " + host + ": " + ::gai_strerror(rc));
  }
  int err = EADDRNOTAVAIL;
  TcpListener out;
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd.valid()) {
      err = errno;
      continue;
    }
    int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd.get(), kBacklog) != 0) {
      err = errno;
      continue;
    }
    out.fd = std::move(fd);
    break;
  }
  ::freeaddrinfo(found);
  if (!out.fd.valid()) return BindError(err, host, port, flag);
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  if (::getsockname(out.fd.get(), reinterpret_cast<sockaddr*>(&bound), &len) != 0) {
    return Internal("getsockname: " + ErrnoText(errno));
  }
  out.port = bound.ss_family == AF_INET6
                 ? ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port)
                 : ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
  return out;
}

Result<UnixListener> ListenUnix(const std::string& path) {
  sockaddr_un addr;
  RETURN_IF_ERROR(UnixAddress(path, &addr));
  RETURN_IF_ERROR(ClearStaleSocket(path, addr));
  UnixListener out;
  out.fd = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!out.fd.valid()) return Internal("cannot create a Unix socket: " + ErrnoText(errno));
  if (::bind(out.fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    if (err == EADDRINUSE) return Unavailable("another server is listening on " + path);
    if (err == EACCES) return PermissionDenied("cannot create " + path + ": permission denied");
    if (err == ENOENT) return NotFound("cannot create " + path + ": its directory does not exist");
    return Internal("cannot bind " + path + ": " + ErrnoText(err));
  }
  // Until listen() nobody can connect, so the mode is right before anyone can.
  struct stat st {};
  if (::chmod(path.c_str(), 0660) != 0 || ::stat(path.c_str(), &st) != 0 ||
      ::listen(out.fd.get(), kBacklog) != 0) {
    const int err = errno;
    ::unlink(path.c_str());
    return Internal("cannot set up the socket " + path + ": " + ErrnoText(err));
  }
  out.dev = st.st_dev;
  out.ino = st.st_ino;
  return out;
}

void RemoveUnixSocket(const std::string& path, dev_t dev, ino_t ino) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && st.st_dev == dev && st.st_ino == ino) {
    ::unlink(path.c_str());
  }
}

}  // namespace spur::http
