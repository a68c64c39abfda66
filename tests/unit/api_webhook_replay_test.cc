// Webhook replays (pr/replay.h): a captured signed body resent with a new
// delivery id changes nothing, while genuinely new events (a new head SHA, a
// close after a reopen) still apply. And the owner a webhook's branch gets.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "api/auth.h"
#include "api_harness.h"
#include "common/crypto.h"
#include "hooks/event_time.h"
#include "pr/replay.h"

namespace spur::api {
namespace {

using nlohmann::json;
using test::ApiHarness;

constexpr char kSecret[] = "0123456789abcdef0123456789abcdef";

// A signed GitHub pull_request delivery of PR 7 of acme/shop.
struct Delivery {
  std::string body;
  std::map<std::string, std::string> headers;
};

Delivery GitHub(const std::string& delivery_id, const std::string& action, const std::string& sha,
                const std::string& updated_at, const std::string& login = "octocat") {
  json pr = {{"number", 7},
             {"title", "Add discount codes"},
             {"user", {{"login", login}}},
             {"merged", false},
             {"updated_at", updated_at},
             {"html_url", "https://github.com/acme/shop/pull/7"},
             {"head", {{"ref", "feature/discounts"}, {"sha", sha}}},
             {"base", {{"ref", "main"}}}};
  json body = {{"action", action},
               {"number", 7},
               {"pull_request", pr},
               {"repository", {{"full_name", "acme/shop"}}}};
  Delivery d;
  d.body = body.dump();
  d.headers = {{"x-github-event", "pull_request"},
               {"x-github-delivery", delivery_id},
               {"x-hub-signature-256", "sha256=" + HmacSha256Hex(kSecret, d.body)}};
  return d;
}

// The same signed body, resent under another delivery id (what an attacker
// who captured it can do: the signature does not cover the header).
Delivery Resent(Delivery d, const std::string& delivery_id) {
  d.headers["x-github-delivery"] = delivery_id;
  return d;
}

constexpr char kSha1[] = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
constexpr char kSha2[] = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c";

class WebhookReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(h_.ready());
    // The forge's timestamps below are from 2027-01-15, the fake clock's day.
    ASSERT_TRUE(h_.store().PutRepo({"acme/shop", "github", kSecret, "", 0}).ok());
  }
  // Sends `d` and runs the delivery worker; returns the hook's reply.
  Reply Send(const Delivery& d) {
    Reply r = h_.Hook("github", d.body, d.headers);
    h_.service().ProcessPendingDeliveries();
    return r;
  }
  std::optional<int64_t> SnapshotOfPrBranch() {
    auto b = h_.store().GetBranch("pr-7");
    return b.ok() ? b->snapshot_id : std::optional<int64_t>(-1);
  }

  ApiHarness h_;
};

TEST_F(WebhookReplayTest, ReplayedOpenedWebhookWithNewDeliveryIdIsIgnored) {
  const Delivery opened = GitHub("d-1", "opened", kSha1, "2027-01-15T07:00:00Z");
  ASSERT_EQ(Send(opened).status, 202);
  ASSERT_TRUE(h_.store().GetBranch("pr-7").ok());
  const auto snapshot = SnapshotOfPrBranch();
  const json before = h_.State();

  Reply replay = Send(Resent(opened, "d-2"));
  EXPECT_EQ(replay.status, 200) << replay.body.dump();
  EXPECT_EQ(replay.body.value("already_applied", false), true) << replay.body.dump();
  EXPECT_EQ(h_.State(), before) << "a replay changed the pool (or was stored)";
  EXPECT_EQ(SnapshotOfPrBranch(), snapshot) << "a replay reset the branch";
}

TEST_F(WebhookReplayTest, ReplayedClosedWebhookDoesNotDeleteReopenedBranch) {
  ASSERT_EQ(Send(GitHub("d-1", "opened", kSha1, "2027-01-15T07:00:00Z")).status, 202);
  const Delivery closed = GitHub("d-2", "closed", kSha1, "2027-01-15T07:10:00Z");
  ASSERT_EQ(Send(closed).status, 202);
  EXPECT_FALSE(h_.store().GetBranch("pr-7").ok());
  ASSERT_EQ(Send(GitHub("d-3", "reopened", kSha1, "2027-01-15T07:20:00Z")).status, 202);
  ASSERT_TRUE(h_.store().GetBranch("pr-7").ok());
  const json before = h_.State();

  Reply replay = Send(Resent(closed, "d-4"));
  EXPECT_EQ(replay.status, 200) << replay.body.dump();
  EXPECT_EQ(replay.body.value("already_applied", false), true) << replay.body.dump();
  EXPECT_TRUE(h_.store().GetBranch("pr-7").ok()) << "the replayed close deleted the branch";
  EXPECT_EQ(h_.State(), before);

  // A real, later close still deletes it.
  ASSERT_EQ(Send(GitHub("d-5", "closed", kSha1, "2027-01-15T07:30:00Z")).status, 202);
  EXPECT_FALSE(h_.store().GetBranch("pr-7").ok());
}

TEST_F(WebhookReplayTest, NewHeadShaStillResets) {
  ASSERT_EQ(Send(GitHub("d-1", "opened", kSha1, "2027-01-15T07:00:00Z")).status, 202);
  const auto snapshot = SnapshotOfPrBranch();
  const Delivery pushed = GitHub("d-2", "synchronize", kSha2, "2027-01-15T07:05:00Z");
  ASSERT_EQ(Send(pushed).status, 202);
  EXPECT_NE(SnapshotOfPrBranch(), snapshot) << "a new head SHA did not reset the branch";
  auto pr = h_.store().GetPullRequest("acme/shop", 7);
  ASSERT_TRUE(pr.ok() && *pr);
  EXPECT_EQ((*pr)->head_sha, kSha2);
  // Replaying the push, or the older `opened`, does nothing.
  const auto after_push = SnapshotOfPrBranch();
  EXPECT_EQ(Send(Resent(pushed, "d-3")).body.value("already_applied", false), true);
  EXPECT_EQ(Send(GitHub("d-4", "opened", kSha1, "2027-01-15T07:00:00Z")).status, 200);
  EXPECT_EQ(SnapshotOfPrBranch(), after_push);
}

TEST_F(WebhookReplayTest, EventsOlderThanTheRetentionAreRefused) {
  Reply r = Send(GitHub("d-1", "opened", kSha1, "2026-11-01T07:00:00Z"));
  EXPECT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body.value("already_applied", false), true);
  EXPECT_FALSE(h_.store().GetBranch("pr-7").ok());
}

TEST_F(WebhookReplayTest, WebhookOwnerIsNormalizedLikeTokenOwners) {
  ASSERT_EQ(Send(GitHub("d-1", "opened", kSha1, "2027-01-15T07:00:00Z", "OctoCat")).status, 202);
  auto b = h_.store().GetBranch("pr-7");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->owner, "octocat");
  // The token an admin makes for her, typed as GitHub shows her login,
  // manages her branch.
  auto token = CreateToken(h_.store(), Role::kDeveloper, "OctoCat", "", h_.fp().now());
  ASSERT_TRUE(token.ok()) << token.status().message();
  auto who = Authenticate(h_.store(), "Bearer " + token->secret, h_.fp().now());
  ASSERT_TRUE(who.ok());
  Reply stop = h_.Do("POST", "/branches/pr-7/stop", *who);
  EXPECT_EQ(stop.status, 200) << stop.body.dump();

  // A login that cannot be an owner name gives the forge's name.
  ASSERT_EQ(h_.Do("DELETE", "/branches/pr-7", test::kTestAdmin).status, 200);
  ASSERT_EQ(Send(GitHub("d-2", "reopened", kSha1, "2027-01-15T07:10:00Z", "-bad_login")).status,
            202);
  b = h_.store().GetBranch("pr-7");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->owner, "github");
}

TEST(PrEvents, ReplayRules) {
  hooks::PullRequestEvent e;
  e.forge = "github";
  e.repo = "acme/shop";
  e.number = 7;
  e.action = hooks::PrAction::kOpen;
  e.head_sha = kSha1;
  e.updated_at = 1'800'000'000;
  const int64_t now = e.updated_at + 60;
  EXPECT_TRUE(pr::CheckNotReplayed(std::nullopt, e, now).ok());
  auto last = pr::AppliedEvent(e, now);
  EXPECT_EQ(pr::CheckNotReplayed(last, e, now).code(), Code::kAlreadyExists);
  auto later = e;
  later.updated_at += 1;
  EXPECT_TRUE(pr::CheckNotReplayed(last, later, now).ok());
  auto older = e;
  older.action = hooks::PrAction::kClose;
  older.updated_at -= 1;
  EXPECT_EQ(pr::CheckNotReplayed(last, older, now).code(), Code::kAlreadyExists);
  // The delivery that applied it, resumed after a crash before it was marked
  // done, runs again; the same body under a new delivery id does not.
  auto delivered = e;
  delivered.delivery_id = "d-1";
  auto delivered_last = pr::AppliedEvent(delivered, now);
  EXPECT_TRUE(pr::CheckNotReplayed(delivered_last, delivered, now).ok());
  auto resent = delivered;
  resent.delivery_id = "d-2";
  EXPECT_EQ(pr::CheckNotReplayed(delivered_last, resent, now).code(), Code::kAlreadyExists);
  // Without timestamps: only a repeat of the last applied event.
  auto plain = e;
  plain.updated_at = 0;
  auto plain_last = pr::AppliedEvent(plain, now);
  EXPECT_EQ(pr::CheckNotReplayed(plain_last, plain, now).code(), Code::kAlreadyExists);
  auto plain_close = plain;
  plain_close.action = hooks::PrAction::kClose;
  EXPECT_TRUE(pr::CheckNotReplayed(plain_last, plain_close, now).ok());
}

TEST(ForgeTime, ParsesGitHubAndGitLabForms) {
  EXPECT_EQ(*hooks::ParseForgeTime("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*hooks::ParseForgeTime("2011-01-26T19:01:12Z"), 1296068472);
  EXPECT_EQ(*hooks::ParseForgeTime("2011-01-26 19:01:12 UTC"), 1296068472);
  EXPECT_EQ(*hooks::ParseForgeTime("2011-01-26T21:01:12.123+02:00"), 1296068472);
  EXPECT_EQ(*hooks::ParseForgeTime("2011-01-26 21:01:12 +0200"), 1296068472);
  for (const char* bad :
       {"", "yesterday", "2011-01-26", "2011-02-30T00:00:00Z", "2011-01-26T19:01:12",
        "2011-01-26T19:01:12Zjunk", "2011-13-01T00:00:00Z", "2011-01-26T19:01:12+2"}) {
    EXPECT_FALSE(hooks::ParseForgeTime(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace spur::api
