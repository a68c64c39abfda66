// spur source add|list|remove, spur sync: run on the pool's host (they read
// files there and stream data into its disk), so they refuse --server.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"
#include "cli/table.h"
#include "common/cron.h"
#include "common/names.h"
#include "common/units.h"
#include "os/fs.h"
#include "os/lock.h"
#include "pg/conninfo.h"
#include "sync/runner.h"

namespace spur::cli {
namespace {

struct SourceArgs {
  std::string name, url, url_file, url_env, mode = "logical";
  bool no_check = false;
};

Result<std::string> SourceUrl(const SourceArgs& a) {
  int given = !a.url.empty() + !a.url_file.empty() + !a.url_env.empty();
  if (given != 1) return InvalidArgument("pass exactly one of --url, --url-file, --url-env");
  std::string url = a.url;
  if (!a.url_file.empty()) {
    ASSIGN_OR_RETURN(url, os::ReadFile(a.url_file));
  }
  if (!a.url_env.empty()) {
    const char* v = std::getenv(a.url_env.c_str());
    if (v == nullptr || *v == '\0') return InvalidArgument("$" + a.url_env + " is not set");
    url = v;
  }
  while (!url.empty() && (url.back() == '\n' || url.back() == ' ')) url.pop_back();
  RETURN_IF_ERROR(pg::ParseConninfo(url).status());
  return url;
}

Status CheckSource(const std::string& url, const std::string& mode) {
  ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(url));
  if (mode == "logical") {
    return conn.QueryValue("SELECT 1 FROM pg_database WHERE datname = current_database()").status();
  }
  return conn
      .QueryValue(
          "SELECT CASE WHEN rolreplication OR rolsuper THEN 1 END FROM pg_roles "
          "WHERE rolname = current_user")
      .status()
      .WithContext("a physical source needs a role with REPLICATION");
}

int RunSourceAdd(GlobalOptions& g, const SourceArgs& a) {
  Status st = LocalOnly(g, "spur source add");
  if (st.ok()) st = ValidateName("source", a.name);
  if (st.ok() && a.mode != "logical" && a.mode != "physical") {
    st = InvalidArgument("unknown --mode \"" + a.mode + "\"; use logical or physical");
  }
  if (!st.ok()) return Fail(g, st);
  auto url = SourceUrl(a);
  if (!url.ok()) return Fail(g, url.status());
  if (!a.no_check) {
    st = CheckSource(*url, a.mode);
    if (!st.ok()) {
      return Fail(g, Unavailable(st.message() + " (fix the URL, or pass --no-check to save it "
                                                "anyway)"));
    }
  }
  auto pool = OpenPool(g);
  if (!pool.ok()) return Fail(g, pool.status());
  catalog::Source s{a.name, *url, a.mode, (*pool)->clock().NowSeconds()};
  st = (*pool)->store().InsertSource(s);
  if (!st.ok()) return Fail(g, st);
  nlohmann::json out = {{"name", a.name}, {"url", pg::RedactConninfo(*url)}, {"mode", a.mode}};
  if (g.json) {
    PrintJson(out);
  } else {
    std::printf("added source %s (%s, %s)\n", a.name.c_str(), pg::RedactConninfo(*url).c_str(),
                a.mode.c_str());
  }
  return 0;
}

int RunSourceList(GlobalOptions& g) {
  Status st = LocalOnly(g, "spur source list");
  if (!st.ok()) return Fail(g, st);
  auto pool = OpenPool(g);
  if (!pool.ok()) return Fail(g, pool.status());
  auto sources = (*pool)->store().ListSources();
  if (!sources.ok()) return Fail(g, sources.status());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : *sources) {
    out.push_back({{"name", s.name}, {"url", pg::RedactConninfo(s.url)}, {"mode", s.mode}});
  }
  if (g.json) {
    PrintJson(out);
    return 0;
  }
  Table t({"NAME", "MODE", "URL"});
  for (const auto& s : out) {
    t.AddRow(
        {s["name"].get<std::string>(), s["mode"].get<std::string>(), s["url"].get<std::string>()});
  }
  t.Print();
  return 0;
}

int RunSourceRemove(GlobalOptions& g, const SourceArgs& a) {
  Status st = LocalOnly(g, "spur source remove");
  if (!st.ok()) return Fail(g, st);
  auto pool = OpenPool(g);
  if (!pool.ok()) return Fail(g, pool.status());
  st = (*pool)->store().DeleteSource(a.name);
  if (!st.ok()) return Fail(g, st);
  if (g.json)
    PrintJson({{"removed", a.name}});
  else
    std::printf("removed source %s\n", a.name.c_str());
  return 0;
}

}  // namespace

void AddSourceCommands(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto* source = app.add_subcommand("source", "Remember the databases `spur sync` copies from");
  source->require_subcommand(1);
  auto a = std::make_shared<SourceArgs>();
  auto* add = source->add_subcommand(
      "add", "Add a source (its URL, password included, is kept in the 0600 pool database)");
  add->add_option("name", a->name, "Source name")->required();
  add->add_option("--url", a->url, "postgres://user:password@host:port/dbname");
  add->add_option("--url-file", a->url_file, "Read the URL from this file (keeps it out of ps)");
  add->add_option("--url-env", a->url_env, "Read the URL from this environment variable");
  add->add_option("--mode", a->mode, "logical (default; masking, subsets) or physical");
  add->add_flag("--no-check", a->no_check, "Save without connecting to it first");
  add->callback([&g, a, exit_code] { *exit_code = RunSourceAdd(g, *a); });
  auto* list = source->add_subcommand("list", "List sources (passwords hidden)");
  list->alias("ls");
  list->callback([&g, exit_code] { *exit_code = RunSourceList(g); });
  auto* rm = source->add_subcommand("remove", "Forget a source");
  rm->alias("rm");
  rm->add_option("name", a->name, "Source name")->required();
  rm->callback([&g, a, exit_code] { *exit_code = RunSourceRemove(g, *a); });
}

}  // namespace spur::cli
