#include <gtest/gtest.h>

#include <string>

#include "common/crypto.h"
#include "hooks/github.h"

namespace spur::hooks {
namespace {

// Shaped like a real delivery (trimmed: GitHub sends many more fields, which are ignored).
constexpr std::string_view kOpened = R"({
  "action": "opened",
  "number": 42,
  "pull_request": {
    "url": "https://api.github.com/repos/acme/shop/pulls/42",
    "id": 1874512390,
    "html_url": "https://github.com/acme/shop/pull/42",
    "number": 42,
    "state": "open",
    "locked": false,
    "title": "Add discount codes",
    "user": {"login": "octocat", "id": 583231, "type": "User"},
    "body": "Adds a `discounts` table.",
    "created_at": "2026-03-02T10:14:07Z",
    "merged": false,
    "merged_at": null,
    "draft": false,
    "head": {
      "label": "octocat:feature/discounts",
      "ref": "feature/discounts",
      "sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e",
      "repo": {"full_name": "acme/shop"}
    },
    "base": {
      "label": "acme:main",
      "ref": "main",
      "sha": "9049f1265b7d61be4a8904a9a27120d2064dab3b",
      "repo": {"full_name": "acme/shop"}
    }
  },
  "repository": {
    "id": 1296269,
    "name": "shop",
    "full_name": "acme/shop",
    "private": true,
    "owner": {"login": "acme", "type": "Organization"},
    "default_branch": "main"
  },
  "sender": {"login": "octocat", "id": 583231, "type": "User"}
})";

constexpr std::string_view kPing = R"({
  "zen": "Design for failure.",
  "hook_id": 487231,
  "hook": {"type": "Repository", "id": 487231, "events": ["pull_request"],
           "config": {"content_type": "json", "insecure_ssl": "0"}},
  "repository": {"id": 1296269, "full_name": "acme/shop"},
  "sender": {"login": "octocat"}
})";

constexpr std::string_view kDelivery = "72d3162e-cc78-11e3-81ab-4c9367dc0958";

// kOpened with `from` replaced by `to` (once).
std::string With(std::string_view from, std::string_view to, std::string body = "") {
  if (body.empty()) body = std::string(kOpened);
  auto pos = body.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) body.replace(pos, from.size(), to);
  return body;
}

TEST(HooksGitHubSignature, AcceptsTheHmacOfTheBody) {
  std::string header = "sha256=" + HmacSha256Hex("s3cret", kOpened);
  Status st = VerifyGitHubSignature("s3cret", kOpened, header);
  EXPECT_TRUE(st.ok()) << st.message();
}

TEST(HooksGitHubSignature, AcceptsUpperCaseHex) {
  std::string hex = HmacSha256Hex("s3cret", kOpened);
  for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  Status st = VerifyGitHubSignature("s3cret", kOpened, "sha256=" + hex);
  EXPECT_TRUE(st.ok()) << st.message();
}

TEST(HooksGitHubSignature, RejectsWrongSecretAndTamperedBody) {
  std::string header = "sha256=" + HmacSha256Hex("s3cret", kOpened);
  Status wrong_secret = VerifyGitHubSignature("other", kOpened, header);
  EXPECT_EQ(wrong_secret.code(), Code::kUnauthenticated);
  EXPECT_EQ(wrong_secret.message(),
            "X-Hub-Signature-256 does not match the body; check the webhook secret");
  Status tampered =
      VerifyGitHubSignature("s3cret", With("\"number\": 42", "\"number\": 43"), header);
  EXPECT_EQ(tampered.code(), Code::kUnauthenticated);
}

TEST(HooksGitHubSignature, RejectsMissingHeader) {
  Status st = VerifyGitHubSignature("s3cret", kOpened, "");
  EXPECT_EQ(st.code(), Code::kUnauthenticated);
  EXPECT_EQ(st.message(),
            "missing X-Hub-Signature-256 header; configure the webhook with a secret");
}

TEST(HooksGitHubSignature, RejectsMalformedHeaders) {
  std::string hex = HmacSha256Hex("s3cret", kOpened);
  for (const std::string& bad :
       {hex, "sha1=" + hex, "sha256=" + hex.substr(1), "sha256=" + hex + "0",
        "sha256=" + hex.substr(0, 63) + "g", "sha256= " + hex.substr(1), std::string("sha256="),
        " sha256=" + hex, "SHA256=" + hex}) {
    Status st = VerifyGitHubSignature("s3cret", kOpened, bad);
    EXPECT_EQ(st.code(), Code::kUnauthenticated) << bad;
    EXPECT_NE(st.message().find("X-Hub-Signature-256"), std::string::npos) << st.message();
  }
}

TEST(HooksGitHubSignature, EmptySecretNeverVerifies) {
  // Even a header that is the correct HMAC under the empty key.
  Status st = VerifyGitHubSignature("", kOpened, "sha256=" + HmacSha256Hex("", kOpened));
  EXPECT_EQ(st.code(), Code::kFailedPrecondition);
  EXPECT_NE(st.message().find("no webhook secret configured"), std::string::npos);
}

TEST(HooksGitHubEvent, OpenedBecomesOpenWithEveryField) {
  Result<PullRequestEvent> e = ParseGitHubEvent("pull_request", kDelivery, kOpened);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->forge, "github");
  EXPECT_EQ(e->delivery_id, kDelivery);
  EXPECT_EQ(e->repo, "acme/shop");
  EXPECT_EQ(e->number, 42);
  EXPECT_EQ(e->action, PrAction::kOpen);
  EXPECT_FALSE(e->merged);
  EXPECT_EQ(e->head_sha, "6dcb09b5b57875f334f61aebed695e2e4193db5e");
  EXPECT_EQ(e->head_ref, "feature/discounts");
  EXPECT_EQ(e->base_ref, "main");
  EXPECT_EQ(e->title, "Add discount codes");
  EXPECT_EQ(e->author, "octocat");
  EXPECT_EQ(e->url, "https://github.com/acme/shop/pull/42");
  EXPECT_EQ(e->ignore_reason, "");
}

TEST(HooksGitHubEvent, MapsActions) {
  struct Case {
    const char* action;
    PrAction want;
  } cases[] = {{"reopened", PrAction::kOpen}, {"synchronize", PrAction::kSync},
               {"closed", PrAction::kClose},  {"labeled", PrAction::kIgnore},
               {"edited", PrAction::kIgnore}, {"ready_for_review", PrAction::kIgnore}};
  for (const Case& c : cases) {
    std::string body = With("\"opened\"", "\"" + std::string(c.action) + "\"");
    Result<PullRequestEvent> e = ParseGitHubEvent("pull_request", kDelivery, body);
    ASSERT_TRUE(e.ok()) << c.action << ": " << e.status().message();
    EXPECT_EQ(e->action, c.want) << c.action;
    EXPECT_EQ(e->number, 42);
    if (c.want == PrAction::kIgnore) {
      EXPECT_EQ(e->ignore_reason, "action " + std::string(c.action));
    }
  }
}

TEST(HooksGitHubEvent, ClosedCarriesMerged) {
  std::string merged =
      With("\"merged\": false", "\"merged\": true", With("\"opened\"", "\"closed\""));
  Result<PullRequestEvent> e = ParseGitHubEvent("pull_request", kDelivery, merged);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->action, PrAction::kClose);
  EXPECT_TRUE(e->merged);

  e = ParseGitHubEvent("pull_request", kDelivery, With("\"opened\"", "\"closed\""));
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->action, PrAction::kClose);
  EXPECT_FALSE(e->merged);
}

TEST(HooksGitHubEvent, PingAndOtherEventsAreIgnored) {
  Result<PullRequestEvent> ping = ParseGitHubEvent("ping", kDelivery, kPing);
  ASSERT_TRUE(ping.ok()) << ping.status().message();
  EXPECT_EQ(ping->action, PrAction::kIgnore);
  EXPECT_EQ(ping->ignore_reason, "event ping");
  EXPECT_EQ(ping->repo, "acme/shop");

  Result<PullRequestEvent> push =
      ParseGitHubEvent("push", kDelivery, R"({"ref": "refs/heads/main", "sender": {}})");
  ASSERT_TRUE(push.ok()) << push.status().message();
  EXPECT_EQ(push->action, PrAction::kIgnore);
  EXPECT_EQ(push->ignore_reason, "event push");
  EXPECT_EQ(push->repo, "");
}

TEST(HooksGitHubEvent, FallsBackToPullRequestNumber) {
  Result<PullRequestEvent> e = ParseGitHubEvent(
      "pull_request", kDelivery, With("\"number\": 42,\n  \"pull_request\"", "\"pull_request\""));
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->number, 42);
}

TEST(HooksGitHubEvent, MissingHeadersAreInvalid) {
  Result<PullRequestEvent> e = ParseGitHubEvent("pull_request", "", kOpened);
  EXPECT_EQ(e.status().code(), Code::kInvalidArgument);
  EXPECT_NE(e.status().message().find("X-GitHub-Delivery"), std::string::npos);
  e = ParseGitHubEvent("", kDelivery, kOpened);
  EXPECT_EQ(e.status().code(), Code::kInvalidArgument);
  EXPECT_NE(e.status().message().find("X-GitHub-Event"), std::string::npos);
}

TEST(HooksGitHubEvent, MalformedBodiesAreInvalid) {
  for (std::string_view body :
       {std::string_view(R"({"action": "opened",)"), std::string_view("[1, 2]"),
        std::string_view(""), std::string_view("null")}) {
    Result<PullRequestEvent> e = ParseGitHubEvent("pull_request", kDelivery, body);
    EXPECT_EQ(e.status().code(), Code::kInvalidArgument) << body;
    EXPECT_NE(e.status().message().find("github webhook body"), std::string::npos)
        << e.status().message();
  }
}

TEST(HooksGitHubEvent, FormEncodedBodySaysHowToFixTheWebhook) {
  Result<PullRequestEvent> e =
      ParseGitHubEvent("pull_request", kDelivery, "payload=%7B%22action%22%3A%22opened%22%7D");
  EXPECT_EQ(e.status().code(), Code::kInvalidArgument);
  EXPECT_NE(e.status().message().find("application/json"), std::string::npos);
}

TEST(HooksGitHubEvent, MissingOrMistypedFieldsAreNamed) {
  struct Case {
    std::string body;
    const char* field;
  } cases[] = {
      {With("\"full_name\": \"acme/shop\",\n    \"private\"", "\"private\""),
       "repository.full_name"},
      {With("\"number\": 42,\n  \"pull_request\"", "\"number\": \"42\",\n  \"pull_request\""),
       "number"},
      {With("\"number\": 42,\n  \"pull_request\"", "\"number\": -1,\n  \"pull_request\""),
       "number"},
      {With("\"action\": \"opened\",", ""), "action"},
      {With("\"sha\": \"6dcb09b5b57875f334f61aebed695e2e4193db5e\",", ""), "pull_request.head.sha"},
      {With("\"ref\": \"main\"", "\"ref\": 7"), "pull_request.base.ref"},
      {With("\"merged\": false", "\"merged\": \"no\""), "pull_request.merged"},
  };
  for (const Case& c : cases) {
    Result<PullRequestEvent> e = ParseGitHubEvent("pull_request", kDelivery, c.body);
    EXPECT_EQ(e.status().code(), Code::kInvalidArgument) << c.field;
    EXPECT_NE(e.status().message().find("\"" + std::string(c.field) + "\""), std::string::npos)
        << e.status().message();
  }
}

TEST(HooksGitHubEvent, MissingPullRequestObjectIsNamed) {
  Result<PullRequestEvent> e = ParseGitHubEvent(
      "pull_request", kDelivery,
      R"({"action": "opened", "number": 1, "repository": {"full_name": "acme/shop"}})");
  EXPECT_EQ(e.status().code(), Code::kInvalidArgument);
  EXPECT_NE(e.status().message().find("\"pull_request\""), std::string::npos)
      << e.status().message();
}

TEST(HooksGitHubEvent, IgnoredActionsNeedNoHead) {
  Result<PullRequestEvent> e =
      ParseGitHubEvent("pull_request", kDelivery,
                       R"({"action": "assigned", "number": 7, "pull_request": {"number": 7},
          "repository": {"full_name": "acme/shop"}})");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->action, PrAction::kIgnore);
  EXPECT_EQ(e->ignore_reason, "action assigned");
  EXPECT_EQ(e->number, 7);
}

}  // namespace
}  // namespace spur::hooks
