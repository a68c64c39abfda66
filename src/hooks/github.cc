#include "hooks/github.h"

#include <cctype>
#include <string>

#include "common/crypto.h"
#include "hooks/event_time.h"
#include "hooks/payload.h"

namespace spur::hooks {
namespace {

constexpr std::string_view kSignaturePrefix = "sha256=";

PrAction ActionFor(std::string_view action) {
  if (action == "opened" || action == "reopened") return PrAction::kOpen;
  if (action == "synchronize") return PrAction::kSync;
  if (action == "closed") return PrAction::kClose;
  return PrAction::kIgnore;
}

// The lower-cased hex digest from "sha256=<64 hex digits>", or "" when malformed.
std::string SignatureHex(std::string_view header_value) {
  if (!header_value.starts_with(kSignaturePrefix)) return "";
  std::string_view hex = header_value.substr(kSignaturePrefix.size());
  if (hex.size() != 64) return "";
  std::string out;
  for (char c : hex) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return "";
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// The fields of the `pull_request` object every acted-on event needs.
Status ReadPullRequest(const Payload& p, PullRequestEvent& e) {
  ASSIGN_OR_RETURN(e.merged, p.OptionalBool("pull_request.merged"));
  ASSIGN_OR_RETURN(e.title, p.OptionalString("pull_request.title"));
  ASSIGN_OR_RETURN(e.author, p.OptionalString("pull_request.user.login"));
  ASSIGN_OR_RETURN(e.url, p.OptionalString("pull_request.html_url"));
  ASSIGN_OR_RETURN(std::string updated_at, p.OptionalString("pull_request.updated_at"));
  if (!updated_at.empty()) {
    auto t = ParseForgeTime(updated_at);
    if (!t.ok()) return t.status().WithContext("pull_request.updated_at");
    e.updated_at = *t;
  }
  if (e.action == PrAction::kIgnore) {
    ASSIGN_OR_RETURN(e.head_sha, p.OptionalString("pull_request.head.sha"));
    ASSIGN_OR_RETURN(e.head_ref, p.OptionalString("pull_request.head.ref"));
    ASSIGN_OR_RETURN(e.base_ref, p.OptionalString("pull_request.base.ref"));
  } else {
    ASSIGN_OR_RETURN(e.head_sha, p.String("pull_request.head.sha"));
    ASSIGN_OR_RETURN(e.head_ref, p.String("pull_request.head.ref"));
    ASSIGN_OR_RETURN(e.base_ref, p.String("pull_request.base.ref"));
  }
  return Status::Ok();
}

}  // namespace

Status VerifyGitHubSignature(std::string_view secret, std::string_view body,
                             std::string_view header_value) {
  if (secret.empty()) {
    return FailedPrecondition(
        "no webhook secret configured for GitHub; set one in spur's config and on the webhook");
  }
  if (header_value.empty()) {
    return Unauthenticated(
        "missing X-Hub-Signature-256 header; configure the webhook with a secret");
  }
  std::string got = SignatureHex(header_value);
  if (got.empty()) {
    return Unauthenticated(
        "malformed X-Hub-Signature-256 header; expected sha256= and 64 hex digits");
  }
  if (!ConstantTimeEquals(HmacSha256Hex(secret, body), got)) {
    return Unauthenticated("X-Hub-Signature-256 does not match the body; check the webhook secret");
  }
  return Status::Ok();
}

Result<PullRequestEvent> ParseGitHubEvent(std::string_view event_header, std::string_view delivery,
                                          std::string_view body) {
  if (delivery.empty()) {
    return InvalidArgument("missing X-GitHub-Delivery header; is the request from GitHub?");
  }
  if (event_header.empty()) {
    return InvalidArgument("missing X-GitHub-Event header; is the request from GitHub?");
  }
  ASSIGN_OR_RETURN(Payload p, Payload::Parse("github", body));
  PullRequestEvent e;
  e.forge = "github";
  e.delivery_id = std::string(delivery);
  if (event_header != "pull_request") {
    // ping, push, ...: the repository is there for repository webhooks, absent for others.
    ASSIGN_OR_RETURN(e.repo, p.OptionalString("repository.full_name"));
    e.ignore_reason = "event " + std::string(event_header);
    return e;
  }
  ASSIGN_OR_RETURN(e.repo, p.String("repository.full_name"));
  ASSIGN_OR_RETURN(std::string action, p.String("action"));
  e.action = ActionFor(action);
  if (e.action == PrAction::kIgnore) e.ignore_reason = "action " + action;
  RETURN_IF_ERROR(p.Require("pull_request"));
  // The top-level "number" and pull_request.number agree; older payloads lack the former.
  ASSIGN_OR_RETURN(e.number, p.PositiveInt(p.Has("number") ? "number" : "pull_request.number"));
  RETURN_IF_ERROR(ReadPullRequest(p, e));
  return e;
}

}  // namespace spur::hooks
