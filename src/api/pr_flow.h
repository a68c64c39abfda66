// Pieces of the pull-request workflow shared by webhooks and `spur ci`:
// repository names, the stored form of events, the PR comment.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api/pool_access.h"
#include "common/status.h"
#include "engine/pool.h"
#include "hooks/comment.h"
#include "hooks/event.h"

namespace spur::api {

// "owner/name" (GitLab: "group/sub/name"): printable, no spaces, ≤ 200 chars.
Status ValidateRepoName(const std::string& name);
// The repository a webhook body names, read leniently ("" if none): used
// only to find the secret to verify the body with.
std::string RepoNameOf(const std::string& body, const std::string& forge);

nlohmann::json EventToJson(const hooks::PullRequestEvent& event);
Result<hooks::PullRequestEvent> EventFromJson(const std::string& json);

// The Markdown comment for the pull request that owns branch `branch`, with
// `diff` (what the branch changed) when given.
Result<std::string> BuildComment(engine::Pool& pool, const std::string& branch,
                                 const std::optional<hooks::DiffSummary>& diff);

// What `branch` changed against its parent, for the comment: the schema
// statements with their hazards and the changed-row counts per table. Runs
// the diff (engine/branch_diff.h) with the pool locked only to open and
// close its sides. Never fails: a diff that cannot be made is summarised by
// its error.
hooks::DiffSummary DiffForComment(PoolAccess& pool, const std::string& branch);

}  // namespace spur::api
