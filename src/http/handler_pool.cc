#include "http/handler_pool.h"

#include <string>
#include <system_error>
#include <utility>

namespace spur::http {

HandlerPool::HandlerPool(int threads, size_t max_queued)
    : threads_(threads), max_queued_(max_queued) {}

HandlerPool::~HandlerPool() { Stop(); }

Status HandlerPool::Start() {
  try {
    for (int i = 0; i < threads_; ++i) workers_.emplace_back([this] { Loop(); });
  } catch (const std::system_error& e) {
    Stop();
    return Internal(std::string("cannot start HTTP handler threads: ") + e.what());
  }
  return Status::Ok();
}

bool HandlerPool::TryPush(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(job));
  }
  ready_.notify_one();
  return true;
}

void HandlerPool::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
}

void HandlerPool::Loop() {
  while (true) {
    std::unique_lock<std::mutex> lock(mu_);
    ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and every queued job has run
    std::function<void()> job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    job();
  }
}

}  // namespace spur::http
