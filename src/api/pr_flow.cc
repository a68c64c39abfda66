#include "api/pr_flow.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>

#include "api/access.h"
#include "api/pr_events.h"
#include "api/service.h"
#include "common/crash_point.h"
#include "common/metrics.h"
#include "common/names.h"
#include "common/untrusted_json.h"
#include "common/untrusted_text.h"
#include "engine/branch_diff.h"
#include "engine/credentials.h"
#include "engine/options.h"
#include "hooks/comment.h"
#include "hooks/repo_config.h"
#include "os/fs.h"
#include "pr/command_runner.h"

namespace spur::api {

Status ValidateRepoName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 200 && name.find('/') != std::string::npos &&
            name.front() != '/' && name.back() != '/';
  for (unsigned char c : name) ok = ok && c > 0x20 && c < 0x7f && c != '"' && c != '\\';
  if (!ok) return InvalidArgument("repository must look like owner/name, got \"" + name + "\"");
  return Status::Ok();
}

std::string RepoNameOf(const std::string& body, const std::string& forge) {
  auto parsed = ParseUntrustedJson(body, "webhook body");
  if (!parsed.ok() || !parsed->is_object()) return "";
  const nlohmann::json& j = *parsed;
  const char* outer = forge == "github" ? "repository" : "project";
  const char* inner = forge == "github" ? "full_name" : "path_with_namespace";
  if (j.contains(outer) && j[outer].is_object() && j[outer].contains(inner) &&
      j[outer][inner].is_string()) {
    return j[outer][inner].get<std::string>();
  }
  return "";
}

nlohmann::json EventToJson(const hooks::PullRequestEvent& e) {
  return {{"forge", e.forge},
          {"delivery_id", e.delivery_id},
          {"repo", e.repo},
          {"number", e.number},
          {"action", hooks::PrActionName(e.action)},
          {"merged", e.merged},
          {"head_sha", e.head_sha},
          {"head_ref", e.head_ref},
          {"base_ref", e.base_ref},
          {"title", e.title},
          {"author", e.author},
          {"url", e.url},
          {"updated_at", e.updated_at}};
}

Result<hooks::PullRequestEvent> EventFromJson(const std::string& json) {
  auto j = nlohmann::json::parse(json, nullptr, false);
  if (!j.is_object()) return Internal("stored delivery is not valid JSON");
  hooks::PullRequestEvent e;
  e.forge = j.value("forge", "");
  e.delivery_id = j.value("delivery_id", "");
  e.repo = j.value("repo", "");
  e.number = j.value("number", int64_t{0});
  std::string action = j.value("action", "");
  e.action = action == "open"    ? hooks::PrAction::kOpen
             : action == "sync"  ? hooks::PrAction::kSync
             : action == "close" ? hooks::PrAction::kClose
                                 : hooks::PrAction::kIgnore;
  e.merged = j.value("merged", false);
  e.head_sha = j.value("head_sha", "");
  e.head_ref = j.value("head_ref", "");
  e.base_ref = j.value("base_ref", "");
  e.title = j.value("title", "");
  e.author = j.value("author", "");
  e.url = j.value("url", "");
  e.updated_at = j.value("updated_at", int64_t{0});
  return e;
}

hooks::DiffSummary DiffForComment(PoolAccess& access, const std::string& branch) {
  hooks::DiffSummary d;
  engine::DiffRequest r;
  r.branch = branch;
  r.format = "json";
  r.max_rows = 1;  // counts are exact whatever is kept
  Status st = engine::CheckDiffRequest(r);
  Result<engine::DiffOutput> out =
      st.ok()
          ? engine::RunDiff(
                r, [&](const std::function<Status(engine::Pool&)>& fn) { return access.With(fn); })
          : Result<engine::DiffOutput>(st);
  if (!out.ok()) {
    d.error = out.status().message();
    return d;
  }
  const nlohmann::json& j = out->json;
  d.against = out->from;
  if (j.contains("schema")) {
    for (const auto& s : j["schema"]["statements"]) {
      hooks::DiffSummary::Statement st2{s.value("sql", ""), {}};
      for (const auto& h : s["hazards"]) st2.hazards.push_back(h.get<std::string>());
      d.statements.push_back(std::move(st2));
    }
  }
  if (j.contains("data")) {
    for (const auto& t : j["data"]["tables"]) {
      hooks::DiffSummary::Table row{t.value("table", ""), t.value("inserted", int64_t{0}),
                                    t.value("deleted", int64_t{0}), t.value("updated", int64_t{0})};
      if (row.inserted + row.deleted + row.updated > 0) d.tables.push_back(std::move(row));
    }
    d.sequences =
        static_cast<int64_t>(j["data"].value("sequences", nlohmann::json::array()).size());
  }
  return d;
}

Result<std::string> BuildComment(engine::Pool& pool, const std::string& branch,
                                 const std::optional<hooks::DiffSummary>& diff) {
  ASSIGN_OR_RETURN(auto pr, pool.store().PullRequestForBranch(branch));
  if (!pr) {
    return NotFound("branch \"" + branch + "\" does not belong to a pull request");
  }
  ASSIGN_OR_RETURN(auto info, pool.ShowBranch(branch, false));
  ASSIGN_OR_RETURN(auto options, engine::LoadOptions(pool.store()));
  ASSIGN_OR_RETURN(auto cost,
                   pool.CostOf(branch, options.price_gib_month, options.price_running_hour));
  hooks::CommentInput in;
  in.repo = pr->repo;
  in.pr = pr->number;
  in.branch = branch;
  in.state = info.running ? "running" : "stopped";
  in.host = pool.config().advertise_host;
  in.port = info.branch.port;
  in.database = info.branch.database;
  in.role = info.branch.role;
  in.exclusive_bytes = cost.exclusive_bytes;
  in.cost_estimate_month = cost.month_estimate;
  in.currency = options.currency;
  in.expires_at = info.branch.expires_at;
  in.now = pool.clock().NowSeconds();
  auto m = nlohmann::json::parse(pr->migration, nullptr, false);
  if (m.is_object() && m.contains("command")) {
    in.migration = hooks::MigrationResult{m.value("command", ""), m.value("exit_code", -1),
                                          m.value("seconds", 0.0), m.value("output_tail", "")};
  }
  in.diff = diff;
  return hooks::BuildPrComment(in);
}

namespace {

constexpr size_t kTail = 4000;

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

// Runs a repository's shell command against the branch through `runner`
// (bounded by its timeout), with the connection in the environment; the
// record the catalog, the reply and the comment keep (output cut to its tail,
// valid UTF-8).
nlohmann::json RunCommand(pr::CommandRunner& runner, const std::string& command,
                          const hooks::RepoConfig& cfg, const nlohmann::json& conn,
                          const hooks::PullRequestEvent& e, const std::string& stdin_data = "") {
  // Shell commands come from the repository's config, set by an admin.
  pr::CommandSpec spec;
  spec.command = command;
  spec.env = {{"DATABASE_URL", conn["uri"].get<std::string>()},
              {"PGHOST", conn["host"].get<std::string>()},
              {"PGPORT", std::to_string(conn["port"].get<int>())},
              {"PGUSER", conn["role"].get<std::string>()},
              {"PGPASSWORD", conn["password"].get<std::string>()},
              {"PGDATABASE", conn["database"].get<std::string>()},
              {"SPUR_BRANCH", conn["name"].get<std::string>()},
              {"SPUR_PR", std::to_string(e.number)},
              {"SPUR_REPO", e.repo},
              {"SPUR_SHA", e.head_sha},
              {"SPUR_SEED", cfg.seed}};
  spec.cwd = cfg.workdir;
  spec.stdin_data = stdin_data;
  pr::CommandResult run = runner.Run(spec);
  std::string out = std::move(run.output);
  if (out.size() > kTail) out = out.substr(out.size() - kTail);
  // JSON (the catalog, the reply, the forge) holds UTF-8 only: a command's
  // bytes, or a cut through a character, must not make a dump throw.
  out = ValidUtf8(out);
  return {{"command", command},
          {"exit_code", run.exit_code},
          {"seconds", run.seconds},
          {"output_tail", out}};
}

}  // namespace

Result<int64_t> Service::PostComment(const hooks::RepoConfig& cfg, const hooks::PullRequestEvent& e,
                                     const std::string& markdown) {
  forge::CommentTarget t;
  t.forge = cfg.forge;
  t.api_url = cfg.forge_url.empty() ? forge::DefaultApiUrl(cfg.forge) : cfg.forge_url;
  t.repo = e.repo;
  t.pr = e.number;
  if (!cfg.forge_token_env.empty()) {
    const char* v = std::getenv(cfg.forge_token_env.c_str());
    if (!v || !*v) {
      return FailedPrecondition("$" + cfg.forge_token_env +
                                " is not set in the environment of spur serve");
    }
    t.token = v;
  } else {
    std::string path;
    RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
      path = pool.layout().forge_token(cfg.forge_token_file);
      return Status::Ok();
    }));
    auto text = os::ReadFile(path);
    if (!text.ok()) {
      return FailedPrecondition("the forge token file " + path +
                                " cannot be read; put the token there (mode 0600)");
    }
    t.token = *text;
    while (!t.token.empty() && (t.token.back() == '\n' || t.token.back() == '\r')) {
      t.token.pop_back();
    }
  }
  if (t.token.empty() || t.token.find_first_of("\r\n") != std::string::npos) {
    return FailedPrecondition("the forge token for " + e.repo + " is empty or not one line");
  }
  return options_.comment_poster->Upsert(t, hooks::CommentMarker(e.repo, e.number), markdown);
}

Result<nlohmann::json> Service::ApplyPullRequest(const hooks::PullRequestEvent& e,
                                                 const Principal& who, bool migrate,
                                                 IfExists if_exists) {
  const std::string& actor = who.actor;
  const std::string& owner = who.owner;
  hooks::RepoConfig cfg;
  std::string name;
  nlohmann::json conn, out = {{"repo", e.repo}, {"pr", e.number}};
  std::string target =
      e.repo.empty() ? "pr " + std::to_string(e.number) : e.repo + "#" + std::to_string(e.number);
  std::string action = e.action == hooks::PrAction::kClose ? "pr.close" : "pr.open";
  // A token scoped to repositories acts for those only (checked first: it
  // learns nothing of other repositories' settings).
  if (!who.repos.empty() &&
      std::find(who.repos.begin(), who.repos.end(), e.repo) == who.repos.end()) {
    std::string list;
    for (const auto& r : who.repos) list += (list.empty() ? "" : ", ") + r;
    return PermissionDenied("this token acts for the pull requests of " + list + ", not of \"" +
                            (e.repo.empty() ? "(no --repo)" : e.repo) + "\"");
  }
  RETURN_IF_ERROR(AuditAppend(actor, action, target, "started", EventToJson(e)));
  std::string replayed;           // why the event is not applied (pr_events.h)
  nlohmann::json kept_migration;  // kept: the migration record the branch's data goes with
  bool kept_at_commit = false;    // kept, and at the commit it was recorded for
  Status st = pool_.With([&](engine::Pool& pool) -> Status {
    if (IsForgeEvent(e)) {
      ASSIGN_OR_RETURN(auto last, pool.store().GetPrEvent(e.forge, e.repo, e.number));
      Status fresh = CheckNotReplayed(last, e, pool.clock().NowSeconds());
      if (fresh.code() == Code::kAlreadyExists) {
        replayed = fresh.message();
        return Status::Ok();
      }
      RETURN_IF_ERROR(fresh);
    }
    // Recorded in the same lock hold as the change it stands for.
    auto record_applied = [&]() -> Status {
      if (!IsForgeEvent(e)) return Status::Ok();
      const int64_t now = pool.clock().NowSeconds();
      return pool.store().PutPrEvent(AppliedEvent(e, now), now - kPrEventRetentionSeconds);
    };
    if (!e.repo.empty()) {
      auto repo = pool.store().GetRepo(e.repo);
      if (repo.ok()) {
        ASSIGN_OR_RETURN(cfg, hooks::ParseRepoConfig(repo->config));
      } else if (repo.status().code() != Code::kNotFound) {
        return repo.status();
      } else if (e.action != hooks::PrAction::kClose) {
        // A mistyped --repo would silently get the defaults (no TTL, no
        // migrate command). Closing still finds the branch by its default name.
        return NotFound("repository \"" + e.repo +
                        "\" is not set up on this server; see `spur repo list`, or leave out "
                        "--repo");
      }
    }
    if (migrate && cfg.migrate.empty() && !IsForgeEvent(e)) {
      return FailedPrecondition(
          e.repo.empty() ? std::string("--migrate needs --repo: the migrate command comes from the "
                                       "repository's settings")
                         : "--migrate: repository \"" + e.repo +
                               "\" has no migrate command; add `migrate:` to its settings "
                               "(spur repo add " +
                               e.repo + " --config FILE)");
    }
    name = cfg.BranchName(e.number);
    out["branch"] = name;
    ASSIGN_OR_RETURN(auto bound, pool.store().GetPullRequest(e.repo, e.number));
    auto existing = pool.store().GetBranch(name);
    if (existing.ok() && !bound && !CarriesPr(*existing, e)) {
      return AlreadyExists("branch \"" + name + "\" exists but is not the branch of " + target +
                           "; delete or rename it");
    }
    if (existing.ok() && who.role != Role::kAdmin && existing->owner != who.owner &&
        !(bound && ActsForRepoOf(who, *existing))) {
      return PermissionDenied("branch \"" + name + "\" belongs to \"" + existing->owner +
                              "\"; developers may change only their own branches (a token made "
                              "with `spur token create --repo " +
                              (e.repo.empty() ? std::string("OWNER/NAME") : e.repo) +
                              "` acts for every pull request of that repository)");
    }
    // `spur ci` by a developer copies only data she may read (access.h);
    // the forge acts as an admin.
    if (e.action != hooks::PrAction::kClose) {
      std::optional<std::string> snapshot, from;
      if (!cfg.snapshot.empty()) snapshot = cfg.snapshot;
      if (existing.ok()) {
        RETURN_IF_ERROR(CheckMayResetFrom(pool.store(), who, name, snapshot));
      } else {
        if (!snapshot) from = cfg.source;
        RETURN_IF_ERROR(CheckMayCopy(pool.store(), who, from, snapshot));
      }
    }
    if (e.action == hooks::PrAction::kClose) {
      if (existing.ok()) {
        ASSIGN_OR_RETURN(auto deleted, pool.DeleteBranch(name, false));
        out["deleted"] = deleted;
        ForgetUsage(existing->id);
      } else {
        out["deleted"] = nlohmann::json::array();
      }
      RETURN_IF_ERROR(pool.store().DeletePullRequest(e.repo, e.number));
      return record_applied();
    }
    const bool same_commit = bound && !e.head_sha.empty() && bound->head_sha == e.head_sha;
    const bool keep = existing.ok() && (if_exists == IfExists::kKeep ||
                                        (if_exists == IfExists::kResetOnNewCommit && same_commit));
    if (keep) {
      out["result"] = "kept";
      auto m = nlohmann::json::parse(bound ? bound->migration : "", nullptr, false);
      if (m.is_object()) kept_migration = std::move(m);
      kept_at_commit = same_commit;
    } else if (existing.ok()) {
      std::optional<std::string> to;
      if (!cfg.snapshot.empty()) to = cfg.snapshot;
      RETURN_IF_ERROR(pool.ResetBranch(name, to).status());
      ForgetUsage(existing->id);
      out["result"] = "reset";
    } else {
      engine::CreateBranchOptions o;
      o.name = name;
      if (cfg.snapshot.empty())
        o.from = cfg.source;
      else
        o.snapshot = cfg.snapshot;
      o.ttl_seconds = cfg.ttl_seconds;
      ASSIGN_OR_RETURN(auto options, engine::LoadOptions(pool.store()));
      if (!o.ttl_seconds && !cfg.is_protected && options.default_ttl > 0) {
        o.ttl_seconds = options.default_ttl;
      }
      o.labels = cfg.labels;
      if (!e.repo.empty()) o.labels["repo"] = e.repo;
      o.labels["pr"] = std::to_string(e.number);
      o.owner = owner.empty() ? PrOwner(e) : owner;
      o.is_protected = cfg.is_protected;
      RETURN_IF_ERROR(pool.CreateBranch(o).status());
      out["result"] = "created";
    }
    CrashPoint("pr.after_branch");
    catalog::PullRequest binding{e.repo, e.number, name, e.head_sha, "", pool.clock().NowSeconds()};
    RETURN_IF_ERROR(pool.store().PutPullRequest(binding));
    RETURN_IF_ERROR(record_applied());
    ASSIGN_OR_RETURN(auto info, pool.ShowBranch(name, false));
    const auto& b = info.branch;
    const std::string& host = pool.config().advertise_host;
    conn = {
        {"name", name},
        {"host", host},
        {"port", b.port},
        {"role", b.role},
        {"password", b.password},
        {"database", b.database},
        {"uri", engine::BuildUri(b.role, b.password, host, b.port, b.database, pool.config().tls)}};
    return Status::Ok();
  });
  if (!st.ok()) {
    AuditAppend(actor, action, target, "error: " + st.message(), {}).IgnoreError();
    return st;
  }
  if (!replayed.empty()) {
    AuditAppend(actor, action, target, "ignored: " + replayed, {}).IgnoreError();
    return nlohmann::json{
        {"repo", e.repo}, {"pr", e.number}, {"already_applied", true}, {"reason", replayed}};
  }
  if (e.action != hooks::PrAction::kClose) {
    out["connection"] = conn;
    // Commands run without the pool lock: a long migration must not stall
    // every other branch operation.
    nlohmann::json migration;
    const bool passed_here =
        kept_at_commit && kept_migration.is_object() && kept_migration.value("exit_code", -1) == 0;
    if (migrate && !cfg.migrate.empty() && passed_here) {
      migration = kept_migration;  // recorded again below, so the comment keeps it
      out["migration"] = migration;
      out["migration"]["skipped"] = "already applied to this branch at commit " + e.head_sha;
    } else if (migrate && !cfg.migrate.empty()) {
      migration = RunCommand(*options_.command_runner, cfg.migrate, cfg, conn, e);
      if (migration["exit_code"] == 0 && !cfg.seed.empty()) {
        nlohmann::json seed = RunCommand(
            *options_.command_runner,
            "psql -v ON_ERROR_STOP=1 -q -f \"$SPUR_SEED\" \"$DATABASE_URL\"", cfg, conn, e);
        migration["seed_exit_code"] = seed["exit_code"];
      }
      out["migration"] = migration;
    } else if (kept_migration.is_object()) {
      // Nothing ran: the kept branch still holds what its record says
      // (a call without --migrate used to erase it, and the comment then said
      // no migrate command was configured).
      migration = kept_migration;
    }
    // The comment (and the diff in it) only when something posts it; the
    // diff runs without the pool lock, like the commands.
    const bool comments = !cfg.comment_command.empty() || (!cfg.forge.empty() && !e.repo.empty());
    std::optional<hooks::DiffSummary> diff;
    if (comments) diff = DiffForComment(pool_, name);
    std::string markdown;
    pool_
        .With([&](engine::Pool& pool) -> Status {
          catalog::PullRequest binding{e.repo,
                                       e.number,
                                       name,
                                       e.head_sha,
                                       migration.is_null() ? "" : migration.dump(),
                                       pool.clock().NowSeconds()};
          RETURN_IF_ERROR(pool.store().PutPullRequest(binding));
          if (comments) {
            ASSIGN_OR_RETURN(markdown, BuildComment(pool, name, diff));
          }
          return Status::Ok();
        })
        .IgnoreError();
    if (!cfg.comment_command.empty() && !markdown.empty()) {
      auto posted =
          RunCommand(*options_.command_runner, cfg.comment_command, cfg, conn, e, markdown);
      out["comment_posted"] = posted["exit_code"] == 0;
    }
    if (!cfg.forge.empty() && !markdown.empty() && !e.repo.empty()) {
      Result<int64_t> posted = PostComment(cfg, e, markdown);
      out["comment_posted"] = posted.ok();
      if (posted.ok()) out["comment_id"] = *posted;
      if (!posted.ok()) {
        out["comment_error"] = posted.status().message();
        spdlog::warn("{}: the PR comment was not posted: {}", target, posted.status().message());
      }
    }
  }
  std::string result = "ok";
  if (out.contains("migration") && out["migration"]["exit_code"] != 0) {
    result = "ok (migration failed)";
  }
  AuditAppend(actor, action, target, result, {{"branch", name}}).IgnoreError();
  return out;
}

Result<int> Service::RunReaper() {
  std::vector<engine::LifecycleAction> actions;
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    ASSIGN_OR_RETURN(auto options, engine::LoadOptions(pool.store()));
    engine::LifecyclePolicy policy;
    policy.warn_before = options.warn_before;
    policy.idle_suspend = options.idle_suspend;
    ASSIGN_OR_RETURN(actions, pool.Tick(policy));
    for (const auto& a : actions) {
      if (a.action != "branch.expire" || !a.result.ok()) continue;
      auto pr = pool.store().PullRequestForBranch(a.branch);
      if (pr.ok() && *pr) pool.store().DeletePullRequest((*pr)->repo, (*pr)->number).IgnoreError();
    }
    return Status::Ok();
  }));
  for (const auto& a : actions) {
    std::string result = a.result.ok() ? "ok" : "error: " + a.result.message();
    AuditAppend("reaper", a.action, a.branch, result, {{"reason", a.reason}}).IgnoreError();
    if (options_.metrics) {
      options_.metrics->CounterAdd(
          "spur_reaper_actions_total",
          {{"action", a.action}, {"result", a.result.ok() ? "ok" : "error"}});
    }
  }
  return static_cast<int>(actions.size());
}

}  // namespace spur::api
