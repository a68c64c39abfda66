// spur snapshot create|list|delete
#include <cstdio>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/table.h"

namespace spur::cli {
namespace {

struct SnapshotArgs {
  std::string branch, name;
  std::optional<std::string> new_name;
};

int RunCreate(GlobalOptions& g, const SnapshotArgs& a) {
  nlohmann::json body = {{"branch", a.branch}};
  if (a.new_name) body["name"] = *a.new_name;
  auto snap = CallApi(g, "POST", "/snapshots", body);
  if (!snap.ok()) return Fail(g, snap.status());
  if (g.json)
    PrintJson(*snap);
  else
    std::printf("%s\n", (*snap)["name"].get<std::string>().c_str());
  return 0;
}

int RunList(GlobalOptions& g) {
  auto snaps = CallApi(g, "GET", "/snapshots");
  if (!snaps.ok()) return Fail(g, snaps.status());
  if (g.json) {
    PrintJson(*snaps);
    return 0;
  }
  Table t({"NAME", "BRANCH", "KIND", "CONSISTENCY", "CREATED"});
  for (const auto& s : *snaps) {
    std::string branch = s["branch"].get<std::string>();
    if (s["branch_deleted"].get<bool>()) branch += " (deleted)";
    t.AddRow({s["name"].get<std::string>(), branch,
              s["implicit"].get<bool>() ? "implicit" : "named", s["consistency"].get<std::string>(),
              s["created_at"].get<std::string>()});
  }
  t.Print();
  return 0;
}

int RunDelete(GlobalOptions& g, const SnapshotArgs& a) {
  auto r = CallApi(g, "DELETE", "/snapshots/" + Seg(a.name));
  if (!r.ok()) return Fail(g, r.status());
  if (g.json)
    PrintJson(*r);
  else
    std::printf("deleted snapshot %s\n", a.name.c_str());
  return 0;
}

}  // namespace

void AddSnapshotCommands(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto* snap = app.add_subcommand("snapshot", "Take, list and delete snapshots");
  snap->require_subcommand(1);
  auto a = std::make_shared<SnapshotArgs>();

  auto* create = snap->add_subcommand("create",
                                      "Take a consistent snapshot of a branch (running or "
                                      "not) to branch from later");
  create->add_option("branch", a->branch, "Branch to snapshot")->required();
  create->add_option("--name", a->new_name, "Snapshot name (default BRANCH-<unix time>)")
      ->expected(1);
  create->callback([&g, a, exit_code] { *exit_code = RunCreate(g, *a); });

  auto* list = snap->add_subcommand("list", "List snapshots");
  list->alias("ls");
  list->callback([&g, exit_code] { *exit_code = RunList(g); });

  auto* del = snap->add_subcommand("delete", "Delete a snapshot no branch depends on");
  del->alias("rm");
  del->add_option("name", a->name, "Snapshot name")->required();
  del->callback([&g, a, exit_code] { *exit_code = RunDelete(g, *a); });
}

}  // namespace spur::cli
