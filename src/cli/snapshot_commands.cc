// spur snapshot create|list|delete
#include <cstdio>

#include "cli/commands.h"
#include "cli/table.h"
#include "common/units.h"

namespace spur::cli {
namespace {

struct SnapshotArgs {
  std::string branch, name;
  std::optional<std::string> new_name;
};

int RunCreate(GlobalOptions& g, const SnapshotArgs& a) {
  auto pool = OpenPool(g);
  if (!pool.ok()) return Fail(g, pool.status());
  auto snap = (*pool)->CreateSnapshot(a.branch, a.new_name);
  if (!snap.ok()) return Fail(g, snap.status());
  if (g.json)
    PrintJson(SnapshotJson(*snap));
  else
    std::printf("%s\n", snap->name.c_str());
  return 0;
}

int RunList(GlobalOptions& g) {
  auto pool = OpenPool(g);
  if (!pool.ok()) return Fail(g, pool.status());
  auto snaps = (*pool)->ListSnapshots();
  if (!snaps.ok()) return Fail(g, snaps.status());
  if (g.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& s : *snaps) arr.push_back(SnapshotJson(s));
    PrintJson(arr);
    return 0;
  }
  Table t({"NAME", "BRANCH", "KIND", "CONSISTENCY", "CREATED"});
  for (const auto& s : *snaps) {
    t.AddRow({s.name, s.branch_id ? s.branch_name : s.branch_name + " (deleted)",
              s.implicit ? "implicit" : "named", s.consistency, FormatTimestamp(s.created_at)});
  }
  t.Print();
  return 0;
}

int RunDelete(GlobalOptions& g, const SnapshotArgs& a) {
  auto pool = OpenPool(g);
  if (!pool.ok()) return Fail(g, pool.status());
  Status st = (*pool)->DeleteSnapshot(a.name);
  if (!st.ok()) return Fail(g, st);
  if (g.json)
    PrintJson({{"deleted", a.name}});
  else
    std::printf("deleted snapshot %s\n", a.name.c_str());
  return 0;
}

}  // namespace

void AddSnapshotCommands(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto* snapshot = app.add_subcommand("snapshot", "Take, list and delete snapshots");
  snapshot->require_subcommand(1);
  auto a = std::make_shared<SnapshotArgs>();

  auto* create = snapshot->add_subcommand("create", "Take a consistent snapshot of a branch");
  create->add_option("branch", a->branch, "Branch to snapshot")->required();
  create->add_option("--name", a->new_name, "Snapshot name (default: BRANCH-<unix time>)")
      ->expected(1);
  create->callback([&g, a, exit_code] { *exit_code = RunCreate(g, *a); });

  auto* list = snapshot->add_subcommand("list", "List snapshots");
  list->alias("ls");
  list->callback([&g, exit_code] { *exit_code = RunList(g); });

  auto* del = snapshot->add_subcommand("delete", "Delete a snapshot no branch is based on");
  del->alias("rm");
  del->add_option("name", a->name, "Snapshot name")->required();
  del->callback([&g, a, exit_code] { *exit_code = RunDelete(g, *a); });
}

}  // namespace spur::cli
