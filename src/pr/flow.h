// The pull-request workflow, shared by webhooks (the forge, acting as an
// admin) and `spur ci up/down` (a token): a PR opens or gets a new commit ->
// its branch is created, reset or kept, migrated, and the PR's comment
// posted; the PR closes -> its branch is deleted.
//
// Steps and crash points: under one hold of the pool the event is checked
// (replays, the repository's settings, who may change or copy what), the
// branch created/reset/deleted (crash point "pr.after_branch"), then the
// PR's binding and the applied event recorded. A crash between the branch
// and the binding is picked up by the next event: the branch's labels (repo,
// pr) say whose it is. The repository's commands and the diff for the
// comment then run without the pool (a long migration must not stall every
// other branch operation); the migration's record is kept with the binding
// and the comment posted last. A failed migration or comment is reported in
// the result, never undoes the branch.
//
// Every outside effect is a part the caller passes (FlowParts): the pool,
// the audit log, the command runner and the comment poster, so unit tests run
// the flow with fakes.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "authz/principal.h"
#include "common/status.h"
#include "engine/pool.h"
#include "forge/comments.h"
#include "hooks/event.h"
#include "pr/command_runner.h"

namespace spur::pr {

// What opening a pull request whose branch exists does to it.
enum class IfExists {
  kResetOnNewCommit,  // reset unless the branch was made for this very commit (a CI re-run)
  kReset,             // always reset to fresh data
  kKeep,              // never reset
};

struct FlowRequest {
  hooks::PullRequestEvent event;  // validated by the caller (hooks/ parsers, api/ bodies)
  authz::Principal who;           // the caller; the forge as an admin for webhooks
  bool migrate = false;           // run the repository's migrate (and seed) command
  IfExists if_exists = IfExists::kResetOnNewCommit;
};

// Appends one audit record (the caller stamps its time).
using AuditFn = std::function<Status(const std::string& actor, const std::string& action,
                                     const std::string& target, const std::string& result,
                                     const nlohmann::json& detail)>;

struct FlowParts {
  engine::WithPool with_pool;  // exclusive use of the pool, per step
  AuditFn audit;
  CommandRunner* commands = nullptr;       // required
  forge::CommentPoster* poster = nullptr;  // required
  // Called with a branch's id after its data was replaced or deleted (the
  // API's disk-usage cache); may be empty.
  std::function<void(int64_t branch_id)> data_replaced;
};

class Flow {
 public:
  explicit Flow(FlowParts parts) : parts_(std::move(parts)) {}

  // Applies `request`: opens/refreshes or closes its pull request's branch
  // and, when asked, runs the migrate command (not again on a kept branch
  // whose migration passed at this commit). Returns the PR's state as JSON:
  // "repo", "pr", "branch", "result" (created, reset, kept), "connection"
  // (with the password: its purpose is a connection string), "migration",
  // "comment_posted"/"comment_id"/"comment_error"; for a close "deleted"; for
  // a replayed webhook {"already_applied": true, "reason"} and nothing
  // changed. Errors, each one line and with nothing changed: PermissionDenied
  // (a repo-scoped token for another repository; a branch the caller may not
  // change; data it may not copy), NotFound (a repository not set up, when
  // opening), FailedPrecondition (--migrate with no migrate command),
  // AlreadyExists (the branch's name is taken by another branch); the pool's
  // errors from creating, resetting or deleting. Writes a "started" audit
  // record first and its outcome last (pr.open, pr.close).
  [[nodiscard]] Result<nlohmann::json> Apply(const FlowRequest& request);

 private:
  struct Run;  // one Apply's state (flow.cc)

  Status Settle(engine::Pool& pool, Run& run);
  Status Open(engine::Pool& pool, Run& run);
  Status Close(engine::Pool& pool, Run& run);
  nlohmann::json Migrate(Run& run);
  void Comment(Run& run, const nlohmann::json& migration);

  FlowParts parts_;
};

}  // namespace spur::pr
