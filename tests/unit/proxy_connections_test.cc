#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "proxy/connections.h"

namespace spur::proxy {
namespace {

TEST(ProxyConnections, LimitsPerBranchAndPerPool) {
  ConnectionTable t({.per_branch = 2, .per_pool = 3});
  ASSERT_TRUE(t.Open("a").ok());
  auto a2 = t.Open("a");
  ASSERT_TRUE(a2.ok());
  auto a3 = t.Open("a");
  ASSERT_FALSE(a3.ok());
  EXPECT_EQ(a3.status().code(), Code::kResourceExhausted);
  ASSERT_TRUE(t.Open("b").ok());
  auto b2 = t.Open("b");
  ASSERT_FALSE(b2.ok());  // the pool is full
  EXPECT_NE(b2.status().message().find("pool's limit"), std::string::npos);
  t.Close(*a2, 100);
  EXPECT_TRUE(t.Open("b").ok());
  EXPECT_EQ(t.Stats("a").open, 1);
  EXPECT_EQ(t.Stats("a").total, 2u);
  EXPECT_EQ(t.Stats("a").refused, 1u);
  EXPECT_EQ(t.Stats("b").refused, 1u);
}

TEST(ProxyConnections, IdleTimeStartsWhenTheLastConnectionCloses) {
  ConnectionTable t({});
  EXPECT_FALSE(t.IdleFor("a", 10).has_value());  // never connected through the proxy
  auto one = t.Open("a"), two = t.Open("a");
  t.Close(*one, 20);
  EXPECT_FALSE(t.IdleFor("a", 30).has_value());  // one still open
  t.Close(*two, 40);
  EXPECT_EQ(t.IdleFor("a", 100), 60);
  t.Close(*two, 90);  // twice: no effect
  EXPECT_EQ(t.IdleFor("a", 100), 60);
  EXPECT_EQ(t.Stats("a").open, 0);
}

TEST(ProxyConnections, CancelNeedsTheRightPidAndKey) {
  ConnectionTable t({});
  auto a = t.Open("a"), b = t.Open("b");
  t.SetCancelKey(*a, 100, 7);
  t.SetCancelKey(*b, 200, 9);
  EXPECT_EQ(t.BranchForCancel(100, 7), "a");
  EXPECT_EQ(t.BranchForCancel(200, 9), "b");
  EXPECT_FALSE(t.BranchForCancel(100, 9).has_value());  // b's key, a's pid
  EXPECT_FALSE(t.BranchForCancel(300, 7).has_value());
  t.Close(*a, 1);
  EXPECT_FALSE(t.BranchForCancel(100, 7).has_value());  // closed
}

TEST(ProxyConnections, BytesAndForgottenBranches) {
  ConnectionTable t({});
  auto a = t.Open("a");
  t.AddBytes(*a, 10, 2000);
  t.AddBytes(*a, 5, 0);
  EXPECT_EQ(t.Stats("a").bytes_to_server, 15u);
  EXPECT_EQ(t.Stats("a").bytes_to_client, 2000u);
  t.Forget("a");  // deleted while a connection is open: kept until it closes
  EXPECT_EQ(t.All().count("a"), 1u);
  t.Close(*a, 5);
  EXPECT_EQ(t.All().count("a"), 0u);
  auto b = t.Open("b");
  t.Close(*b, 5);
  t.Forget("b");
  EXPECT_TRUE(t.All().empty());
}

TEST(ProxyConnections, ManyThreadsNeverPassTheLimit) {
  ConnectionTable t({.per_branch = 50, .per_pool = 1000});
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int k = 0; k < 100; ++k) {
        if (t.Open("a").ok()) ++admitted;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(admitted.load(), 50);
  EXPECT_EQ(t.Stats("a").open, 50);
  EXPECT_EQ(t.Stats("a").refused, 750u);
}

}  // namespace
}  // namespace spur::proxy
