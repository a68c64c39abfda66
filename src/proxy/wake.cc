#include "proxy/wake.h"

namespace spur::proxy {

Status Waker::WakeOnce(const std::string& key, const Start& start,
                       std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  auto it = flights_.find(key);
  if (it != flights_.end()) {  // a start is running: wait for it
    std::shared_ptr<Flight> flight = it->second;
    ++waiting_;
    const bool done = flight->cv.wait_for(lock, timeout, [&] { return flight->done; });
    --waiting_;
    if (!done) {
      return Unavailable("branch \"" + key + "\" is still starting after " +
                         std::to_string(timeout.count()) + " ms; retry");
    }
    return flight->result;
  }
  auto flight = std::make_shared<Flight>();
  flights_[key] = flight;
  ++starts_;
  lock.unlock();
  // The first caller runs the start itself, whatever its own timeout: the
  // others are waiting on it.
  Status result = start();
  lock.lock();
  flight->result = result;
  flight->done = true;
  flights_.erase(key);
  flight->cv.notify_all();
  return result;
}

int Waker::starts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return starts_;
}

int Waker::waiting() const {
  std::lock_guard<std::mutex> lock(mu_);
  return waiting_;
}

}  // namespace spur::proxy
