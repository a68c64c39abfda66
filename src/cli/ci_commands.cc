// spur ci up|down|comment, spur repo add|list|remove, spur serve.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/table.h"
#include "common/units.h"
#include "daemon/serve.h"

namespace spur::cli {
namespace {

struct CiArgs {
  int64_t pr = 0;
  std::string repo, sha, name, forge = "github", secret_file, config_file, output = "env";
  bool migrate = false, reset_if_exists = false, keep_if_exists = false;
};

// One output of `ci up`: its name in the environment (KEY=VALUE, export)
// and as a GitHub step output ("" where that form has none), and its value.
struct Output {
  const char* env;
  const char* step;
  std::string value;
};

std::vector<Output> Outputs(const nlohmann::json& r) {
  const auto& c = r["connection"];
  std::vector<Output> out = {{"SPUR_BRANCH", "branch", r["branch"].get<std::string>()},
                             {"", "result", r.value("result", "")},
                             {"DATABASE_URL", "db_url", c["uri"].get<std::string>()},
                             {"PGHOST", "db_host", c["host"].get<std::string>()},
                             {"PGPORT", "db_port", std::to_string(c["port"].get<int>())},
                             {"PGUSER", "db_user", c["role"].get<std::string>()},
                             {"PGPASSWORD", "db_password", c["password"].get<std::string>()},
                             {"PGDATABASE", "db_name", c["database"].get<std::string>()}};
  if (r.contains("migration")) {
    out.push_back({"SPUR_MIGRATION_EXIT_CODE", "migration_exit_code",
                   std::to_string(r["migration"]["exit_code"].get<int>())});
  }
  return out;
}

// 'value' for a POSIX shell: every character literal.
std::string ShellQuote(const std::string& v) {
  std::string out = "'";
  for (char ch : v) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

// $GITHUB_OUTPUT for --output github; FailedPrecondition when GitHub Actions
// did not set it (checked before the branch is touched).
Result<std::string> GitHubOutputFile() {
  const char* path = std::getenv("GITHUB_OUTPUT");
  if (!path || !*path) {
    return FailedPrecondition("--output github needs $GITHUB_OUTPUT (set by GitHub Actions)");
  }
  return std::string(path);
}

// GitHub Actions: the password registered with ::add-mask:: on stdout (the
// log) first, so no later step can print it; then the step outputs appended
// to `path`, and a summary without secrets.
Status WriteGitHubOutputs(const nlohmann::json& r, const std::string& path) {
  const std::vector<Output> outputs = Outputs(r);
  std::printf("::add-mask::%s\n", r["connection"]["password"].get<std::string>().c_str());
  std::fflush(stdout);
  std::ofstream out(path, std::ios::app);
  std::string names;
  for (const Output& o : outputs) {
    if (o.value.find_first_of("\r\n") != std::string::npos) {
      return Internal(std::string("output ") + o.step + " holds a line break");  // never
    }
    out << o.step << "=" << o.value << "\n";
    names += (names.empty() ? "" : ", ") + std::string(o.step);
  }
  out.flush();
  if (!out) return Internal("cannot append to $GITHUB_OUTPUT (" + path + ")");
  std::printf("spur: branch %s %s; outputs: %s\n", r["branch"].get<std::string>().c_str(),
              r.value("result", "ready").c_str(), names.c_str());
  return Status::Ok();
}

Status PrintOutputs(const nlohmann::json& r, const CiArgs& a) {
  if (a.output == "github") {
    ASSIGN_OR_RETURN(std::string path, GitHubOutputFile());
    return WriteGitHubOutputs(r, path);
  }
  for (const Output& o : Outputs(r)) {
    if (*o.env == '\0') continue;
    if (a.output == "shell")
      std::printf("export %s=%s\n", o.env, ShellQuote(o.value).c_str());
    else
      std::printf("%s=%s\n", o.env, o.value.c_str());
  }
  return Status::Ok();
}

// The last `lines` lines of `text` (all of it when it has fewer).
std::string LastLines(const std::string& text, int lines) {
  size_t from = text.size();
  if (from > 0 && text[from - 1] == '\n') --from;  // a final newline ends the last line
  while (lines-- > 0 && from > 0) {
    const size_t nl = text.rfind('\n', from - 1);
    if (nl == std::string::npos) return text;
    from = nl;
  }
  return from == 0 ? text : text.substr(from + 1);
}

// On stderr, what failed and its last output lines, so a CI log says why.
void ReportFailedMigration(const nlohmann::json& m) {
  std::fprintf(stderr, "spur: the migration `%s` failed (exit code %d after %.1f s)",
               m.value("command", "").c_str(), m.value("exit_code", -1), m.value("seconds", 0.0));
  std::string tail = LastLines(m.value("output_tail", ""), 20);
  if (tail.empty()) {
    std::fprintf(stderr, " and printed nothing\n");
    return;
  }
  if (tail.back() != '\n') tail += '\n';
  std::fprintf(stderr, "; its last output:\n%s", tail.c_str());
}

int RunUp(const GlobalOptions& g, const CiArgs& a) {
  nlohmann::json body = {{"pr", a.pr}};
  if (!a.repo.empty()) body["repo"] = a.repo;
  if (!a.sha.empty()) body["sha"] = a.sha;
  if (a.migrate) body["migrate"] = true;
  if (a.reset_if_exists) body["if_exists"] = "reset";
  if (a.keep_if_exists) body["if_exists"] = "keep";
  if (a.output == "github" && !g.json) {
    if (auto file = GitHubOutputFile(); !file.ok()) return Fail(g, file.status());
  }
  auto r = CallApi(g, "POST", "/ci/up", body);
  if (!r.ok()) return Fail(g, r.status());
  if (g.json) {
    PrintJson(*r);
  } else if (Status st = PrintOutputs(*r, a); !st.ok()) {
    return Fail(g, st);
  }
  if (r->contains("migration") && (*r)["migration"]["exit_code"] != 0) {
    ReportFailedMigration((*r)["migration"]);
    return 10;
  }
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
  auto* up =
      ci->add_subcommand("up",
                         "Create the PR's branch (or reset it to fresh data for a new commit) "
                         "and print how to connect");
  up->add_option("--pr", a->pr, "Pull request number")->required();
  up->add_option("--repo", a->repo, "Repository owner/name (uses its .spur.yaml settings)");
  up->add_option("--sha", a->sha, "Commit being tested (recorded)");
  up->add_flag("--migrate", a->migrate, "Run the repository's migrate command too");
  up->add_option("--output", a->output,
                 "env: KEY=VALUE lines; shell: export KEY='VALUE' lines for eval; github: "
                 "step outputs appended to $GITHUB_OUTPUT, the password masked in the log")
      ->check(CLI::IsMember({"env", "shell", "github"}))
      ->capture_default_str();
  auto* reset_flag = up->add_flag("--reset-if-exists", a->reset_if_exists,
                                  "Reset an existing branch to fresh data even on a re-run of "
                                  "the same --sha (default: reset only for a new commit)");
  up->add_flag("--keep-if-exists", a->keep_if_exists,
               "Never reset an existing branch; keep its data")
      ->excludes(reset_flag);
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
  auto* cert = serve
                   ->add_option("--tls-cert", o->tls_cert,
                                "PEM certificate chain: the TCP listener speaks HTTPS only "
                                "(TLS 1.2+); needs --tls-key")
                   ->type_name("FILE");
  serve->add_option("--tls-key", o->tls_key, "PEM private key of --tls-cert")
      ->type_name("FILE")
      ->needs(cert);
  cert->needs(serve->get_option("--tls-key"));
  serve
      ->add_flag("--tls", o->tls,
                 "HTTPS with the pool's own certificate (spur tls init; clients: --cacert with "
                 "spur tls ca)")
      ->excludes(cert);
  serve->add_option("--reaper-interval", o->reaper_interval_override,
                    "Seconds between reaper passes (default: pool option reaper_interval)");
  serve
      ->add_option("--proxy-listen", o->proxy_listen,
                   "Postgres proxy on HOST:PORT: one endpoint for every branch, routed by "
                   "<branch>.DOMAIN (SNI), options=--branch=NAME or dbname=DB@BRANCH; wakes "
                   "suspended branches (docs/proxy.md)")
      ->type_name("HOST:PORT");
  serve
      ->add_option("--proxy-domain", o->proxy_domain,
                   "Route TLS clients by server name <branch>.DOMAIN (the pool's certificate "
                   "must name *.DOMAIN: spur tls init --name '*.DOMAIN')")
      ->type_name("DOMAIN");
  serve->add_flag("--proxy-require-tls", o->proxy_require_tls,
                  "The proxy refuses clients that do not speak TLS");
  serve->add_flag("--proxy-only", o->proxy_only,
                  "Clients use only the proxy: idle suspend and expiry count its connections "
                  "and never ask postgres");
  auto per_branch = std::make_shared<std::string>(std::to_string(o->proxy_max_per_branch));
  auto proxy_max = std::make_shared<std::string>(std::to_string(o->proxy_max_connections));
  auto wake_timeout = std::make_shared<std::string>(std::to_string(o->proxy_wake_timeout));
  auto proxy_threads = std::make_shared<std::string>(std::to_string(o->proxy_threads));
  serve
      ->add_option("--proxy-max-per-branch", *per_branch,
                   "Proxy connections per branch (1-100000); beyond: SQLSTATE 53300")
      ->capture_default_str();
  serve
      ->add_option("--proxy-max-connections", *proxy_max,
                   "Proxy connections in all (1-1000000); beyond: SQLSTATE 53300")
      ->capture_default_str();
  serve
      ->add_option("--proxy-wake-timeout", *wake_timeout,
                   "Seconds a client waits for a suspended branch to start (1-600)")
      ->capture_default_str();
  serve
      ->add_option("--proxy-threads", *proxy_threads,
                   "The proxy's I/O threads (1-64); each drives its share of the connections")
      ->capture_default_str();
  serve->callback([&g, o, exit_code, threads, max_open, per_peer, per_branch, proxy_max,
                   wake_timeout, proxy_threads] {
    o->pool = ResolvePoolDir(g);
    Status st = [&]() -> Status {
      ASSIGN_OR_RETURN(o->threads, ParseInteger("--threads", *threads, 1, 256));
      ASSIGN_OR_RETURN(o->max_connections,
                       ParseInteger("--max-connections", *max_open, 16, 1 << 20));
      ASSIGN_OR_RETURN(o->max_connections_per_peer, ParseInteger("--max-connections-per-peer",
                                                                 *per_peer, 1, o->max_connections));
      ASSIGN_OR_RETURN(o->proxy_max_per_branch,
                       ParseInteger("--proxy-max-per-branch", *per_branch, 1, 100000));
      ASSIGN_OR_RETURN(o->proxy_max_connections,
                       ParseInteger("--proxy-max-connections", *proxy_max, 1, 1000000));
      ASSIGN_OR_RETURN(o->proxy_wake_timeout,
                       ParseInteger("--proxy-wake-timeout", *wake_timeout, 1, 600));
      ASSIGN_OR_RETURN(o->proxy_threads, ParseInteger("--proxy-threads", *proxy_threads, 1, 64));
      return daemon::Serve(*o);
    }();
    *exit_code = st.ok() ? 0 : Fail(g, st);
  });
}

}  // namespace spur::cli
