// Pieces of the pull-request workflow shared by webhooks and `spur ci`:
// repository names, the stored form of events, the PR comment.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "engine/pool.h"
#include "hooks/event.h"

namespace spur::api {

// "owner/name" (GitLab: "group/sub/name"): printable, no spaces, ≤ 200 chars.
Status ValidateRepoName(const std::string& name);
// The repository a webhook body names, read leniently ("" if none): used
// only to find the secret to verify the body with.
std::string RepoNameOf(const std::string& body, const std::string& forge);

nlohmann::json EventToJson(const hooks::PullRequestEvent& event);
Result<hooks::PullRequestEvent> EventFromJson(const std::string& json);

// The Markdown comment for the pull request that owns branch `branch`.
Result<std::string> BuildComment(engine::Pool& pool, const std::string& branch);

}  // namespace spur::api
