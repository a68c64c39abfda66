#include "pr/flow.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "authz/data_access.h"
#include "catalog/records.h"
#include "common/crash_point.h"
#include "common/names.h"
#include "engine/credentials.h"
#include "engine/options.h"
#include "engine/pool.h"
#include "hooks/repo_config.h"
#include "pr/branch_command.h"
#include "pr/comment.h"
#include "pr/event_record.h"
#include "pr/forge_target.h"
#include "pr/replay.h"

namespace spur::pr {

struct Flow::Run {
  const FlowRequest& req;
  const hooks::PullRequestEvent& e;
  std::string target;  // "owner/name#N" for the audit log and messages
  std::string action;  // pr.open | pr.close
  hooks::RepoConfig cfg;
  std::string name;  // the PR's branch
  std::optional<catalog::Branch> existing;
  std::optional<catalog::PullRequest> bound;
  std::string replayed;           // why the event is not applied (replay.h)
  nlohmann::json kept_migration;  // kept: the migration record the branch's data goes with
  bool kept_at_commit = false;    // kept, and at the commit it was recorded for
  BranchConnection conn;
  std::string token_file;  // the pool's forge-tokens/<forge_token_file>
  nlohmann::json out;
};

namespace {

bool Opening(const hooks::PullRequestEvent& e) { return e.action != hooks::PrAction::kClose; }

// A token scoped to repositories acts for those only (checked first: it
// learns nothing of other repositories' settings).
Status CheckRepoScope(const authz::Principal& who, const hooks::PullRequestEvent& e) {
  if (who.repos.empty() || std::find(who.repos.begin(), who.repos.end(), e.repo) != who.repos.end())
    return Status::Ok();
  std::string list;
  for (const auto& r : who.repos) list += (list.empty() ? "" : ", ") + r;
  return PermissionDenied("this token acts for the pull requests of " + list + ", not of \"" +
                          (e.repo.empty() ? "(no --repo)" : e.repo) + "\"");
}

// A branch made for this PR whose binding was not recorded yet (a crash
// between the two): its labels say whose it is.
bool CarriesPr(const catalog::Branch& b, const hooks::PullRequestEvent& e) {
  auto labels = engine::SettingsFromJson(b.labels_json);
  if (labels["pr"] != std::to_string(e.number)) return false;
  return e.repo.empty() ? !labels.count("repo") : labels["repo"] == e.repo;
}

// Who owns a pull request's branch made by a webhook: the author's forge
// login as an owner name (OwnerName: the same rule as token owners, so the
// author's developer token matches it), or the forge's name when the login
// is missing or cannot be an owner name.
std::string PrOwner(const hooks::PullRequestEvent& e) {
  auto owner = OwnerName(e.author);
  return owner.ok() ? *owner : e.forge;
}

// The repository's settings; the defaults without --repo. A mistyped --repo
// would silently get the defaults (no TTL, no migrate command), so an
// unknown repository is refused, except when closing: that still finds the
// branch by its default name.
Result<hooks::RepoConfig> LoadRepoConfig(catalog::Store& store, const hooks::PullRequestEvent& e) {
  if (e.repo.empty()) return hooks::RepoConfig{};
  auto repo = store.GetRepo(e.repo);
  if (repo.ok()) return hooks::ParseRepoConfig(repo->config);
  if (repo.status().code() != Code::kNotFound) return repo.status();
  if (!Opening(e)) return hooks::RepoConfig{};
  return NotFound("repository \"" + e.repo +
                  "\" is not set up on this server; see `spur repo list`, or leave out --repo");
}

// --migrate from `spur ci` with nothing to run is a mistake worth saying.
Status CheckMigrateConfigured(const FlowRequest& req, const hooks::RepoConfig& cfg) {
  const auto& e = req.event;
  if (!req.migrate || !cfg.migrate.empty() || IsForgeEvent(e)) return Status::Ok();
  if (e.repo.empty()) {
    return FailedPrecondition(
        "--migrate needs --repo: the migrate command comes from the repository's settings");
  }
  return FailedPrecondition("--migrate: repository \"" + e.repo +
                            "\" has no migrate command; add `migrate:` to its settings "
                            "(spur repo add " +
                            e.repo + " --config FILE)");
}

}  // namespace

// Under the pool: everything that decides, and the branch change itself.
Status Flow::Settle(engine::Pool& pool, Run& run) {
  const auto& e = run.e;
  const auto& who = run.req.who;
  if (IsForgeEvent(e)) {
    ASSIGN_OR_RETURN(auto last, pool.store().GetPrEvent(e.forge, e.repo, e.number));
    Status fresh = CheckNotReplayed(last, e, pool.clock().NowSeconds());
    if (fresh.code() == Code::kAlreadyExists) {
      run.replayed = fresh.message();
      return Status::Ok();
    }
    RETURN_IF_ERROR(fresh);
  }
  ASSIGN_OR_RETURN(run.cfg, LoadRepoConfig(pool.store(), e));
  RETURN_IF_ERROR(CheckMigrateConfigured(run.req, run.cfg));
  run.name = run.cfg.BranchName(e.number);
  run.out["branch"] = run.name;
  ASSIGN_OR_RETURN(run.bound, pool.store().GetPullRequest(e.repo, e.number));
  auto existing = pool.store().GetBranch(run.name);
  if (existing.ok()) run.existing = *existing;
  if (run.existing && !run.bound && !CarriesPr(*run.existing, e)) {
    return AlreadyExists("branch \"" + run.name + "\" exists but is not the branch of " +
                         run.target + "; delete or rename it");
  }
  if (run.existing && who.role != authz::Role::kAdmin && run.existing->owner != who.owner &&
      !(run.bound && authz::ActsForRepoOf(who, *run.existing))) {
    return PermissionDenied("branch \"" + run.name + "\" belongs to \"" + run.existing->owner +
                            "\"; developers may change only their own branches (a token made "
                            "with `spur token create --repo " +
                            (e.repo.empty() ? std::string("OWNER/NAME") : e.repo) +
                            "` acts for every pull request of that repository)");
  }
  return Opening(e) ? Open(pool, run) : Close(pool, run);
}

Status Flow::Close(engine::Pool& pool, Run& run) {
  const auto& e = run.e;
  if (run.existing) {
    ASSIGN_OR_RETURN(auto deleted, pool.DeleteBranch(run.name, false));
    run.out["deleted"] = deleted;
    if (parts_.data_replaced) parts_.data_replaced(run.existing->id);
  } else {
    run.out["deleted"] = nlohmann::json::array();
  }
  RETURN_IF_ERROR(pool.store().DeletePullRequest(e.repo, e.number));
  if (!IsForgeEvent(e)) return Status::Ok();
  const int64_t now = pool.clock().NowSeconds();
  return pool.store().PutPrEvent(AppliedEvent(e, now), now - kPrEventRetentionSeconds);
}

Status Flow::Open(engine::Pool& pool, Run& run) {
  const auto& e = run.e;
  const auto& cfg = run.cfg;
  // `spur ci` by a developer copies only data she may read (data_access.h);
  // the forge acts as an admin.
  std::optional<std::string> snapshot, from;
  if (!cfg.snapshot.empty()) snapshot = cfg.snapshot;
  if (run.existing) {
    RETURN_IF_ERROR(authz::CheckMayResetFrom(pool.store(), run.req.who, run.name, snapshot));
  } else {
    if (!snapshot) from = cfg.source;
    RETURN_IF_ERROR(authz::CheckMayCopy(pool.store(), run.req.who, from, snapshot));
  }
  const bool same_commit = run.bound && !e.head_sha.empty() && run.bound->head_sha == e.head_sha;
  const IfExists if_exists = run.req.if_exists;
  const bool keep = run.existing && (if_exists == IfExists::kKeep ||
                                     (if_exists == IfExists::kResetOnNewCommit && same_commit));
  if (keep) {
    run.out["result"] = "kept";
    auto m = nlohmann::json::parse(run.bound ? run.bound->migration : "", nullptr, false);
    if (m.is_object()) run.kept_migration = std::move(m);
    run.kept_at_commit = same_commit;
  } else if (run.existing) {
    RETURN_IF_ERROR(pool.ResetBranch(run.name, snapshot).status());
    if (parts_.data_replaced) parts_.data_replaced(run.existing->id);
    run.out["result"] = "reset";
  } else {
    engine::CreateBranchOptions o;
    o.name = run.name;
    o.from = from;
    o.snapshot = snapshot;
    o.ttl_seconds = cfg.ttl_seconds;
    ASSIGN_OR_RETURN(auto options, engine::LoadOptions(pool.store()));
    if (!o.ttl_seconds && !cfg.is_protected && options.default_ttl > 0) {
      o.ttl_seconds = options.default_ttl;
    }
    o.labels = cfg.labels;
    if (!e.repo.empty()) o.labels["repo"] = e.repo;
    o.labels["pr"] = std::to_string(e.number);
    o.owner = run.req.who.owner.empty() ? PrOwner(e) : run.req.who.owner;
    o.is_protected = cfg.is_protected;
    RETURN_IF_ERROR(pool.CreateBranch(o).status());
    run.out["result"] = "created";
  }
  CrashPoint("pr.after_branch");
  const int64_t now = pool.clock().NowSeconds();
  RETURN_IF_ERROR(pool.store().PutPullRequest({e.repo, e.number, run.name, e.head_sha, "", now}));
  if (IsForgeEvent(e)) {
    RETURN_IF_ERROR(pool.store().PutPrEvent(AppliedEvent(e, now), now - kPrEventRetentionSeconds));
  }
  ASSIGN_OR_RETURN(auto info, pool.ShowBranch(run.name, false));
  const auto& b = info.branch;
  const std::string& host = pool.config().advertise_host;
  run.conn = {run.name,
              host,
              b.role,
              b.password,
              b.database,
              b.port,
              engine::BuildUri(b.role, b.password, host, b.port, b.database, pool.config().tls)};
  run.token_file = pool.layout().forge_token(cfg.forge_token_file);
  return Status::Ok();
}

// Without the pool: the migration (and the seed after it), or the record the
// kept branch already has.
nlohmann::json Flow::Migrate(Run& run) {
  const auto& cfg = run.cfg;
  const bool passed_here = run.kept_at_commit && run.kept_migration.is_object() &&
                           run.kept_migration.value("exit_code", -1) == 0;
  if (run.req.migrate && !cfg.migrate.empty() && passed_here) {
    run.out["migration"] = run.kept_migration;
    run.out["migration"]["skipped"] = "already applied to this branch at commit " + run.e.head_sha;
    return run.kept_migration;  // recorded again, so the comment keeps it
  }
  if (run.req.migrate && !cfg.migrate.empty()) {
    nlohmann::json migration =
        RunBranchCommand(*parts_.commands, cfg.migrate, cfg, run.conn, run.e);
    if (migration["exit_code"] == 0 && !cfg.seed.empty()) {
      nlohmann::json seed = RunBranchCommand(
          *parts_.commands, "psql -v ON_ERROR_STOP=1 -q -f \"$SPUR_SEED\" \"$DATABASE_URL\"", cfg,
          run.conn, run.e);
      migration["seed_exit_code"] = seed["exit_code"];
    }
    run.out["migration"] = migration;
    return migration;
  }
  // Nothing ran: a kept branch still holds what its record says (a call
  // without --migrate used to erase it, and the comment then said no
  // migrate command was configured).
  return run.kept_migration;
}

// Records the migration with the binding, then builds and posts the comment
// (and runs the diff in it) only when something posts it: comment_command,
// or the forge's API.
void Flow::Comment(Run& run, const nlohmann::json& migration) {
  const auto& cfg = run.cfg;
  const auto& e = run.e;
  const bool to_forge = !cfg.forge.empty() && !e.repo.empty();
  const bool comments = !cfg.comment_command.empty() || to_forge;
  std::optional<hooks::DiffSummary> diff;
  if (comments) diff = DiffForComment(parts_.with_pool, run.name);
  std::string markdown;
  parts_
      .with_pool([&](engine::Pool& pool) -> Status {
        catalog::PullRequest binding{e.repo,
                                     e.number,
                                     run.name,
                                     e.head_sha,
                                     migration.is_null() ? "" : migration.dump(),
                                     pool.clock().NowSeconds()};
        RETURN_IF_ERROR(pool.store().PutPullRequest(binding));
        if (comments) {
          ASSIGN_OR_RETURN(markdown, BuildComment(pool, run.name, diff));
        }
        return Status::Ok();
      })
      .IgnoreError();
  if (markdown.empty()) return;
  if (!cfg.comment_command.empty()) {
    auto posted =
        RunBranchCommand(*parts_.commands, cfg.comment_command, cfg, run.conn, e, markdown);
    run.out["comment_posted"] = posted["exit_code"] == 0;
  }
  if (!to_forge) return;
  Result<int64_t> posted = [&]() -> Result<int64_t> {
    ASSIGN_OR_RETURN(auto t, CommentTargetFor(cfg, e.repo, e.number, run.token_file));
    return parts_.poster->Upsert(t, hooks::CommentMarker(e.repo, e.number), markdown);
  }();
  run.out["comment_posted"] = posted.ok();
  if (posted.ok()) {
    run.out["comment_id"] = *posted;
  } else {
    run.out["comment_error"] = posted.status().message();
    spdlog::warn("{}: the PR comment was not posted: {}", run.target, posted.status().message());
  }
}

Result<nlohmann::json> Flow::Apply(const FlowRequest& req) {
  const auto& e = req.event;
  Run run{req, e};
  run.target =
      e.repo.empty() ? "pr " + std::to_string(e.number) : e.repo + "#" + std::to_string(e.number);
  run.action = Opening(e) ? "pr.open" : "pr.close";
  run.out = {{"repo", e.repo}, {"pr", e.number}};
  RETURN_IF_ERROR(CheckRepoScope(req.who, e));
  const std::string& actor = req.who.actor;
  RETURN_IF_ERROR(parts_.audit(actor, run.action, run.target, "started", EventToJson(e)));
  Status st = parts_.with_pool([&](engine::Pool& pool) { return Settle(pool, run); });
  if (!st.ok()) {
    parts_.audit(actor, run.action, run.target, "error: " + st.message(), {}).IgnoreError();
    return st;
  }
  if (!run.replayed.empty()) {
    parts_.audit(actor, run.action, run.target, "ignored: " + run.replayed, {}).IgnoreError();
    return nlohmann::json{
        {"repo", e.repo}, {"pr", e.number}, {"already_applied", true}, {"reason", run.replayed}};
  }
  if (Opening(e)) {
    run.out["connection"] = run.conn.ToJson();
    Comment(run, Migrate(run));
  }
  std::string result = "ok";
  if (run.out.contains("migration") && run.out["migration"]["exit_code"] != 0) {
    result = "ok (migration failed)";
  }
  parts_.audit(actor, run.action, run.target, result, {{"branch", run.name}}).IgnoreError();
  return run.out;
}

}  // namespace spur::pr
