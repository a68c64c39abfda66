// spur ci up|down|comment, spur repo add|list|remove, spur serve.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/table.h"
#include "common/units.h"
#include "daemon/serve.h"

namespace spur::cli {
namespace {

struct CiArgs {
  int64_t pr = 0;
  std::string repo, sha, name, forge = "github", secret_file, config_file;
  bool migrate = false;
};

// KEY=VALUE lines for $GITHUB_OUTPUT / a dotenv file.
void PrintOutputs(const nlohmann::json& r) {
  const auto& c = r["connection"];
  std::printf("SPUR_BRANCH=%s\n", r["branch"].get<std::string>().c_str());
  std::printf("DATABASE_URL=%s\n", c["uri"].get<std::string>().c_str());
  std::printf("PGHOST=%s\n", c["host"].get<std::string>().c_str());
  std::printf("PGPORT=%d\n", c["port"].get<int>());
  std::printf("PGUSER=%s\n", c["role"].get<std::string>().c_str());
  std::printf("PGPASSWORD=%s\n", c["password"].get<std::string>().c_str());
  std::printf("PGDATABASE=%s\n", c["database"].get<std::string>().c_str());
  if (r.contains("migration")) {
    std::printf("SPUR_MIGRATION_EXIT_CODE=%d\n", r["migration"]["exit_code"].get<int>());
  }
}

int RunUp(const GlobalOptions& g, const CiArgs& a) {
  nlohmann::json body = {{"pr", a.pr}};
  if (!a.repo.empty()) body["repo"] = a.repo;
  if (!a.sha.empty()) body["sha"] = a.sha;
  if (a.migrate) body["migrate"] = true;
  auto r = CallApi(g, "POST", "/ci/up", body);
  if (!r.ok()) return Fail(g, r.status());
  if (g.json)
    PrintJson(*r);
  else
    PrintOutputs(*r);
  if (r->contains("migration") && (*r)["migration"]["exit_code"] != 0) return 10;
  return 0;
}

int RunDown(const GlobalOptions& g, const CiArgs& a) {
  nlohmann::json body = {{"pr", a.pr}};
  if (!a.repo.empty()) body["repo"] = a.repo;
  auto r = CallApi(g, "POST", "/ci/down", body);
  if (!r.ok()) return Fail(g, r.status());
  if (g.json) {
    PrintJson(*r);
  } else {
    std::printf("SPUR_BRANCH=%s\n", (*r)["branch"].get<std::string>().c_str());
    std::printf("SPUR_DELETED=%s\n", (*r)["deleted"].empty() ? "false" : "true");
  }
  return 0;
}

Result<std::string> ReadFile(const std::string& path, const char* what) {
  std::ifstream in(path);
  if (!in) return InvalidArgument(std::string("cannot read ") + what + " file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int RunRepoAdd(const GlobalOptions& g, const CiArgs& a) {
  nlohmann::json body = {{"name", a.name}, {"forge", a.forge}};
  std::string secret;
  if (!a.secret_file.empty()) {
    auto s = ReadFile(a.secret_file, "--secret-file");
    if (!s.ok()) return Fail(g, s.status());
    secret = *s;
  } else if (const char* env = std::getenv("SPUR_WEBHOOK_SECRET")) {
    secret = env;
  }
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) {
    return Fail(g, InvalidArgument("give the webhook secret with --secret-file FILE or "
                                   "$SPUR_WEBHOOK_SECRET (never on the command line)"));
  }
  body["secret"] = secret;
  if (!a.config_file.empty()) {
    auto c = ReadFile(a.config_file, "--config");
    if (!c.ok()) return Fail(g, c.status());
    body["config"] = *c;
  }
  auto r = CallApi(g, "PUT", "/repos", body);
  if (!r.ok()) return Fail(g, r.status());
  if (g.json)
    PrintJson(*r);
  else
    std::printf("repository %s set up; point its %s webhook at <server>%s\n", a.name.c_str(),
                a.forge.c_str(), (*r)["webhook"].get<std::string>().c_str());
  return 0;
}

}  // namespace

void AddCiCommands(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto a = std::make_shared<CiArgs>();
  auto* ci = app.add_subcommand("ci", "Branches for pull requests, from any CI system");
  ci->require_subcommand(1);
  auto* up = ci->add_subcommand("up",
                                "Create the PR's branch (or reset it to fresh data) and print "
                                "KEY=VALUE lines for $GITHUB_OUTPUT");
  up->add_option("--pr", a->pr, "Pull request number")->required();
  up->add_option("--repo", a->repo, "Repository owner/name (uses its .spur.yaml settings)");
  up->add_option("--sha", a->sha, "Commit being tested (recorded)");
  up->add_flag("--migrate", a->migrate, "Run the repository's migrate command too");
  up->callback([&g, a, exit_code] { *exit_code = RunUp(g, *a); });
  auto* down = ci->add_subcommand("down", "Delete the PR's branch (no error if it is gone)");
  down->add_option("--pr", a->pr, "Pull request number")->required();
  down->add_option("--repo", a->repo, "Repository owner/name");
  down->callback([&g, a, exit_code] { *exit_code = RunDown(g, *a); });
  auto* comment = ci->add_subcommand("comment", "Print the Markdown PR comment for a branch");
  comment->add_option("branch", a->name, "Branch name, e.g. pr-12")->required();
  comment->callback([&g, a, exit_code] {
    auto text = CallApiText(g, "/branches/" + Seg(a->name) + "/comment");
    if (!text.ok()) {
      *exit_code = Fail(g, text.status());
      return;
    }
    if (g.json)
      PrintJson({{"branch", a->name}, {"markdown", *text}});
    else
      std::fputs(text->c_str(), stdout);
    *exit_code = 0;
  });

  auto* repo = app.add_subcommand("repo", "Repositories whose pull requests get branches");
  repo->require_subcommand(1);
  auto* add = repo->add_subcommand("add", "Set up a repository's webhook secret and settings");
  add->add_option("name", a->name, "owner/name as the forge spells it")->required();
  add->add_option("--forge", a->forge, "github or gitlab")->capture_default_str();
  add->add_option("--secret-file", a->secret_file,
                  "File holding the webhook secret (or set $SPUR_WEBHOOK_SECRET)");
  add->add_option("--config", a->config_file, "Settings in .spur.yaml form");
  add->callback([&g, a, exit_code] { *exit_code = RunRepoAdd(g, *a); });
  auto* list = repo->add_subcommand("list", "List repositories");
  list->alias("ls");
  list->callback([&g, exit_code] {
    auto r = CallApi(g, "GET", "/repos");
    if (!r.ok()) {
      *exit_code = Fail(g, r.status());
      return;
    }
    if (g.json) {
      PrintJson(*r);
    } else {
      Table t({"REPOSITORY", "FORGE", "WEBHOOK", "SOURCE", "MIGRATE"});
      for (const auto& x : *r) {
        const auto& c = x["config"];
        t.AddRow({x["name"], x["forge"], x["webhook"], c.is_object() ? c.value("source", "-") : "-",
                  c.is_object() && !c.value("migrate", "").empty() ? c.value("migrate", "") : "-"});
      }
      t.Print();
    }
    *exit_code = 0;
  });
  auto* remove = repo->add_subcommand("remove", "Forget a repository (its branches stay)");
  remove->alias("rm");
  remove->add_option("name", a->name, "owner/name")->required();
  remove->callback([&g, a, exit_code] {
    auto r = CallApi(g, "DELETE", "/repos", nullptr, {{"name", a->name}});
    if (!r.ok()) {
      *exit_code = Fail(g, r.status());
      return;
    }
    if (g.json)
      PrintJson(*r);
    else
      std::printf("removed repository %s\n", a->name.c_str());
    *exit_code = 0;
  });
}

void AddServeCommand(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto o = std::make_shared<daemon::ServeOptions>();
  auto* serve = app.add_subcommand("serve",
                                   "Run the daemon for this pool: REST API, webhooks, TTL "
                                   "reaper, idle suspend, metrics (foreground)");
  serve->add_option("--listen", o->listen, "TCP address HOST:PORT, or none (Unix socket only)")
      ->capture_default_str();
  // Numbers as text, read by ParseInteger: "1e3" or "0x10" are refused, not misread.
  auto threads = std::make_shared<std::string>(std::to_string(o->threads));
  auto max_open = std::make_shared<std::string>(std::to_string(o->max_connections));
  auto per_peer = std::make_shared<std::string>(std::to_string(o->max_connections_per_peer));
  serve->add_option("--threads", *threads, "Request workers (1-256)")->capture_default_str();
  serve
      ->add_option("--max-connections", *max_open,
                   "Open client connections in all (16-1048576; lowered to fit the open-file "
                   "limit)")
      ->capture_default_str();
  serve
      ->add_option("--max-connections-per-peer", *per_peer,
                   "Open connections per client IP address, or per uid on the Unix socket "
                   "(root and spur's own uid have 64 more)")
      ->capture_default_str();
  serve->add_flag("--log-json", o->json_logs, "Structured JSON log lines on stderr");
  serve->add_option("--reaper-interval", o->reaper_interval_override,
                    "Seconds between reaper passes (default: pool option reaper_interval)");
  serve->callback([&g, o, exit_code, threads, max_open, per_peer] {
    o->pool = ResolvePoolDir(g);
    Status st = [&]() -> Status {
      ASSIGN_OR_RETURN(o->threads, ParseInteger("--threads", *threads, 1, 256));
      ASSIGN_OR_RETURN(o->max_connections,
                       ParseInteger("--max-connections", *max_open, 16, 1 << 20));
      ASSIGN_OR_RETURN(o->max_connections_per_peer, ParseInteger("--max-connections-per-peer",
                                                                 *per_peer, 1, o->max_connections));
      return daemon::Serve(*o);
    }();
    *exit_code = st.ok() ? 0 : Fail(g, st);
  });
}

}  // namespace spur::cli
