// Pull requests: /repos, /ci/up, /ci/down, /hooks/github, /hooks/gitlab,
// /deliveries and /branches/{name}/comment.
#include <spdlog/spdlog.h>

#include <cctype>

#include "api/body.h"
#include "api/service.h"
#include "api/views.h"
#include "authz/data_access.h"
#include "common/crash_point.h"
#include "common/units.h"
#include "common/untrusted_text.h"
#include "hooks/comment.h"
#include "hooks/github.h"
#include "hooks/gitlab.h"
#include "hooks/repo_config.h"
#include "hooks/repo_name.h"
#include "pr/comment.h"
#include "pr/event_record.h"
#include "pr/replay.h"

namespace spur::api {
namespace {

// The pull request `spur ci up|down` names: {"pr": N, "repo": "owner/name"}.
Result<hooks::PullRequestEvent> CiEvent(const Call& call, hooks::PrAction action) {
  ASSIGN_OR_RETURN(auto pr, OptInt(call.body, "pr"));
  if (!pr || *pr <= 0) return InvalidArgument("--pr must be a positive pull request number");
  ASSIGN_OR_RETURN(auto repo, OptString(call.body, "repo"));
  hooks::PullRequestEvent e;
  e.forge = "ci";
  e.repo = repo.value_or("");
  if (!e.repo.empty()) RETURN_IF_ERROR(hooks::ValidateRepoName(e.repo));
  e.number = *pr;
  e.action = action;
  return e;
}

std::string Header(const Call& call, const std::string& name) {
  auto it = call.headers.find(name);
  return it == call.headers.end() ? "" : it->second;
}

}  // namespace

Result<Reply> Service::ListRepos(const Call&, const Principal& who, const Params&) {
  nlohmann::json arr = nlohmann::json::array();
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    ASSIGN_OR_RETURN(auto repos, pool.store().ListRepos());
    for (const auto& r : repos) {
      auto cfg = hooks::ParseRepoConfig(r.config);
      nlohmann::json j = {{"name", r.name},
                          {"forge", r.forge},
                          {"config", cfg.ok() ? hooks::RepoConfigToJson(*cfg) : nullptr},
                          {"webhook", "/hooks/" + r.forge}};
      if (who.role == Role::kAdmin) j["secret_set"] = !r.secret.empty();
      arr.push_back(j);
    }
    return Status::Ok();
  }));
  return JsonReply(arr);
}

Result<Reply> Service::PutRepo(const Call& call, const Principal&, const Params&) {
  RETURN_IF_ERROR(OnlyKeys(call.body, {"name", "forge", "secret", "config"}));
  catalog::Repo r;
  ASSIGN_OR_RETURN(r.name, ReqString(call.body, "name"));
  RETURN_IF_ERROR(hooks::ValidateRepoName(r.name));
  ASSIGN_OR_RETURN(auto forge, OptString(call.body, "forge"));
  r.forge = forge.value_or("github");
  if (r.forge != "github" && r.forge != "gitlab") {
    return InvalidArgument("--forge must be github or gitlab");
  }
  ASSIGN_OR_RETURN(r.secret, ReqString(call.body, "secret"));
  if (r.secret.size() < 16) {
    return InvalidArgument(
        "webhook secret must be at least 16 characters; make one with "
        "`openssl rand -hex 32`");
  }
  ASSIGN_OR_RETURN(auto config, OptString(call.body, "config"));
  r.config = config.value_or("");
  RETURN_IF_ERROR(hooks::ParseRepoConfig(r.config).status().WithContext(".spur.yaml"));
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) {
    r.created_at = pool.clock().NowSeconds();
    return pool.store().PutRepo(r);
  }));
  return JsonReply({{"name", r.name}, {"forge", r.forge}, {"webhook", "/hooks/" + r.forge}});
}

Result<Reply> Service::DeleteRepo(const Call& call, const Principal&, const Params&) {
  std::string name = call.query.count("name") ? call.query.at("name") : "";
  RETURN_IF_ERROR(hooks::ValidateRepoName(name));
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) { return pool.store().DeleteRepo(name); }));
  return JsonReply({{"deleted", name}});
}

Result<Reply> Service::CiUp(const Call& call, const Principal& who, const Params&) {
  RETURN_IF_ERROR(OnlyKeys(call.body, {"pr", "repo", "sha", "migrate", "if_exists"}));
  ASSIGN_OR_RETURN(auto e, CiEvent(call, hooks::PrAction::kOpen));
  ASSIGN_OR_RETURN(auto sha, OptString(call.body, "sha"));
  ASSIGN_OR_RETURN(auto migrate, OptBool(call.body, "migrate"));
  ASSIGN_OR_RETURN(auto if_exists_text, OptString(call.body, "if_exists"));
  pr::IfExists if_exists = pr::IfExists::kResetOnNewCommit;
  if (if_exists_text) {
    if (*if_exists_text == "reset") {
      if_exists = pr::IfExists::kReset;
    } else if (*if_exists_text == "keep") {
      if_exists = pr::IfExists::kKeep;
    } else if (*if_exists_text != "new-commit") {
      return InvalidArgument("if_exists must be new-commit, reset or keep");
    }
  }
  if (sha && !sha->empty()) {
    bool hex = sha->size() <= 64;
    for (char c : *sha) hex = hex && std::isxdigit(static_cast<unsigned char>(c));
    if (!hex) return InvalidArgument("--sha must be a commit id (hexadecimal, at most 64 digits)");
  }
  e.head_sha = sha.value_or("");
  ASSIGN_OR_RETURN(auto out, ApplyPullRequest(e, who, migrate.value_or(false), if_exists));
  return JsonReply(out);
}

Result<Reply> Service::CiDown(const Call& call, const Principal& who, const Params&) {
  RETURN_IF_ERROR(OnlyKeys(call.body, {"pr", "repo"}));
  ASSIGN_OR_RETURN(auto e, CiEvent(call, hooks::PrAction::kClose));
  ASSIGN_OR_RETURN(auto out, ApplyPullRequest(e, who, false));
  return JsonReply(out);
}

Result<Reply> Service::GitHubHook(const Call& call, const Principal&, const Params&) {
  return Hook(call, "github");
}

Result<Reply> Service::GitLabHook(const Call& call, const Principal&, const Params&) {
  return Hook(call, "gitlab");
}

// Verifies, parses and stores a delivery, then wakes the worker. Nothing is
// stored and nothing changes unless the signature verifies.
Result<Reply> Service::Hook(const Call& call, const std::string& forge) {
  bool github = forge == "github";
  std::string signature = Header(call, github ? "x-hub-signature-256" : "x-gitlab-token");
  if (signature.empty()) {
    return Unauthenticated(github ? "missing X-Hub-Signature-256 header; configure the webhook "
                                    "with a secret"
                                  : "missing X-Gitlab-Token header; configure the webhook with "
                                    "a secret token");
  }
  // GitLab keeps Idempotency-Key across retries of one event; older
  // versions send only X-Gitlab-Event-UUID.
  std::string delivery =
      github ? Header(call, "x-github-delivery") : Header(call, "idempotency-key");
  if (!github && delivery.empty()) delivery = Header(call, "x-gitlab-event-uuid");
  auto event =
      github ? hooks::ParseGitHubEvent(Header(call, "x-github-event"), delivery, call.raw_body)
             : hooks::ParseGitLabEvent(Header(call, "x-gitlab-event"), delivery, call.raw_body);
  // The repository names the secret. A body we cannot read cannot name one:
  // refuse it as unauthenticated (nothing trusted it yet).
  std::string repo_name = event.ok() ? event->repo : hooks::RepoNameOf(call.raw_body, forge);
  catalog::Repo repo;
  Status found = pool_.With([&](engine::Pool& pool) -> Status {
    ASSIGN_OR_RETURN(repo, pool.store().GetRepo(repo_name));
    return Status::Ok();
  });
  if (!found.ok() || repo.forge != forge) {
    return Unauthenticated("no " + forge + " webhook secret is configured for repository " +
                           Quote(repo_name) + "; add it with `spur repo add`");
  }
  RETURN_IF_ERROR(github ? hooks::VerifyGitHubSignature(repo.secret, call.raw_body, signature)
                         : hooks::VerifyGitLabToken(repo.secret, signature));
  if (!event.ok()) return event.status();
  if (event->action == hooks::PrAction::kIgnore) {
    return JsonReply({{"ignored", event->ignore_reason}});
  }
  // A replay of an applied event under a new delivery id changes nothing
  // (pr/replay.h); a redelivery of a known id goes on to the retry rules.
  std::string replayed;
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    if (pool.store().GetDelivery(forge, event->delivery_id).ok()) return Status::Ok();
    ASSIGN_OR_RETURN(auto last, pool.store().GetPrEvent(forge, event->repo, event->number));
    Status fresh = pr::CheckNotReplayed(last, *event, pool.clock().NowSeconds());
    if (fresh.code() != Code::kAlreadyExists) return fresh;
    replayed = fresh.message();
    return Status::Ok();
  }));
  if (!replayed.empty()) {
    return JsonReply(
        {{"already_applied", true}, {"reason", replayed}, {"delivery_id", event->delivery_id}});
  }
  catalog::Delivery d;
  d.forge = forge;
  d.delivery_id = event->delivery_id;
  d.repo = event->repo;
  d.pr = event->number;
  d.action = hooks::PrActionName(event->action);
  d.event = pr::EventToJson(*event).dump();
  d.state = "pending";
  Status stored = pool_.With([&](engine::Pool& pool) {
    d.received_at = pool.clock().NowSeconds();
    return pool.store().InsertDelivery(d);
  });
  if (stored.code() == Code::kAlreadyExists) {
    // A redelivery of one that failed is a retry the forge's user asked for.
    bool retry = false;
    pool_
        .With([&](engine::Pool& pool) -> Status {
          ASSIGN_OR_RETURN(auto old, pool.store().GetDelivery(forge, d.delivery_id));
          if (old.state != "failed") return Status::Ok();
          retry = true;
          return pool.store().FinishDelivery(old.id, "pending", "", pool.clock().NowSeconds());
        })
        .IgnoreError();
    if (retry && options_.delivery_received) options_.delivery_received();
    return JsonReply({{"duplicate", true}, {"retry", retry}, {"delivery_id", d.delivery_id}},
                     retry ? 202 : 200);
  }
  RETURN_IF_ERROR(stored);
  AuditAppend(forge + ":" + d.delivery_id, "hook.received", d.repo + "#" + std::to_string(d.pr),
              "ok", {{"action", d.action}})
      .IgnoreError();
  CrashPoint("hook.after_store");
  if (options_.delivery_received) options_.delivery_received();
  return JsonReply({{"accepted", true},
                    {"delivery_id", d.delivery_id},
                    {"branch", nullptr},
                    {"action", d.action}},
                   202);
}

Result<Reply> Service::ListDeliveries(const Call& call, const Principal&, const Params&) {
  int limit = 50;
  if (call.query.count("limit")) {
    ASSIGN_OR_RETURN(int64_t n, ParseInteger("limit", call.query.at("limit"), 1, 100000));
    limit = static_cast<int>(n);
  }
  nlohmann::json arr = nlohmann::json::array();
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    ASSIGN_OR_RETURN(auto list, pool.store().ListDeliveries(limit));
    for (const auto& d : list) arr.push_back(DeliveryJson(d));
    return Status::Ok();
  }));
  return JsonReply(arr);
}

void Service::ProcessPendingDeliveries() {
  std::lock_guard<std::mutex> one_worker(deliveries_mu_);
  for (;;) {
    std::vector<catalog::Delivery> pending;
    Status listed = pool_.With([&](engine::Pool& pool) -> Status {
      ASSIGN_OR_RETURN(pending, pool.store().PendingDeliveries());
      return Status::Ok();
    });
    if (!listed.ok() || pending.empty()) return;
    for (const auto& d : pending) {
      auto event = pr::EventFromJson(d.event);
      Result<nlohmann::json> result = event.status();
      if (event.ok()) {
        // The forge acts with admin rights: the signature proved the event.
        Principal forge_actor{d.forge + ":" + d.delivery_id, Role::kAdmin, ""};
        result = ApplyPullRequest(*event, forge_actor, true);
      }
      CrashPoint("hook.before_finish");
      std::string state = !result.ok()                              ? "failed"
                          : result->value("already_applied", false) ? "ignored"
                                                                    : "done";
      std::string detail = result.ok()
                               ? result->dump()
                               : nlohmann::json({{"error", result.status().message()}}).dump();
      pool_
          .With([&](engine::Pool& pool) {
            return pool.store().FinishDelivery(d.id, state, detail, pool.clock().NowSeconds());
          })
          .IgnoreError();
      if (!result.ok()) {
        spdlog::warn("delivery {} ({} #{}): {}", d.delivery_id, d.repo, d.pr,
                     result.status().message());
      }
    }
  }
}

Result<Reply> Service::Comment(const Call&, const Principal& who, const Params& p) {
  // The diff part (schema statements, changed-row counts) only for those who
  // may read the branch's data (authz/data_access.h).
  bool may_read = false;
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    ASSIGN_OR_RETURN(auto pr, pool.store().PullRequestForBranch(p.at("name")));
    if (!pr) {
      return NotFound("branch \"" + p.at("name") + "\" does not belong to a pull request");
    }
    ASSIGN_OR_RETURN(auto b, pool.store().GetBranch(p.at("name")));
    auto base = pool.DiffBase(p.at("name"));
    if (!authz::MayReadData(who, b) || !base.ok()) return Status::Ok();
    // The diff shows the other side too.
    auto other = pool.store().GetBranch(*base);
    may_read = other.ok() ? authz::MayReadData(who, *other)
                          : authz::CheckMayCopy(pool.store(), who, std::nullopt, *base).ok();
    return Status::Ok();
  }));
  std::optional<hooks::DiffSummary> diff;
  if (may_read) diff = pr::DiffForComment(pool_.AsWithPool(), p.at("name"));
  std::string markdown;
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    ASSIGN_OR_RETURN(markdown, pr::BuildComment(pool, p.at("name"), diff));
    return Status::Ok();
  }));
  Reply r;
  r.text = markdown;
  r.content_type = "text/markdown; charset=utf-8";
  return r;
}

}  // namespace spur::api
