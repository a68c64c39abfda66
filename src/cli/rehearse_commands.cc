// spur rehearse BRANCH --sql FILE [--against X] [--format text|json|markdown]
#include <cctype>
#include <chrono>
#include <cstdio>

#include "cli/client.h"
#include "cli/commands.h"
#include "common/names.h"
#include "common/units.h"
#include "engine/pool.h"
#include "hooks/repo_config.h"
#include "os/fs.h"
#include "os/lock.h"
#include "rehearse/guardrails.h"
#include "rehearse/rehearsal.h"
#include "rehearse/report_format.h"
#include "rehearse/script.h"

namespace spur::cli {
namespace {

// A migration script larger than this is not a migration.
constexpr uint64_t kMaxScriptBytes = uint64_t{64} << 20;
// Exit code when a guardrail fired (the migration's own failure included).
constexpr int kGuardrailExit = 12;

struct RehearseArgs {
  std::string branch, sql_file, against, format = "text";
  std::string timeout = "30m", config;
  std::string max_write_block, max_read_block, max_rewrite;  // "" = from the config
  std::string queries_file;
  int64_t max_plan_regression = 0;  // 0 = from the config
  std::vector<std::string> allow_drop;
  int64_t probe_tables = 4, sample_ms = 10;
};

// Everything checked before anything is touched.
struct Plan {
  std::vector<rehearse::Statement> statements;
  std::vector<rehearse::Statement> queries;
  std::chrono::milliseconds timeout{0};
  rehearse::Guardrails rules;
};

// COPY ... TO STDOUT: rows for a client that a rehearsal does not read.
bool CopiesToClient(const std::string& sql) {
  std::string lower;
  for (char c : sql) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.rfind("copy", 0) == 0 && lower.find("stdout") != std::string::npos;
}

// The guardrails of `config` (a .spur.yaml), or of ./.spur.yaml when no
// config is named and one exists; the defaults otherwise.
Result<hooks::RehearseRules> ReadRules(const std::string& config) {
  const std::string path = config.empty() ? ".spur.yaml" : config;
  if (config.empty() && !os::PathExists(path)) return hooks::RehearseRules{};
  ASSIGN_OR_RETURN(std::string text, os::ReadFile(path));
  if (text.size() > (uint64_t{1} << 20)) return InvalidArgument(path + " is larger than 1 MiB");
  auto parsed = hooks::ParseRepoConfig(text);
  if (!parsed.ok()) return parsed.status().WithContext(path);
  return parsed->rehearse;
}

// A limit in milliseconds from "250ms" or a duration ("2s", "1m").
Result<double> ParseLimitMs(const char* flag, const std::string& text) {
  auto ms = ParseDurationMs(text);
  if (!ms.ok()) return ms.status().WithContext(flag);
  return static_cast<double>(*ms);
}

Result<Plan> Check(const GlobalOptions& g, RehearseArgs& a) {
  RETURN_IF_ERROR(LocalOnly(g, "spur rehearse"));
  RETURN_IF_ERROR(ValidateName("branch", a.branch));
  if (!a.against.empty()) RETURN_IF_ERROR(ValidateName("--against", a.against));
  if (g.json) a.format = "json";
  if (a.format != "text" && a.format != "json" && a.format != "markdown") {
    return InvalidArgument("--format must be text, json or markdown");
  }
  Plan p;
  auto timeout = ParseDuration(a.timeout);
  if (!timeout.ok()) return timeout.status().WithContext("--timeout");
  p.timeout = std::chrono::seconds(*timeout);
  ASSIGN_OR_RETURN(hooks::RehearseRules rules, ReadRules(a.config));
  p.rules.max_write_block_ms = static_cast<double>(rules.max_write_block_ms);
  p.rules.max_read_block_ms = static_cast<double>(rules.max_read_block_ms);
  p.rules.max_rewrite_bytes = rules.max_rewrite_bytes;
  p.rules.allow_drop.insert(rules.allow_drop.begin(), rules.allow_drop.end());
  p.rules.max_plan_regression = static_cast<double>(rules.max_plan_regression);
  if (a.max_plan_regression != 0) {
    if (a.max_plan_regression < 1 || a.max_plan_regression > 1000000) {
      return InvalidArgument("--max-plan-regression must be from 1 to 1000000 (times)");
    }
    p.rules.max_plan_regression = static_cast<double>(a.max_plan_regression);
  }
  if (!a.max_write_block.empty()) {
    ASSIGN_OR_RETURN(p.rules.max_write_block_ms,
                     ParseLimitMs("--max-write-block", a.max_write_block));
  }
  if (!a.max_read_block.empty()) {
    ASSIGN_OR_RETURN(p.rules.max_read_block_ms, ParseLimitMs("--max-read-block", a.max_read_block));
  }
  if (!a.max_rewrite.empty()) {
    auto rewrite = ParseSize(a.max_rewrite);
    if (!rewrite.ok()) return rewrite.status().WithContext("--max-rewrite");
    p.rules.max_rewrite_bytes = static_cast<int64_t>(*rewrite);
  }
  for (const std::string& d : a.allow_drop) {
    if (d.empty() || d.size() > 400) {
      return InvalidArgument("--allow-drop takes table or table.column names, comma-separated");
    }
    p.rules.allow_drop.insert(d);
  }
  if (a.probe_tables < 0 || a.probe_tables > 32) {
    return InvalidArgument("--probe-tables must be from 0 to 32");
  }
  if (a.sample_ms < 1 || a.sample_ms > 1000) {
    return InvalidArgument("--sample-ms must be from 1 to 1000");
  }
  if (a.sql_file.empty()) return InvalidArgument("pass the migration with --sql FILE");
  ASSIGN_OR_RETURN(std::string script, os::ReadFile(a.sql_file));
  if (script.size() > kMaxScriptBytes) {
    return InvalidArgument(a.sql_file + " is larger than " + FormatBytes(kMaxScriptBytes) +
                           "; a migration script is smaller");
  }
  auto statements = rehearse::SplitScript(script);
  if (!statements.ok()) return statements.status().WithContext(a.sql_file);
  if (statements->empty()) return InvalidArgument(a.sql_file + " holds no SQL statement");
  for (const rehearse::Statement& st : *statements) {
    if (CopiesToClient(st.text)) {
      return InvalidArgument(a.sql_file + " line " + std::to_string(st.line) +
                             ": COPY ... TO STDOUT sends rows to the client; a rehearsal runs "
                             "migrations, remove it or copy to a file");
    }
  }
  p.statements = std::move(*statements);
  if (!a.queries_file.empty()) {
    ASSIGN_OR_RETURN(std::string text, os::ReadFile(a.queries_file));
    if (text.size() > kMaxScriptBytes) return InvalidArgument(a.queries_file + " is too large");
    auto queries = rehearse::SplitScript(text, /*max_statements=*/1000);
    if (!queries.ok()) return queries.status().WithContext(a.queries_file);
    p.queries = std::move(*queries);
  }
  return p;
}

double MsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

int RunRehearse(GlobalOptions& g, RehearseArgs& a) {
  auto plan = Check(g, a);
  if (!plan.ok()) return Fail(g, plan.status());
  auto pool = engine::Pool::Open(ResolvePoolDir(g), os::SystemClock(), /*hold_lock=*/false);
  if (!pool.ok()) return Fail(g, pool.status());
  const std::string lock_path = (*pool)->layout().lock();
  rehearse::RehearsalContext ctx;
  ctx.branch = a.branch;

  // The copy is made and removed under the pool lock; the migration runs without it.
  const auto t0 = std::chrono::steady_clock::now();
  Result<engine::DiffSide> copy = [&]() -> Result<engine::DiffSide> {
    ASSIGN_OR_RETURN(os::FileLock lock, os::FileLock::Acquire(lock_path));
    // The branch must exist; without --against its parent is the baseline.
    Result<std::string> parent = (*pool)->DiffBase(a.branch);
    if (!parent.ok() && (a.against.empty() || parent.status().code() == Code::kNotFound)) {
      return parent.status();
    }
    ctx.against = a.against.empty() ? *parent : a.against;
    return (*pool)->OpenScratch(ctx.against);
  }();
  if (!copy.ok()) return Fail(g, copy.status());
  ctx.setup_ms = MsSince(t0);
  if (!g.json && a.format == "text") {
    std::fprintf(stderr, "rehearsing %zu statement%s on a copy of %s...\n", plan->statements.size(),
                 plan->statements.size() == 1 ? "" : "s", ctx.against.c_str());
  }

  rehearse::RehearseOptions options;
  options.socket_dir = copy->socket_dir;
  options.port = copy->port;
  options.database = copy->database;
  options.pgdata = copy->pgdata;
  options.statements = plan->statements;
  options.timeout = plan->timeout;
  options.interval = std::chrono::milliseconds(a.sample_ms);
  options.max_probed = static_cast<size_t>(a.probe_tables);
  options.queries = plan->queries;
  auto report = rehearse::Rehearse(options);

  const auto t1 = std::chrono::steady_clock::now();
  Status closed = [&]() -> Status {
    ASSIGN_OR_RETURN(os::FileLock lock, os::FileLock::Acquire(lock_path));
    return (*pool)->CloseDiffSide(*copy);
  }();
  ctx.teardown_ms = MsSince(t1);
  if (!report.ok())
    return Fail(g, report.status().WithContext("rehearsal on a copy of " + ctx.against));
  if (!closed.ok())
    std::fprintf(stderr, "warning: removing the copy: %s\n", closed.message().c_str());

  const std::vector<rehearse::Finding> findings = rehearse::Judge(*report, plan->rules);
  if (a.format == "json") {
    PrintJson(rehearse::ReportJson(ctx, *report, findings));
  } else {
    const std::string out = a.format == "markdown"
                                ? rehearse::ReportMarkdown(ctx, *report, findings)
                                : rehearse::ReportText(ctx, *report, findings);
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  return findings.empty() ? 0 : kGuardrailExit;
}

}  // namespace

void AddRehearseCommand(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto a = std::make_shared<RehearseArgs>();
  auto* cmd = app.add_subcommand(
      "rehearse",
      "Run a migration on a throw-away copy and report what production would feel: time, locks "
      "held, traffic blocked, rewrites, WAL; exit 12 when a guardrail fires");
  cmd->add_option("branch", a->branch, "The branch whose migration this is")->required();
  cmd->add_option("--sql", a->sql_file, "The migration: a file of SQL statements")->required();
  cmd->add_option("--against", a->against,
                  "Branch or snapshot to copy (default: the branch's parent)");
  cmd->add_option("--format", a->format, "text, json or markdown (for a PR comment)")
      ->capture_default_str();
  cmd->add_option("--queries", a->queries_file,
                  "Queries (;-separated, $1.. parameters allowed) whose plans are compared "
                  "before and after");
  cmd->add_option("--max-plan-regression", a->max_plan_regression,
                  "Guardrail: a query's plan cost growing more than this many times (default 10)");
  cmd->add_option("--timeout", a->timeout, "Cancel the migration after this long")
      ->capture_default_str();
  cmd->add_option("--probe-tables", a->probe_tables,
                  "Tables probed with a read and a write session while the migration runs")
      ->capture_default_str();
  cmd->add_option("--sample-ms", a->sample_ms, "How often locks are sampled, in milliseconds")
      ->capture_default_str();
  cmd->add_option("--config", a->config,
                  "The .spur.yaml whose rehearse: section sets the guardrails (default: "
                  "./.spur.yaml when it exists)");
  cmd->add_option("--max-write-block", a->max_write_block,
                  "Guardrail: writes to a table blocked longer than this, like 2s or 500ms "
                  "(default 2s)");
  cmd->add_option("--max-read-block", a->max_read_block,
                  "Guardrail: reads of a table blocked longer than this (default 5s)");
  cmd->add_option("--max-rewrite", a->max_rewrite,
                  "Guardrail: one table rewrite larger than this (default 1G)");
  cmd->add_option("--allow-drop", a->allow_drop,
                  "Tables or table.columns whose data the migration may drop, t1,t2.col")
      ->delimiter(',');
  cmd->callback([&g, a, exit_code] { *exit_code = RunRehearse(g, *a); });
}

}  // namespace spur::cli
