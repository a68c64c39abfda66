// Internal to http/: owned file descriptors, deadlines and the socket loops
// shared by the server and the client. Sockets here are non-blocking; every
// wait is bounded by a deadline.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/status.h"

namespace spur::http {

// Owns one file descriptor; closes it on destruction. Move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset();
  // Gives up ownership: returns the descriptor (-1 if none) and holds none.
  int Release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

using Deadline = std::chrono::steady_clock::time_point;

Deadline DeadlineIn(int ms);
// Milliseconds until `deadline`, 0 once passed (suitable for poll()).
int MillisLeft(Deadline deadline);

std::string ErrnoText(int err);

// Waits until `fd` reports one of `events` (POLLIN, POLLOUT) or `deadline`
// passes. Returns the revents, 0 on timeout.
short WaitFor(int fd, short events, Deadline deadline);

// Sends all of `data` on the non-blocking socket `fd` before `deadline`
// (without SIGPIPE). Unavailable when the peer is gone or time runs out.
Status SendAll(int fd, std::string_view data, Deadline deadline);

}  // namespace spur::http
