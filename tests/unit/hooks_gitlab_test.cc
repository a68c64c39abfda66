#include <gtest/gtest.h>

#include <string>

#include "hooks/gitlab.h"

namespace spur::hooks {
namespace {

// Shaped like a real "Merge Request Hook" delivery (trimmed: GitLab sends many more fields).
constexpr std::string_view kOpened = R"({
  "object_kind": "merge_request",
  "event_type": "merge_request",
  "user": {"id": 1, "name": "Ada Lovelace", "username": "ada", "email": "[REDACTED]"},
  "project": {
    "id": 15,
    "name": "Shop",
    "web_url": "https://gitlab.example.com/acme/backend/shop",
    "namespace": "Backend",
    "path_with_namespace": "acme/backend/shop",
    "default_branch": "main"
  },
  "object_attributes": {
    "id": 99,
    "iid": 17,
    "title": "Add discount codes",
    "source_branch": "feature/discounts",
    "target_branch": "main",
    "source_project_id": 15,
    "target_project_id": 15,
    "state": "opened",
    "merge_status": "unchecked",
    "draft": false,
    "url": "https://gitlab.example.com/acme/backend/shop/-/merge_requests/17",
    "last_commit": {
      "id": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
      "message": "Add discounts table\n",
      "timestamp": "2026-03-02T10:14:07+00:00",
      "author": {"name": "Ada Lovelace", "email": "[REDACTED]"}
    },
    "action": "open"
  },
  "labels": [],
  "changes": {},
  "repository": {"name": "Shop", "url": "git@gitlab.example.com:acme/backend/shop.git"}
})";

constexpr std::string_view kUuid = "2dd14b4c-d2f7-4e58-a8a2-c5d1b2f0d3a1";

std::string With(std::string_view from, std::string_view to) {
  std::string body(kOpened);
  auto pos = body.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) body.replace(pos, from.size(), to);
  return body;
}

std::string WithAction(std::string_view action, bool oldrev = false) {
  std::string to = "\"action\": \"" + std::string(action) + "\"";
  if (oldrev) to = "\"oldrev\": \"a5e9e5e9c1ef60e2b0b2b4b69c3c0b8e1e8b7a10\",\n    " + to;
  return With("\"action\": \"open\"", to);
}

TEST(HooksGitLabToken, AcceptsTheSecret) {
  Status st = VerifyGitLabToken("s3cret", "s3cret");
  EXPECT_TRUE(st.ok()) << st.message();
}

TEST(HooksGitLabToken, RejectsWrongOrMissingToken) {
  for (std::string_view bad : {"s3creT", "s3cre", "s3cret ", "other-much-longer-token"}) {
    Status st = VerifyGitLabToken("s3cret", bad);
    EXPECT_EQ(st.code(), Code::kUnauthenticated) << bad;
    EXPECT_EQ(st.message(), "X-Gitlab-Token does not match; check the webhook secret");
  }
  Status missing = VerifyGitLabToken("s3cret", "");
  EXPECT_EQ(missing.code(), Code::kUnauthenticated);
  EXPECT_NE(missing.message().find("missing X-Gitlab-Token"), std::string::npos);
}

TEST(HooksGitLabToken, EmptySecretNeverVerifies) {
  EXPECT_EQ(VerifyGitLabToken("", "").code(), Code::kFailedPrecondition);
  EXPECT_EQ(VerifyGitLabToken("", "anything").code(), Code::kFailedPrecondition);
}

TEST(HooksGitLabEvent, OpenBecomesOpenWithEveryField) {
  Result<PullRequestEvent> e = ParseGitLabEvent("Merge Request Hook", kUuid, kOpened);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->forge, "gitlab");
  EXPECT_EQ(e->delivery_id, kUuid);
  EXPECT_EQ(e->repo, "acme/backend/shop");
  EXPECT_EQ(e->number, 17);
  EXPECT_EQ(e->action, PrAction::kOpen);
  EXPECT_FALSE(e->merged);
  EXPECT_EQ(e->head_sha, "da1560886d4f094c3e6c9ef40349f7d38b5d27d7");
  EXPECT_EQ(e->head_ref, "feature/discounts");
  EXPECT_EQ(e->base_ref, "main");
  EXPECT_EQ(e->title, "Add discount codes");
  EXPECT_EQ(e->author, "ada");
  EXPECT_EQ(e->url, "https://gitlab.example.com/acme/backend/shop/-/merge_requests/17");
}

TEST(HooksGitLabEvent, MapsActions) {
  struct Case {
    const char* action;
    bool oldrev;
    PrAction want;
    bool merged;
    const char* reason;
  } cases[] = {
      {"reopen", false, PrAction::kOpen, false, ""},
      {"update", true, PrAction::kSync, false, ""},
      {"update", false, PrAction::kIgnore, false, "action update without new commits"},
      {"close", false, PrAction::kClose, false, ""},
      {"merge", false, PrAction::kClose, true, ""},
      {"approved", false, PrAction::kIgnore, false, "action approved"},
      {"unapproved", false, PrAction::kIgnore, false, "action unapproved"},
  };
  for (const Case& c : cases) {
    Result<PullRequestEvent> e =
        ParseGitLabEvent("Merge Request Hook", kUuid, WithAction(c.action, c.oldrev));
    ASSERT_TRUE(e.ok()) << c.action << ": " << e.status().message();
    EXPECT_EQ(e->action, c.want) << c.action << " oldrev=" << c.oldrev;
    EXPECT_EQ(e->merged, c.merged) << c.action;
    EXPECT_EQ(e->ignore_reason, c.reason) << c.action;
    EXPECT_EQ(e->number, 17);
  }
}

TEST(HooksGitLabEvent, NullOldrevIsNotNewCommits) {
  Result<PullRequestEvent> e =
      ParseGitLabEvent("Merge Request Hook", kUuid,
                       With("\"action\": \"open\"", "\"oldrev\": null, \"action\": \"update\""));
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->action, PrAction::kIgnore);
}

TEST(HooksGitLabEvent, SystemHookMergeRequestsAreParsed) {
  Result<PullRequestEvent> e = ParseGitLabEvent("System Hook", kUuid, kOpened);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->action, PrAction::kOpen);
  EXPECT_EQ(e->number, 17);
}

TEST(HooksGitLabEvent, OtherEventsAreIgnored) {
  Result<PullRequestEvent> push =
      ParseGitLabEvent("Push Hook", kUuid,
                       R"({"object_kind": "push", "ref": "refs/heads/main",
          "project": {"path_with_namespace": "acme/backend/shop"}})");
  ASSERT_TRUE(push.ok()) << push.status().message();
  EXPECT_EQ(push->action, PrAction::kIgnore);
  EXPECT_EQ(push->ignore_reason, "event Push Hook");
  EXPECT_EQ(push->repo, "acme/backend/shop");

  Result<PullRequestEvent> project = ParseGitLabEvent(
      "System Hook", kUuid, R"({"event_name": "project_create", "object_kind": "project"})");
  ASSERT_TRUE(project.ok()) << project.status().message();
  EXPECT_EQ(project->action, PrAction::kIgnore);
  EXPECT_EQ(project->ignore_reason, "object_kind project");
}

TEST(HooksGitLabEvent, MissingHeadersAreInvalid) {
  Result<PullRequestEvent> e = ParseGitLabEvent("Merge Request Hook", "", kOpened);
  EXPECT_EQ(e.status().code(), Code::kInvalidArgument);
  EXPECT_NE(e.status().message().find("X-Gitlab-Event-UUID"), std::string::npos);
  e = ParseGitLabEvent("", kUuid, kOpened);
  EXPECT_EQ(e.status().code(), Code::kInvalidArgument);
  EXPECT_NE(e.status().message().find("X-Gitlab-Event"), std::string::npos);
}

TEST(HooksGitLabEvent, MalformedBodyIsInvalid) {
  Result<PullRequestEvent> e = ParseGitLabEvent("Merge Request Hook", kUuid, "{\"object_kind\":");
  EXPECT_EQ(e.status().code(), Code::kInvalidArgument);
  EXPECT_NE(e.status().message().find("not valid JSON"), std::string::npos) << e.status().message();
}

TEST(HooksGitLabEvent, MissingOrMistypedFieldsAreNamed) {
  struct Case {
    std::string body;
    const char* field;
  } cases[] = {
      {With("\"path_with_namespace\": \"acme/backend/shop\",", ""), "project.path_with_namespace"},
      {With("\"iid\": 17,", ""), "object_attributes.iid"},
      {With("\"iid\": 17,", "\"iid\": \"17\","), "object_attributes.iid"},
      {With("\"action\": \"open\"", "\"state_id\": 1"), "object_attributes.action"},
      {With("\"id\": \"da1560886d4f094c3e6c9ef40349f7d38b5d27d7\",", ""),
       "object_attributes.last_commit.id"},
      {With("\"source_branch\": \"feature/discounts\",", ""), "object_attributes.source_branch"},
      {With("\"object_kind\": \"merge_request\",", ""), "object_kind"},
  };
  for (const Case& c : cases) {
    Result<PullRequestEvent> e = ParseGitLabEvent("Merge Request Hook", kUuid, c.body);
    EXPECT_EQ(e.status().code(), Code::kInvalidArgument) << c.field;
    EXPECT_NE(e.status().message().find("\"" + std::string(c.field) + "\""), std::string::npos)
        << e.status().message();
  }
}

}  // namespace
}  // namespace spur::hooks
