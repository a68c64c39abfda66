// Internal to http/ (and used by proxy/): opening listening sockets, with
// errors that say what to do.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/status.h"
#include "http/io.h"

namespace spur::http {

struct TcpListener {
  UniqueFd fd;
  int port = -1;  // the bound port (the kernel's pick for port 0)
};

struct UnixListener {
  UniqueFd fd;
  dev_t dev = 0;  // identity of the socket file created
  ino_t ino = 0;
};

// A non-blocking socket listening on `host` (resolved with getaddrinfo; the
// first address that binds wins) and `port` (0 = any free port). Errors name
// `flag`, the option that sets the address.
Result<TcpListener> ListenTcp(const std::string& host, int port,
                              const std::string& flag = "--listen");

// A non-blocking socket listening on the Unix socket `path`, mode 0660. A
// socket file there that refuses connections (stale) is removed first; one
// that accepts them belongs to a live server: Unavailable. Not atomic against
// another process doing the same at the same moment.
Result<UnixListener> ListenUnix(const std::string& path);

// Removes `path` if it is still the socket file identified by `dev`/`ino`.
void RemoveUnixSocket(const std::string& path, dev_t dev, ino_t ino);

}  // namespace spur::http
