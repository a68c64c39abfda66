// spur branch create|list|show|delete|reset|start|stop
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <map>

#include "cli/commands.h"
#include "cli/table.h"
#include "common/units.h"

namespace spur::cli {
namespace {

struct BranchArgs {
  std::string name, ttl, owner;
  std::optional<std::string> from, snapshot, to;
  std::vector<std::string> pg, labels;
  bool recursive = false;
};

// Prints one branch after a mutation: its URI (text) or full JSON.
int PrintBranch(GlobalOptions& g, engine::Pool& pool, const std::string& name) {
  auto info = pool.ShowBranch(name, false);
  if (!info.ok()) return Fail(g, info.status());
  if (g.json)
    PrintJson(BranchJson(pool, *info));
  else
    std::printf("%s\n", pool.Uri(info->branch).c_str());
  return 0;
}

int RunCreate(GlobalOptions& g, const BranchArgs& a) {
  auto start = std::chrono::steady_clock::now();
  engine::CreateBranchOptions o;
  o.name = a.name;
  o.from = a.from;
  o.snapshot = a.snapshot;
  if (!a.ttl.empty()) {
    auto ttl = ParseDuration(a.ttl);
    if (!ttl.ok()) return Fail(g, ttl.status().WithContext("--ttl"));
    o.ttl_seconds = *ttl;
  }
  auto settings = engine::ParseSettings(a.pg);
  if (!settings.ok()) return Fail(g, settings.status());
  o.pg_settings = *settings;
  auto labels = engine::ParseLabels(a.labels);
  if (!labels.ok()) return Fail(g, labels.status());
  o.labels = *labels;
  const char* user = std::getenv("SUDO_USER");
  if (!user) user = std::getenv("USER");
  o.owner = a.owner.empty() ? (user ? user : "") : a.owner;
  auto pool = OpenPool(g);
  if (!pool.ok()) return Fail(g, pool.status());
  auto b = (*pool)->CreateBranch(o);
  if (!b.ok()) return Fail(g, b.status());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  spdlog::info("branch {} created in {:.2f}s, running on port {}", b->name, secs, b->port);
  return PrintBranch(g, **pool, b->name);
}

std::string Age(int64_t since) {
  return FormatDuration(static_cast<int64_t>(::time(nullptr)) - since);
}

std::string Ttl(const catalog::Branch& b) {
  if (!b.expires_at) return "-";
  int64_t left = *b.expires_at - static_cast<int64_t>(::time(nullptr));
  return left <= 0 ? "expired" : FormatDuration(left);
}

int RunList(GlobalOptions& g) {
  auto pool = OpenPool(g);
  if (!pool.ok()) return Fail(g, pool.status());
  auto list = (*pool)->ListBranches(true);
  if (!list.ok()) return Fail(g, list.status());
  if (g.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& info : *list) arr.push_back(BranchJson(**pool, info));
    PrintJson(arr);
    return 0;
  }
  std::map<std::string, std::vector<const engine::BranchInfo*>> children;
  std::vector<const engine::BranchInfo*> roots;
  for (const auto& info : *list) {
    if (info.parent_name.empty())
      roots.push_back(&info);
    else
      children[info.parent_name].push_back(&info);
  }
  Table t({"NAME", "PARENT", "STATE", "PORT", "EXCLUSIVE", "SHARED", "AGE", "TTL"});
  std::function<void(const engine::BranchInfo*, const std::string&, bool, bool)> add =
      [&](const engine::BranchInfo* info, const std::string& prefix, bool last, bool root) {
        const auto& b = info->branch;
        std::string label = root ? b.name : prefix + (last ? "└─ " : "├─ ") + b.name;
        t.AddRow({label, info->parent_name.empty() ? "-" : info->parent_name,
                  info->running ? "running" : "stopped", std::to_string(b.port),
                  info->usage ? FormatBytes(info->usage->exclusive_bytes) : "?",
                  info->usage ? FormatBytes(info->usage->shared_bytes) : "?", Age(b.created_at),
                  Ttl(b)});
        const auto& kids = children[b.name];
        std::string next = root ? "" : prefix + (last ? "   " : "│  ");
        for (size_t i = 0; i < kids.size(); ++i) add(kids[i], next, i + 1 == kids.size(), false);
      };
  for (const auto* r : roots) add(r, "", true, true);
  t.Print();
  return 0;
}

int RunShow(GlobalOptions& g, const std::string& name) {
  auto pool = OpenPool(g);
  if (!pool.ok()) return Fail(g, pool.status());
  auto info = (*pool)->ShowBranch(name, true);
  if (!info.ok()) return Fail(g, info.status());
  nlohmann::json j = BranchJson(**pool, *info);
  if (g.json) {
    PrintJson(j);
    return 0;
  }
  const auto& b = info->branch;
  std::printf("name:        %s\n", b.name.c_str());
  std::printf("parent:      %s\n", info->parent_name.empty() ? "-" : info->parent_name.c_str());
  std::printf("snapshot:    %s\n", info->snapshot_name.empty() ? "-" : info->snapshot_name.c_str());
  std::printf("state:       %s\n", j["state"].get<std::string>().c_str());
  std::printf("port:        %d\n", b.port);
  std::printf("uri:         %s\n", (*pool)->Uri(b).c_str());
  std::printf("owner:       %s\n", b.owner.empty() ? "-" : b.owner.c_str());
  std::printf("created:     %s (%s ago)\n", FormatTimestamp(b.created_at).c_str(),
              Age(b.created_at).c_str());
  std::printf(
      "expires:     %s\n",
      b.expires_at ? (FormatTimestamp(*b.expires_at) + " (" + Ttl(b) + ")").c_str() : "never");
  if (info->usage) {
    std::printf("disk:        %s exclusive, %s shared\n",
                FormatBytes(info->usage->exclusive_bytes).c_str(),
                FormatBytes(info->usage->shared_bytes).c_str());
  }
  std::printf("data:        %s\n", (*pool)->layout().BranchData(b.id).c_str());
  std::printf("log:         %s\n", (*pool)->layout().BranchLog(b.id).c_str());
  return 0;
}

int RunDelete(GlobalOptions& g, const BranchArgs& a) {
  auto pool = OpenPool(g);
  if (!pool.ok()) return Fail(g, pool.status());
  auto deleted = (*pool)->DeleteBranch(a.name, a.recursive);
  if (!deleted.ok()) return Fail(g, deleted.status());
  if (g.json)
    PrintJson({{"deleted", *deleted}});
  else
    for (const auto& n : *deleted) std::printf("deleted branch %s\n", n.c_str());
  return 0;
}

// reset, start, stop: one call on the pool, then the branch is printed.
int RunSimple(GlobalOptions& g, const std::string& name,
              const std::function<Result<catalog::Branch>(engine::Pool&)>& action) {
  auto pool = OpenPool(g);
  if (!pool.ok()) return Fail(g, pool.status());
  auto b = action(**pool);
  if (!b.ok()) return Fail(g, b.status());
  return PrintBranch(g, **pool, name);
}

}  // namespace

void AddBranchCommands(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto* branch = app.add_subcommand("branch", "Create, list, reset and delete branches");
  branch->require_subcommand(1);
  auto a = std::make_shared<BranchArgs>();

  auto* create = branch->add_subcommand("create",
                                        "Create a running copy-on-write branch and "
                                        "print its connection URI");
  create->add_option("name", a->name, "Branch name ([a-z0-9][a-z0-9._-]{0,62})")->required();
  create->add_option("--from", a->from, "Parent branch, branched at its state now (default main)")
      ->expected(1);
  create->add_option("--snapshot", a->snapshot, "Branch from this snapshot instead")->expected(1);
  create->add_option("--ttl", a->ttl, "Expire after DURATION (e.g. 12h, 3d)");
  create->add_option("--owner", a->owner, "Owner recorded for the branch (default: you)");
  create->add_option("--pg", a->pg, "Postgres setting NAME=VALUE for this branch (repeatable)");
  create->add_option("--label", a->labels, "Label KEY=VALUE (repeatable), e.g. pr=12");
  create->callback([&g, a, exit_code] { *exit_code = RunCreate(g, *a); });

  auto* list = branch->add_subcommand("list", "Show the branch tree with state, port and disk use");
  list->alias("ls");
  list->callback([&g, exit_code] { *exit_code = RunList(g); });

  auto* show = branch->add_subcommand("show", "Show one branch in detail");
  show->add_option("name", a->name, "Branch name")->required();
  show->callback([&g, a, exit_code] { *exit_code = RunShow(g, a->name); });

  auto* del = branch->add_subcommand("delete", "Stop a branch and delete its data");
  del->alias("rm");
  del->add_option("name", a->name, "Branch name")->required();
  del->add_flag("--recursive,-r", a->recursive, "Also delete its descendants");
  del->callback([&g, a, exit_code] { *exit_code = RunDelete(g, *a); });

  auto* reset = branch->add_subcommand("reset",
                                       "Replace a branch's data with its parent's "
                                       "state now, or a snapshot; keeps name, port, "
                                       "credentials");
  reset->add_option("name", a->name, "Branch name")->required();
  reset->add_option("--to", a->to, "Snapshot to reset to (default: the parent now)")->expected(1);
  reset->callback([&g, a, exit_code] {
    *exit_code =
        RunSimple(g, a->name, [a](engine::Pool& p) { return p.ResetBranch(a->name, a->to); });
  });

  auto* start = branch->add_subcommand("start", "Start a branch's postgres");
  start->add_option("name", a->name, "Branch name")->required();
  start->callback([&g, a, exit_code] {
    *exit_code = RunSimple(g, a->name, [a](engine::Pool& p) { return p.StartBranch(a->name); });
  });

  auto* stop = branch->add_subcommand("stop", "Stop a branch's postgres (data is kept)");
  stop->add_option("name", a->name, "Branch name")->required();
  stop->callback([&g, a, exit_code] {
    *exit_code = RunSimple(g, a->name, [a](engine::Pool& p) { return p.StopBranch(a->name); });
  });
}

}  // namespace spur::cli
