// spur diff BRANCH [--against X] [--schema|--data] [--tables ...] [--format ...]
#include <unistd.h>

#include <cstdio>

#include "cli/client.h"
#include "cli/commands.h"
#include "engine/branch_diff.h"
#include "os/lock.h"

namespace spur::cli {
namespace {

struct DiffArgs {
  engine::DiffRequest request;
  std::string color = "auto";
  bool exit_code = false;
};

// The request as the API route reads it (api/diff_route.cc).
nlohmann::json Body(const engine::DiffRequest& r) {
  nlohmann::json b = {{"format", r.format},
                      {"schema_only", r.schema_only},
                      {"data_only", r.data_only},
                      {"full", r.full},
                      {"color", r.color},
                      {"max_rows", r.max_rows},
                      {"lock_timeout", r.lock_timeout},
                      {"statement_timeout", r.statement_timeout}};
  if (!r.against.empty()) b["against"] = r.against;
  if (!r.database.empty()) b["database"] = r.database;
  if (!r.tables.empty()) b["tables"] = r.tables;
  return b;
}

Result<engine::DiffOutput> DiffRemote(const GlobalOptions& g, const engine::DiffRequest& r) {
  ASSIGN_OR_RETURN(nlohmann::json reply,
                   CallApi(g, "POST", "/branches/" + Seg(r.branch) + "/diff", Body(r)));
  engine::DiffOutput out;
  if (!reply.is_object() || !reply.contains("differs") || !reply["differs"].is_boolean()) {
    return Unavailable("the server's diff reply has no \"differs\"; is it an older spur?");
  }
  out.differs = reply["differs"].get<bool>();
  if (r.format == "json") {
    out.json = reply.value("result", nlohmann::json::object());
  } else {
    out.text = reply.value("output", "");
  }
  return out;
}

Result<engine::DiffOutput> DiffLocal(const GlobalOptions& g, const engine::DiffRequest& r) {
  ASSIGN_OR_RETURN(auto pool,
                   engine::Pool::Open(ResolvePoolDir(g), os::SystemClock(), /*hold_lock=*/false));
  const std::string lock_path = pool->layout().lock();
  return engine::RunDiff(r, [&](const std::function<Status(engine::Pool&)>& fn) -> Status {
    ASSIGN_OR_RETURN(os::FileLock lock, os::FileLock::Acquire(lock_path));
    return fn(*pool);
  });
}

int RunDiff(GlobalOptions& g, DiffArgs& a) {
  engine::DiffRequest& r = a.request;
  if (g.json) r.format = "json";
  if (a.color != "auto" && a.color != "always" && a.color != "never") {
    return Fail(g, InvalidArgument("--color must be auto, always or never"));
  }
  r.color = a.color == "always" || (a.color == "auto" && ::isatty(STDOUT_FILENO));
  if (Status st = engine::CheckDiffRequest(r); !st.ok()) return Fail(g, st);
  auto out = UsesServer(g) ? DiffRemote(g, r) : DiffLocal(g, r);
  if (!out.ok()) return Fail(g, out.status());
  if (r.format == "json") {
    PrintJson(out->json);
  } else {
    std::fwrite(out->text.data(), 1, out->text.size(), stdout);
  }
  // --exit-code, as git diff: 1 when there is a difference (for CI gates).
  return a.exit_code && out->differs ? 1 : 0;
}

}  // namespace

void AddDiffCommand(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto a = std::make_shared<DiffArgs>();
  auto* cmd = app.add_subcommand(
      "diff", "What a branch changed: schema (from the catalogs) and rows, against its parent");
  cmd->add_option("branch", a->request.branch, "The branch to show")->required();
  cmd->add_option("--against", a->request.against,
                  "Branch or snapshot to compare with (default: the branch's parent)");
  cmd->add_flag("--schema", a->request.schema_only, "Schema only");
  cmd->add_flag("--exit-code", a->exit_code,
                "Exit 1 when there is a difference, 0 when there is none (as git diff)");
  cmd->add_flag("--data", a->request.data_only, "Rows only");
  cmd->add_option("--tables", a->request.tables, "Only these tables (schema.table or table), t1,t2")
      ->delimiter(',');
  cmd->add_option("--format", a->request.format,
                  "text (people), json (tools), sql (turns --against into the branch), "
                  "sql-reverse (its inverse)")
      ->capture_default_str();
  cmd->add_option("--database", a->request.database, "Database to compare (default: the branch's)");
  cmd->add_flag("--full", a->request.full,
                "Compare every table in full instead of only the pages the branches no longer "
                "share");
  cmd->add_option("--max-rows", a->request.max_rows,
                  "Rows shown per table in text and json (0: all)")
      ->capture_default_str();
  cmd->add_option("--color", a->color, "auto, always or never")->capture_default_str();
  cmd->add_option("--lock-timeout", a->request.lock_timeout,
                  "lock_timeout of every emitted statement")
      ->capture_default_str();
  cmd->add_option("--statement-timeout", a->request.statement_timeout,
                  "statement_timeout of every emitted statement")
      ->capture_default_str();
  cmd->callback([&g, a, exit_code] { *exit_code = RunDiff(g, *a); });
}

}  // namespace spur::cli
