#include "hooks/gitlab.h"

#include <string>

#include "common/crypto.h"
#include "hooks/event_time.h"
#include "hooks/payload.h"

namespace spur::hooks {
namespace {

PrAction ActionFor(std::string_view action, bool has_new_commits) {
  if (action == "open" || action == "reopen") return PrAction::kOpen;
  if (action == "update" && has_new_commits) return PrAction::kSync;
  if (action == "close" || action == "merge") return PrAction::kClose;
  return PrAction::kIgnore;
}

// The fields of object_attributes every acted-on event needs.
Status ReadMergeRequest(const Payload& p, PullRequestEvent& e) {
  ASSIGN_OR_RETURN(e.title, p.OptionalString("object_attributes.title"));
  ASSIGN_OR_RETURN(e.url, p.OptionalString("object_attributes.url"));
  ASSIGN_OR_RETURN(e.author, p.OptionalString("user.username"));
  ASSIGN_OR_RETURN(std::string updated_at, p.OptionalString("object_attributes.updated_at"));
  if (!updated_at.empty()) {
    auto t = ParseForgeTime(updated_at);
    if (!t.ok()) return t.status().WithContext("object_attributes.updated_at");
    e.updated_at = *t;
  }
  if (e.action == PrAction::kIgnore) {
    ASSIGN_OR_RETURN(e.head_sha, p.OptionalString("object_attributes.last_commit.id"));
    ASSIGN_OR_RETURN(e.head_ref, p.OptionalString("object_attributes.source_branch"));
    ASSIGN_OR_RETURN(e.base_ref, p.OptionalString("object_attributes.target_branch"));
  } else {
    ASSIGN_OR_RETURN(e.head_sha, p.String("object_attributes.last_commit.id"));
    ASSIGN_OR_RETURN(e.head_ref, p.String("object_attributes.source_branch"));
    ASSIGN_OR_RETURN(e.base_ref, p.String("object_attributes.target_branch"));
  }
  return Status::Ok();
}

}  // namespace

Status VerifyGitLabToken(std::string_view secret, std::string_view header_value) {
  if (secret.empty()) {
    return FailedPrecondition(
        "no webhook secret configured for GitLab; set one in spur's config and on the webhook");
  }
  if (header_value.empty()) {
    return Unauthenticated("missing X-Gitlab-Token header; configure the webhook with a secret");
  }
  // Comparing digests keeps the time independent of the lengths too.
  if (!ConstantTimeEquals(Sha256Hex(secret), Sha256Hex(header_value))) {
    return Unauthenticated("X-Gitlab-Token does not match; check the webhook secret");
  }
  return Status::Ok();
}

Result<PullRequestEvent> ParseGitLabEvent(std::string_view event_header, std::string_view delivery,
                                          std::string_view body) {
  if (delivery.empty()) {
    return InvalidArgument(
        "missing X-Gitlab-Event-UUID and Idempotency-Key headers; is the request from GitLab?");
  }
  if (event_header.empty()) {
    return InvalidArgument("missing X-Gitlab-Event header; is the request from GitLab?");
  }
  ASSIGN_OR_RETURN(Payload p, Payload::Parse("gitlab", body));
  PullRequestEvent e;
  e.forge = "gitlab";
  e.delivery_id = std::string(delivery);
  ASSIGN_OR_RETURN(e.repo, p.OptionalString("project.path_with_namespace"));
  if (event_header != "Merge Request Hook" && event_header != "System Hook") {
    e.ignore_reason = "event " + std::string(event_header);
    return e;
  }
  ASSIGN_OR_RETURN(std::string kind, p.String("object_kind"));
  if (kind != "merge_request") {
    e.ignore_reason = "object_kind " + kind;
    return e;
  }
  ASSIGN_OR_RETURN(e.repo, p.String("project.path_with_namespace"));
  RETURN_IF_ERROR(p.Require("object_attributes"));
  ASSIGN_OR_RETURN(e.number, p.PositiveInt("object_attributes.iid"));
  ASSIGN_OR_RETURN(std::string action, p.String("object_attributes.action"));
  ASSIGN_OR_RETURN(std::string oldrev, p.OptionalString("object_attributes.oldrev"));
  e.action = ActionFor(action, !oldrev.empty());
  e.merged = action == "merge";
  if (e.action == PrAction::kIgnore) {
    e.ignore_reason = action == "update" ? "action update without new commits" : "action " + action;
  }
  RETURN_IF_ERROR(ReadMergeRequest(p, e));
  return e;
}

}  // namespace spur::hooks
