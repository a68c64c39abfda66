// The pull request's comment: what its branch is, how to connect, what the
// migration did, what it costs, and what the branch changed against its
// parent. Posted by the flow (flow.h) and served by GET /branches/{name}/comment.
#pragma once

#include <optional>
#include <string>

#include "common/status.h"
#include "engine/branch_diff.h"
#include "engine/pool.h"
#include "hooks/comment.h"

namespace spur::pr {

// The Markdown comment for the pull request that owns branch `branch`, with
// `diff` (what the branch changed) when given. NotFound when no pull request
// owns the branch; the pool's errors otherwise. Reads the pool and its
// catalog only; the caller holds the pool.
Result<std::string> BuildComment(engine::Pool& pool, const std::string& branch,
                                 const std::optional<hooks::DiffSummary>& diff);

// What `branch` changed against its parent, for the comment: the schema
// statements with their hazards and the changed-row counts per table. Runs
// the diff (engine/branch_diff.h), taking the pool through `with_pool` only
// to open and close its sides. Never fails: a diff that cannot be made is
// summarised by its error.
hooks::DiffSummary DiffForComment(const engine::WithPool& with_pool, const std::string& branch);

}  // namespace spur::pr
