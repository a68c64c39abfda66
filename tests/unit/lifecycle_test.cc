// Branch lifecycle over time on the fake pool: the reaper pass (TTL expiry,
// warnings, idle suspend and idle expiry, shutdown schedules), quotas,
// protection, running-time cost and patches. The clock is a FixedClock.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "engine/pool.h"
#include "fake_pool.h"

namespace spur::engine {
namespace {

using test::FakePool;

constexpr int64_t kHour = 3600;
constexpr int64_t kDay = 86400;

// The actions of `actions` that concern `branch`.
std::vector<LifecycleAction> For(const std::vector<LifecycleAction>& actions,
                                 const std::string& branch) {
  std::vector<LifecycleAction> out;
  for (const auto& a : actions) {
    if (a.branch == branch) out.push_back(a);
  }
  return out;
}

class LifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(1'800'000'000); }

  void Reopen(int64_t now) {
    auto fp = FakePool::Make(now);
    ASSERT_TRUE(fp.ok()) << fp.status().message();
    fp_ = std::move(*fp);
  }

  std::vector<LifecycleAction> Tick(int64_t warn_before = 0, int64_t idle_suspend = 0) {
    LifecyclePolicy policy;
    policy.warn_before = warn_before;
    policy.idle_suspend = idle_suspend;
    auto actions = pool().Tick(policy);
    EXPECT_TRUE(actions.ok()) << actions.status().message();
    return actions.ok() ? *actions : std::vector<LifecycleAction>{};
  }

  Pool& pool() { return fp_->pool(); }
  catalog::Branch Row(const std::string& name) {
    auto b = fp_->Get(name);
    EXPECT_TRUE(b.ok()) << name << ": " << b.status().message();
    return b.ok() ? *b : catalog::Branch{};
  }

  std::unique_ptr<FakePool> fp_;
};

// --- TTL expiry --------------------------------------------------------------

TEST_F(LifecycleTest, BranchExpiresExactlyWhenItsTtlRunsOut) {
  const int64_t t0 = fp_->now();
  ASSERT_TRUE(fp_->Create("feat", kHour).ok());
  EXPECT_EQ(*Row("feat").expires_at, t0 + kHour);

  fp_->clock().now = t0 + kHour - 1;
  EXPECT_TRUE(For(Tick(), "feat").empty());
  EXPECT_TRUE(fp_->Exists("feat")) << "one second before the deadline it lives";

  fp_->clock().now = t0 + kHour;
  auto actions = For(Tick(), "feat");
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].action, "branch.expire");
  EXPECT_TRUE(actions[0].result.ok()) << actions[0].result.message();
  EXPECT_NE(actions[0].reason.find("TTL"), std::string::npos) << actions[0].reason;
  EXPECT_FALSE(fp_->Exists("feat"));
  EXPECT_EQ(fp_->Get("feat").status().code(), Code::kNotFound);
}

TEST_F(LifecycleTest, ProtectedBranchesNeverExpire) {
  ASSERT_TRUE(fp_->Create("keep", kHour, "", {}, /*is_protected=*/true).ok());
  fp_->Advance(30 * kDay);
  EXPECT_TRUE(For(Tick(kDay), "keep").empty());
  EXPECT_TRUE(fp_->Exists("keep"));
}

TEST_F(LifecycleTest, MainNeverExpiresEvenWithAPastDeadline) {
  catalog::Branch main = Row("main");
  main.expires_at = fp_->now() - 10;
  main.ttl_seconds = 60;
  main.idle_expiry_seconds = 60;
  ASSERT_TRUE(fp_->store().UpdateBranch(main).ok());
  fp_->Advance(kDay);
  EXPECT_TRUE(For(Tick(kDay), "main").empty());
  EXPECT_TRUE(fp_->Exists("main"));
}

// A branch with children outlives its TTL until they are gone. It is not
// reported on every pass (src/engine/lifecycle.cc, "Kept until its children
// are gone; not reported on every pass"; docs/api.md still says a failed
// branch.expire is recorded at each pass).
TEST_F(LifecycleTest, ExpiredBranchWithChildrenIsKeptUntilTheyAreGone) {
  ASSERT_TRUE(fp_->Create("parent", kHour).ok());
  ASSERT_TRUE(fp_->Create("child", std::nullopt, "", {}, false, "parent").ok());
  fp_->Advance(kHour);
  EXPECT_TRUE(For(Tick(), "parent").empty());
  fp_->Advance(kDay);
  EXPECT_TRUE(For(Tick(), "parent").empty());
  EXPECT_TRUE(fp_->Exists("parent"));
  EXPECT_TRUE(fp_->Exists("child"));

  ASSERT_TRUE(pool().DeleteBranch("child", false).ok());
  auto actions = For(Tick(), "parent");
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].action, "branch.expire");
  EXPECT_TRUE(actions[0].result.ok()) << actions[0].result.message();
  EXPECT_FALSE(fp_->Exists("parent"));
}

TEST_F(LifecycleTest, WarnsOnceWithinWarnBefore) {
  const int64_t t0 = fp_->now();
  ASSERT_TRUE(fp_->Create("feat", 3 * kHour).ok());

  fp_->clock().now = t0 + 2 * kHour - 1;  // 1h 1s left: outside the window
  EXPECT_TRUE(For(Tick(kHour), "feat").empty());

  fp_->clock().now = t0 + 2 * kHour;  // exactly 1h left
  auto warned = For(Tick(kHour), "feat");
  ASSERT_EQ(warned.size(), 1u);
  EXPECT_EQ(warned[0].action, "branch.warn");
  EXPECT_TRUE(warned[0].result.ok());
  EXPECT_NE(warned[0].reason.find("spur branch extend feat"), std::string::npos)
      << warned[0].reason;
  EXPECT_EQ(Row("feat").warned_at, t0 + 2 * kHour);

  fp_->Advance(60);
  EXPECT_TRUE(For(Tick(kHour), "feat").empty()) << "a second pass does not warn again";
  EXPECT_TRUE(fp_->Exists("feat"));
}

TEST_F(LifecycleTest, ExtendClearsTheWarningAndMovesTheDeadline) {
  const int64_t t0 = fp_->now();
  ASSERT_TRUE(fp_->Create("feat", kHour).ok());
  ASSERT_EQ(For(Tick(kHour), "feat").size(), 1u);  // warned at once: 1h left
  ASSERT_TRUE(Row("feat").warned_at.has_value());

  fp_->clock().now = t0 + 1800;
  auto extended = pool().ExtendBranch("feat", 2 * kDay);
  ASSERT_TRUE(extended.ok()) << extended.status().message();
  catalog::Branch b = Row("feat");
  EXPECT_EQ(*b.expires_at, t0 + 1800 + 2 * kDay);
  EXPECT_FALSE(b.warned_at.has_value());

  // Past the old deadline: nothing happens.
  fp_->clock().now = t0 + kHour;
  EXPECT_TRUE(For(Tick(kHour), "feat").empty());
  // Within an hour of the new one: a fresh warning.
  fp_->clock().now = t0 + 1800 + 2 * kDay - kHour;
  auto again = For(Tick(kHour), "feat");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].action, "branch.warn");
}

TEST_F(LifecycleTest, ExtendRefusesProtectedAndNonPositiveDurations) {
  ASSERT_TRUE(fp_->Create("keep", std::nullopt, "", {}, true).ok());
  ASSERT_TRUE(fp_->Create("feat", kHour).ok());
  EXPECT_EQ(pool().ExtendBranch("keep", kDay).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(pool().ExtendBranch("feat", 0).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(pool().ExtendBranch("feat", -5).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(*Row("feat").expires_at, fp_->now() + kHour);
}

TEST_F(LifecycleTest, ResetRenewsTheTtl) {
  const int64_t t0 = fp_->now();
  ASSERT_TRUE(fp_->Create("feat", kHour).ok());
  ASSERT_EQ(For(Tick(kHour), "feat").size(), 1u);
  fp_->clock().now = t0 + 3000;
  auto reset = pool().ResetBranch("feat", std::nullopt);
  ASSERT_TRUE(reset.ok()) << reset.status().message();
  catalog::Branch b = Row("feat");
  EXPECT_EQ(*b.expires_at, t0 + 3000 + kHour);
  EXPECT_FALSE(b.warned_at.has_value());
  fp_->clock().now = t0 + kHour;
  EXPECT_TRUE(For(Tick(), "feat").empty());
  EXPECT_TRUE(fp_->Exists("feat"));
}

// --- Idle suspend and idle expiry ---------------------------------------------

TEST_F(LifecycleTest, IdleBranchIsSuspendedAfterIdleSuspend) {
  const int64_t t0 = fp_->now();
  ASSERT_TRUE(fp_->Create("idle").ok());
  ASSERT_TRUE(fp_->control().IsRunning(fp_->Data("idle")));

  fp_->clock().now = t0 + 599;
  EXPECT_TRUE(For(Tick(0, 600), "idle").empty());
  EXPECT_EQ(Row("idle").state, catalog::BranchState::kRunning);

  fp_->clock().now = t0 + 600;
  auto actions = For(Tick(0, 600), "idle");
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].action, "branch.suspend");
  EXPECT_TRUE(actions[0].result.ok()) << actions[0].result.message();
  catalog::Branch b = Row("idle");
  EXPECT_EQ(b.state, catalog::BranchState::kStopped);
  EXPECT_EQ(b.stop_reason, "idle");
  EXPECT_FALSE(fp_->control().IsRunning(fp_->Data("idle")));
  EXPECT_TRUE(fp_->Exists("idle")) << "suspended, not deleted";
}

TEST_F(LifecycleTest, BranchWithConnectionsIsNotSuspendedAndCountsAsUsed) {
  const int64_t t0 = fp_->now();
  ASSERT_TRUE(fp_->Create("busy").ok());
  fp_->control().SetConnections(fp_->Data("busy"), 3);
  fp_->clock().now = t0 + 5000;
  EXPECT_TRUE(For(Tick(0, 600), "busy").empty());
  catalog::Branch b = Row("busy");
  EXPECT_EQ(b.state, catalog::BranchState::kRunning);
  EXPECT_EQ(b.last_used_at, t0 + 5000);
  EXPECT_TRUE(fp_->control().IsRunning(fp_->Data("busy")));

  // Once the clients leave, the idle clock starts from their last sighting.
  fp_->control().SetConnections(fp_->Data("busy"), 0);
  fp_->clock().now = t0 + 5599;
  EXPECT_TRUE(For(Tick(0, 600), "busy").empty());
  fp_->clock().now = t0 + 5600;
  auto actions = For(Tick(0, 600), "busy");
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].action, "branch.suspend");
}

TEST_F(LifecycleTest, ProxyConnectionsCountAsUseAndProxyOnlyNeverAsksPostgres) {
  const int64_t t0 = fp_->now();
  ASSERT_TRUE(fp_->Create("proxied").ok());
  ProxyUse use{2, 0};
  LifecyclePolicy policy;
  policy.idle_suspend = 600;
  policy.proxy_use = [&](const std::string& branch) -> std::optional<ProxyUse> {
    if (branch != "proxied") return std::nullopt;
    return use;
  };
  policy.proxy_only = true;
  // Postgres would say "no clients" (and is never asked): the proxy's two
  // open connections keep the branch in use.
  fp_->clock().now = t0 + 5000;
  ASSERT_TRUE(pool().Tick(policy).ok());
  EXPECT_EQ(Row("proxied").last_used_at, t0 + 5000);
  EXPECT_EQ(Row("proxied").state, catalog::BranchState::kRunning);

  // The last client left at t0 + 5300, between passes: idle from then.
  use = ProxyUse{0, t0 + 5300};
  fp_->clock().now = t0 + 5800;
  auto actions = pool().Tick(policy);
  ASSERT_TRUE(actions.ok());
  EXPECT_TRUE(For(*actions, "proxied").empty());
  EXPECT_EQ(Row("proxied").last_used_at, t0 + 5300);
  fp_->clock().now = t0 + 5900;
  actions = pool().Tick(policy);
  ASSERT_TRUE(actions.ok());
  ASSERT_EQ(For(*actions, "proxied").size(), 1u);
  EXPECT_EQ(For(*actions, "proxied")[0].action, "branch.suspend");
}

TEST_F(LifecycleTest, ProxyOnlyIgnoresClientsPostgresWouldReport) {
  ASSERT_TRUE(fp_->Create("direct").ok());
  fp_->control().SetConnections(fp_->Data("direct"), 3);
  LifecyclePolicy policy;
  policy.idle_suspend = 600;
  policy.proxy_use = [](const std::string&) { return std::optional<ProxyUse>(); };
  fp_->Advance(1000);
  // With direct ports in use too, postgres is asked and its clients count.
  ASSERT_TRUE(pool().Tick(policy).ok());
  EXPECT_EQ(Row("direct").state, catalog::BranchState::kRunning);
  // --proxy-only: only the proxy's count matters, and it has none.
  policy.proxy_only = true;
  fp_->Advance(1000);
  auto actions = pool().Tick(policy);
  ASSERT_TRUE(actions.ok());
  ASSERT_EQ(For(*actions, "direct").size(), 1u);
  EXPECT_EQ(For(*actions, "direct")[0].action, "branch.suspend");
}

TEST_F(LifecycleTest, IdleSuspendOffNeverSuspends) {
  ASSERT_TRUE(fp_->Create("idle").ok());
  fp_->Advance(30 * kDay);
  EXPECT_TRUE(For(Tick(0, 0), "idle").empty());
  EXPECT_EQ(Row("idle").state, catalog::BranchState::kRunning);
}

TEST_F(LifecycleTest, IdleExpiryDeletesAfterThatLongWithoutConnections) {
  const int64_t t0 = fp_->now();
  CreateBranchOptions o;
  o.name = "scratch";
  o.idle_expiry_seconds = 2 * kHour;
  ASSERT_TRUE(pool().CreateBranch(o).ok());

  // Used an hour in: the deadline moves to two hours after that.
  fp_->control().SetConnections(fp_->Data("scratch"), 1);
  fp_->clock().now = t0 + kHour;
  EXPECT_TRUE(For(Tick(), "scratch").empty());
  fp_->control().SetConnections(fp_->Data("scratch"), 0);

  fp_->clock().now = t0 + 2 * kHour;
  EXPECT_TRUE(For(Tick(), "scratch").empty());
  EXPECT_TRUE(fp_->Exists("scratch")) << "used at t0+1h, so alive until t0+3h";

  fp_->clock().now = t0 + 3 * kHour - 1;
  EXPECT_TRUE(For(Tick(), "scratch").empty());
  fp_->clock().now = t0 + 3 * kHour;
  auto actions = For(Tick(), "scratch");
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].action, "branch.expire");
  EXPECT_TRUE(actions[0].result.ok()) << actions[0].result.message();
  EXPECT_NE(actions[0].reason.find("no connection"), std::string::npos) << actions[0].reason;
  EXPECT_FALSE(fp_->Exists("scratch"));
}

// Regression: client activity that pushes an idle-expiry deadline back must
// clear the warning, so the new deadline is warned about again.
TEST_F(LifecycleTest, IdleExpiryWarnsAgainAfterTheBranchWasUsed) {
  const int64_t t0 = fp_->now();
  CreateBranchOptions o;
  o.name = "scratch";
  o.idle_expiry_seconds = 2 * kHour;
  ASSERT_TRUE(pool().CreateBranch(o).ok());
  fp_->clock().now = t0 + kHour;
  ASSERT_EQ(For(Tick(kHour), "scratch").size(), 1u);  // warned: 1h left
  // Someone connects: the branch is in use again, its deadline is t0+4h.
  fp_->control().SetConnections(fp_->Data("scratch"), 1);
  fp_->clock().now = t0 + 2 * kHour;
  Tick(kHour);
  fp_->control().SetConnections(fp_->Data("scratch"), 0);
  fp_->clock().now = t0 + 3 * kHour;  // 1h before the new deadline
  auto actions = For(Tick(kHour), "scratch");
  ASSERT_EQ(actions.size(), 1u) << "no warning before the new idle deadline";
  EXPECT_EQ(actions[0].action, "branch.warn");
}

// --- Shutdown schedules --------------------------------------------------------

class LifecycleScheduleTest : public LifecycleTest {
 protected:
  // Monday 2027-01-18 12:00, 21:00 and Tuesday 2027-01-19 07:59, 09:00 (UTC).
  static constexpr int64_t kMonNoon = 1'800'273'600;
  static constexpr int64_t kMon2100 = 1'800'306'000;
  static constexpr int64_t kTue0759 = 1'800'345'540;
  static constexpr int64_t kTue0900 = 1'800'349'200;

  void SetUp() override {
    const char* tz = std::getenv("TZ");
    if (tz) saved_tz_ = tz;
    had_tz_ = tz != nullptr;
    setenv("TZ", "UTC", 1);
    tzset();
    Reopen(kMonNoon);
    ASSERT_TRUE(
        fp_->store().PutSchedule({"nights", "env=dev", "0 20 * * 1-5", "0 8 * * 1-5", 0}).ok());
  }
  void TearDown() override {
    if (had_tz_)
      setenv("TZ", saved_tz_.c_str(), 1);
    else
      unsetenv("TZ");
    tzset();
  }

  std::string saved_tz_;
  bool had_tz_ = false;
};

TEST_F(LifecycleScheduleTest, StopsLabelledBranchesInTheWindowAndStartsThemAfter) {
  ASSERT_TRUE(fp_->Create("dev1", std::nullopt, "", {{"env", "dev"}}).ok());
  ASSERT_TRUE(fp_->Create("dev2", std::nullopt, "", {{"env", "dev"}, {"team", "a"}}).ok());
  ASSERT_TRUE(fp_->Create("prod", std::nullopt, "", {{"env", "prod"}}).ok());
  ASSERT_TRUE(fp_->Create("plain").ok());

  // Monday noon: outside the window, nothing to do.
  EXPECT_TRUE(Tick().empty());

  fp_->clock().now = kMon2100;
  auto stops = Tick();
  ASSERT_EQ(stops.size(), 2u);
  for (const auto& a : stops) {
    EXPECT_EQ(a.action, "schedule.stop");
    EXPECT_TRUE(a.result.ok()) << a.result.message();
    EXPECT_NE(a.reason.find("nights"), std::string::npos) << a.reason;
  }
  for (const char* name : {"dev1", "dev2"}) {
    catalog::Branch b = Row(name);
    EXPECT_EQ(b.state, catalog::BranchState::kStopped) << name;
    EXPECT_EQ(b.stop_reason, "schedule") << name;
    EXPECT_FALSE(fp_->control().IsRunning(fp_->Data(name))) << name;
  }
  for (const char* name : {"prod", "plain", "main"}) {
    EXPECT_EQ(Row(name).state, catalog::BranchState::kRunning) << name;
    EXPECT_TRUE(fp_->control().IsRunning(fp_->Data(name))) << name;
  }

  // Still in the window next morning before 08:00: nothing happens.
  fp_->clock().now = kTue0759;
  EXPECT_TRUE(Tick().empty());

  fp_->clock().now = kTue0900;
  auto starts = Tick();
  ASSERT_EQ(starts.size(), 2u);
  for (const auto& a : starts) {
    EXPECT_EQ(a.action, "schedule.start");
    EXPECT_TRUE(a.result.ok()) << a.result.message();
  }
  for (const char* name : {"dev1", "dev2"}) {
    catalog::Branch b = Row(name);
    EXPECT_EQ(b.state, catalog::BranchState::kRunning) << name;
    EXPECT_EQ(b.stop_reason, "") << name;
    EXPECT_TRUE(fp_->control().IsRunning(fp_->Data(name))) << name;
  }
  EXPECT_TRUE(Tick().empty()) << "a second pass after the window changes nothing";
}

TEST_F(LifecycleScheduleTest, BranchStoppedByTheUserIsNotStartedByTheSchedule) {
  ASSERT_TRUE(fp_->Create("mine", std::nullopt, "", {{"env", "dev"}}).ok());
  ASSERT_TRUE(pool().StopBranch("mine").ok());
  EXPECT_EQ(Row("mine").stop_reason, "user");

  fp_->clock().now = kMon2100;
  EXPECT_TRUE(For(Tick(), "mine").empty()) << "already stopped";
  fp_->clock().now = kTue0900;
  EXPECT_TRUE(For(Tick(), "mine").empty());
  catalog::Branch b = Row("mine");
  EXPECT_EQ(b.state, catalog::BranchState::kStopped);
  EXPECT_EQ(b.stop_reason, "user");
  EXPECT_FALSE(fp_->control().IsRunning(fp_->Data("mine")));
}

TEST_F(LifecycleScheduleTest, BranchStartedDuringTheWindowIsStoppedAgain) {
  ASSERT_TRUE(fp_->Create("dev1", std::nullopt, "", {{"env", "dev"}}).ok());
  fp_->clock().now = kMon2100;
  ASSERT_EQ(Tick().size(), 1u);
  fp_->clock().now = kMon2100 + kHour;
  ASSERT_TRUE(pool().StartBranch("dev1").ok());
  fp_->Advance(30);
  auto again = For(Tick(), "dev1");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].action, "schedule.stop");
  EXPECT_EQ(Row("dev1").stop_reason, "schedule");
}

TEST_F(LifecycleScheduleTest, WeekendStaysInsideTheWindow) {
  ASSERT_TRUE(fp_->Create("dev1", std::nullopt, "", {{"env", "dev"}}).ok());
  // Friday 2027-01-22 21:00, Saturday noon, Monday 2027-01-25 09:00 (UTC).
  fp_->clock().now = kMon2100 + 4 * kDay;
  ASSERT_EQ(Tick().size(), 1u);
  fp_->clock().now = kMonNoon + 5 * kDay;
  EXPECT_TRUE(Tick().empty());
  EXPECT_EQ(Row("dev1").state, catalog::BranchState::kStopped);
  fp_->clock().now = kTue0900 + 6 * kDay;
  auto starts = Tick();
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].action, "schedule.start");
}

// --- Quotas --------------------------------------------------------------------

TEST_F(LifecycleTest, PoolQuotaOfMaxBranchesRefusesTheNextCreate) {
  // Every branch row counts, main included: `spur branch list` shows main, and
  // it is a running postgres like the others.
  ASSERT_TRUE(fp_->store().PutQuota({"", 3, std::nullopt}).ok());
  ASSERT_TRUE(fp_->Create("a").ok());
  ASSERT_TRUE(fp_->Create("b").ok());
  auto refused = fp_->Create("c");
  EXPECT_EQ(refused.status().code(), Code::kResourceExhausted);
  EXPECT_NE(refused.status().message().find("max_branches"), std::string::npos)
      << refused.status().message();
  EXPECT_FALSE(fp_->Exists("c"));
  EXPECT_EQ(fp_->store().ListBranches()->size(), 3u);
  // Deleting one frees a slot.
  ASSERT_TRUE(pool().DeleteBranch("a", false).ok());
  EXPECT_TRUE(fp_->Create("c").ok());
}

TEST_F(LifecycleTest, OwnerQuotaAppliesOnlyToThatOwner) {
  ASSERT_TRUE(fp_->store().PutQuota({"alice", 1, std::nullopt}).ok());
  ASSERT_TRUE(fp_->Create("a1", std::nullopt, "alice").ok());
  auto refused = fp_->Create("a2", std::nullopt, "alice");
  EXPECT_EQ(refused.status().code(), Code::kResourceExhausted);
  EXPECT_NE(refused.status().message().find("max_branches"), std::string::npos);
  EXPECT_NE(refused.status().message().find("alice"), std::string::npos)
      << refused.status().message();
  EXPECT_TRUE(fp_->Create("b1", std::nullopt, "bob").ok());
  EXPECT_TRUE(fp_->Create("b2", std::nullopt, "bob").ok());
  EXPECT_TRUE(fp_->Create("n1").ok()) << "no owner: only pool quotas apply";
  EXPECT_FALSE(fp_->Exists("a2"));
}

TEST_F(LifecycleTest, MaxBytesQuotaCountsExclusiveBytes) {
  ASSERT_TRUE(fp_->store().PutQuota({"alice", std::nullopt, 1000}).ok());
  ASSERT_TRUE(fp_->Create("a1", std::nullopt, "alice").ok());
  // A fresh clone shares everything with main: alice uses 0 exclusive bytes.
  ASSERT_TRUE(fp_->Create("a2", std::nullopt, "alice").ok());
  ASSERT_TRUE(fp_->driver().WriteFile(fp_->Data("a1"), "base/1/big", std::string(600, 'x')).ok());
  ASSERT_TRUE(fp_->Create("a3", std::nullopt, "alice").ok()) << "600 of 1000 bytes used";
  ASSERT_TRUE(fp_->driver().WriteFile(fp_->Data("a2"), "base/1/big", std::string(400, 'y')).ok());
  auto refused = fp_->Create("a4", std::nullopt, "alice");
  EXPECT_EQ(refused.status().code(), Code::kResourceExhausted);
  EXPECT_NE(refused.status().message().find("max_bytes"), std::string::npos)
      << refused.status().message();
  EXPECT_TRUE(fp_->Create("b1", std::nullopt, "bob").ok());
  // Freeing space lets alice create again.
  ASSERT_TRUE(pool().DeleteBranch("a2", false).ok());
  EXPECT_TRUE(fp_->Create("a4", std::nullopt, "alice").ok());
}

// --- Protection ----------------------------------------------------------------

TEST_F(LifecycleTest, ProtectedBranchNeedsForceToDeleteOrReset) {
  ASSERT_TRUE(fp_->Create("keep", std::nullopt, "", {}, true).ok());
  auto del = pool().DeleteBranch("keep", false);
  EXPECT_EQ(del.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(del.status().message().find("protected"), std::string::npos);
  auto reset = pool().ResetBranch("keep", std::nullopt);
  EXPECT_EQ(reset.status().code(), Code::kFailedPrecondition);
  EXPECT_TRUE(fp_->Exists("keep"));

  const auto before = Row("keep").snapshot_id;
  auto forced_reset = pool().ResetBranch("keep", std::nullopt, /*force=*/true);
  ASSERT_TRUE(forced_reset.ok()) << forced_reset.status().message();
  EXPECT_NE(Row("keep").snapshot_id, before);
  auto forced_del = pool().DeleteBranch("keep", false, /*force=*/true);
  ASSERT_TRUE(forced_del.ok()) << forced_del.status().message();
  EXPECT_FALSE(fp_->Exists("keep"));
}

TEST_F(LifecycleTest, RecursiveDeleteOverAProtectedChildNeedsForce) {
  ASSERT_TRUE(fp_->Create("parent").ok());
  ASSERT_TRUE(fp_->Create("kept", std::nullopt, "", {}, true, "parent").ok());
  EXPECT_EQ(pool().DeleteBranch("parent", true).status().code(), Code::kFailedPrecondition);
  EXPECT_TRUE(fp_->Exists("parent"));
  EXPECT_TRUE(fp_->Exists("kept"));
  auto forced = pool().DeleteBranch("parent", true, true);
  ASSERT_TRUE(forced.ok()) << forced.status().message();
  EXPECT_EQ(*forced, (std::vector<std::string>{"kept", "parent"}));
}

// Regression: a recursive delete refused for a protected descendant used to
// delete the unprotected siblings listed before it. The refusal must change
// nothing.
TEST_F(LifecycleTest, RefusedRecursiveDeleteLeavesUnprotectedSiblings) {
  ASSERT_TRUE(fp_->Create("parent").ok());
  ASSERT_TRUE(fp_->Create("plain", std::nullopt, "", {}, false, "parent").ok());
  ASSERT_TRUE(fp_->Create("kept", std::nullopt, "", {}, true, "parent").ok());
  EXPECT_EQ(pool().DeleteBranch("parent", true).status().code(), Code::kFailedPrecondition);
  EXPECT_TRUE(fp_->Exists("parent"));
  EXPECT_TRUE(fp_->Exists("kept"));
  EXPECT_TRUE(fp_->Exists("plain")) << "a refused delete deleted a sibling";
}

// --- Cost ----------------------------------------------------------------------

TEST_F(LifecycleTest, CostCountsRunningHoursAcrossStartsAndStops) {
  const int64_t t0 = fp_->now();
  ASSERT_TRUE(fp_->Create("feat").ok());
  fp_->clock().now = t0 + kHour;
  ASSERT_TRUE(pool().StopBranch("feat").ok());
  fp_->clock().now = t0 + 5 * kHour;  // stopped time does not count

  auto find = [&](const std::vector<BranchCost>& costs) {
    for (const auto& c : costs) {
      if (c.branch == "feat") return c;
    }
    ADD_FAILURE() << "no cost row for feat";
    return BranchCost{};
  };
  auto costs = pool().Cost(0.10, 2.0);
  ASSERT_TRUE(costs.ok()) << costs.status().message();
  BranchCost c = find(*costs);
  EXPECT_DOUBLE_EQ(c.running_hours, 1.0);
  EXPECT_DOUBLE_EQ(c.compute_cost, 2.0);
  EXPECT_DOUBLE_EQ(c.age_hours, 5.0);

  // Running now: the current run counts up to now.
  ASSERT_TRUE(pool().StartBranch("feat").ok());
  fp_->clock().now = t0 + 5 * kHour + 1800;
  c = find(*pool().Cost(0.10, 2.0));
  EXPECT_DOUBLE_EQ(c.running_hours, 1.5);
  EXPECT_DOUBLE_EQ(c.compute_cost, 3.0);

  // A second stop adds the run that just ended; a stop of a stopped branch adds nothing.
  ASSERT_TRUE(pool().StopBranch("feat").ok());
  fp_->clock().now = t0 + 10 * kHour;
  ASSERT_TRUE(pool().StopBranch("feat").ok());
  c = find(*pool().Cost(0.10, 2.0));
  EXPECT_DOUBLE_EQ(c.running_hours, 1.5);
  EXPECT_EQ(Row("feat").running_seconds, 5400);
}

TEST_F(LifecycleTest, CostPricesExclusiveStorage) {
  const int64_t t0 = fp_->now();
  ASSERT_TRUE(fp_->Create("feat", std::nullopt, "alice", {{"team", "a"}}).ok());
  constexpr uint64_t kMiB = 1024 * 1024;
  ASSERT_TRUE(
      fp_->driver().WriteFile(fp_->Data("feat"), "base/1/big", std::string(kMiB, 'x')).ok());
  fp_->clock().now = t0 + 730 * kHour;  // one month
  auto costs = pool().Cost(1024.0, 0.0);
  ASSERT_TRUE(costs.ok());
  for (const auto& c : *costs) {
    if (c.branch != "feat") continue;
    EXPECT_EQ(c.owner, "alice");
    EXPECT_EQ(c.labels.at("team"), "a");
    EXPECT_EQ(c.exclusive_bytes, kMiB);
    // 1 MiB = 1/1024 GiB at 1024 per GiB-month, for one month.
    EXPECT_NEAR(c.storage_cost, 1.0, 1e-9);
    return;
  }
  ADD_FAILURE() << "no cost row for feat";
}

// --- Patch ---------------------------------------------------------------------

TEST_F(LifecycleTest, PatchReplacesLabelsAndTtlZeroRemovesTheExpiry) {
  const int64_t t0 = fp_->now();
  ASSERT_TRUE(fp_->Create("feat", kHour, "alice", {{"a", "1"}, {"b", "2"}}).ok());
  BranchPatch labels;
  labels.labels = std::map<std::string, std::string>{{"c", "3"}};
  ASSERT_TRUE(pool().PatchBranch("feat", labels).ok());
  EXPECT_EQ(SettingsFromJson(Row("feat").labels_json),
            (std::map<std::string, std::string>{{"c", "3"}}));
  EXPECT_EQ(*Row("feat").expires_at, t0 + kHour) << "fields not in the patch stay";
  EXPECT_EQ(Row("feat").owner, "alice");

  BranchPatch no_ttl;
  no_ttl.ttl_seconds = 0;
  ASSERT_TRUE(pool().PatchBranch("feat", no_ttl).ok());
  catalog::Branch b = Row("feat");
  EXPECT_FALSE(b.expires_at.has_value());
  EXPECT_FALSE(b.ttl_seconds.has_value());
  fp_->Advance(30 * kDay);
  EXPECT_TRUE(For(Tick(kDay), "feat").empty());
  EXPECT_TRUE(fp_->Exists("feat"));

  BranchPatch ttl;
  ttl.ttl_seconds = 2 * kHour;
  ASSERT_TRUE(pool().PatchBranch("feat", ttl).ok());
  EXPECT_EQ(*Row("feat").expires_at, fp_->now() + 2 * kHour);

  BranchPatch bad;
  bad.ttl_seconds = -1;
  EXPECT_EQ(pool().PatchBranch("feat", bad).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(*Row("feat").expires_at, fp_->now() + 2 * kHour);
}

TEST_F(LifecycleTest, EachReaperActionStandsAlone) {
  ASSERT_TRUE(fp_->Create("a", kHour).ok());
  ASSERT_TRUE(fp_->Create("b", kHour).ok());
  fp_->Advance(kHour);
  // Stopping "a" fails; "b" is still deleted in the same pass.
  fp_->control().FailNext(pg::FakeControl::Op::kStop);
  auto actions = Tick();
  auto a = For(actions, "a");
  auto b = For(actions, "b");
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_FALSE(a[0].result.ok());
  EXPECT_TRUE(b[0].result.ok());
  EXPECT_TRUE(fp_->Exists("a"));
  EXPECT_FALSE(fp_->Exists("b"));
  // The half-done delete is reconciliation's to finish (the daemon runs it
  // before every reaper pass).
  ASSERT_TRUE(pool().Reconcile().ok());
  EXPECT_FALSE(fp_->Exists("a"));
}

}  // namespace
}  // namespace spur::engine
