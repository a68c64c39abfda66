#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "proxy/wake.h"

namespace spur::proxy {
namespace {

using std::chrono::milliseconds;

// Waits (at most 10 s) until `done` holds; the tests' starts use it to stay
// running until the callers they are about have arrived, so no timing is
// assumed.
template <typename F>
void Until(F done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(1));
  }
}

TEST(ProxyWake, TwentyConnectsDuringAWakeStartTheBranchOnce) {
  Waker waker;
  std::atomic<int> runs{0}, ok{0};
  auto start = [&] {
    ++runs;
    Until([&] { return waker.waiting() == 19; });
    return Status::Ok();
  };
  std::vector<std::thread> clients;
  for (int i = 0; i < 20; ++i) {
    clients.emplace_back([&] {
      if (waker.WakeOnce("pr-1", start, milliseconds(20000)).ok()) ++ok;
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(ok.load(), 20);
  EXPECT_EQ(waker.starts(), 1);
  EXPECT_EQ(waker.waiting(), 0);
}

TEST(ProxyWake, AWaiterPastItsDeadlineIsToldToRetry) {
  Waker waker;
  std::atomic<bool> started{false}, late_returned{false};
  std::thread first([&] {
    Status st = waker.WakeOnce(
        "a",
        [&] {
          started = true;
          Until([&] { return late_returned.load(); });
          return Status::Ok();
        },
        milliseconds(20000));
    EXPECT_TRUE(st.ok());
  });
  Until([&] { return started.load(); });
  Status late = waker.WakeOnce(
      "a", [] { return Internal("must not run"); }, milliseconds(20));
  late_returned = true;
  first.join();
  EXPECT_EQ(late.code(), Code::kUnavailable);
  EXPECT_EQ(waker.starts(), 1);
}

TEST(ProxyWake, AFailedStartIsEveryWaitersErrorAndTheNextCallTriesAgain) {
  Waker waker;
  std::atomic<bool> started{false};
  std::thread first([&] {
    Status st = waker.WakeOnce(
        "a",
        [&] {
          started = true;
          Until([&] { return waker.waiting() == 1; });
          return Unavailable("postgres did not start: see its log");
        },
        milliseconds(20000));
    EXPECT_FALSE(st.ok());
  });
  Until([&] { return started.load(); });
  Status waiter = waker.WakeOnce(
      "a", [] { return Status::Ok(); }, milliseconds(20000));
  first.join();
  EXPECT_EQ(waiter.message(), "postgres did not start: see its log");
  EXPECT_TRUE(waker
                  .WakeOnce(
                      "a", [] { return Status::Ok(); }, milliseconds(10))
                  .ok());
  EXPECT_EQ(waker.starts(), 2);
}

TEST(ProxyWake, DifferentBranchesStartIndependently) {
  Waker waker;
  std::atomic<int> runs{0};
  auto start = [&] {
    ++runs;
    Until([&] { return runs.load() == 2; });  // both starts run at once
    return Status::Ok();
  };
  std::thread a([&] { EXPECT_TRUE(waker.WakeOnce("a", start, milliseconds(20000)).ok()); });
  std::thread b([&] { EXPECT_TRUE(waker.WakeOnce("b", start, milliseconds(20000)).ok()); });
  a.join();
  b.join();
  EXPECT_EQ(runs.load(), 2);
}

}  // namespace
}  // namespace spur::proxy
