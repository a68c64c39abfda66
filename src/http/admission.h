// Internal to http/: who may open one more connection. Counts open
// connections in all and per peer; used by the I/O thread only (not
// thread-safe).
#pragma once

#include <string>
#include <unordered_map>

namespace spur::http {

class Admission {
 public:
  // Ordinary peers: at most `max_open` connections in all, `max_per_peer`
  // each. Privileged peers: `reserved` more in all, no per-peer cap.
  Admission(int max_open, int max_per_peer, int reserved);

  // Counts one more connection for `peer_key` ("ip 127.0.0.1", "uid 1000")
  // and returns true, or returns false (nothing counted) when over a cap.
  bool TryAdmit(const std::string& peer_key, bool privileged);
  // Forgets one connection admitted for `peer_key`.
  void Release(const std::string& peer_key);

  int open() const { return open_; }

 private:
  const int max_open_;
  const int max_per_peer_;
  const int reserved_;
  int open_ = 0;
  std::unordered_map<std::string, int> per_peer_;
};

}  // namespace spur::http
