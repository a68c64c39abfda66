// spur branch create|list|show|delete|reset|start|stop|extend|protect|unprotect
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <map>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/table.h"
#include "common/units.h"

namespace spur::cli {
namespace {

struct BranchArgs {
  std::string name, ttl, owner, idle_expiry, duration;
  std::optional<std::string> from, snapshot, to, keep_backup;
  std::vector<std::string> pg, labels;
  bool recursive = false, force = false, is_protected = false;
};

std::string Str(const nlohmann::json& j, const char* key, const char* fallback = "-") {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : fallback;
}

// A mutation's result: the URI (text) or the branch (JSON).
int PrintBranch(const GlobalOptions& g, const Result<nlohmann::json>& branch) {
  if (!branch.ok()) return Fail(g, branch.status());
  if (g.json)
    PrintJson(*branch);
  else
    std::printf("%s\n", Str(*branch, "uri").c_str());
  return 0;
}

// Says on stderr what the reset threw away, and how to get it back.
int RunReset(GlobalOptions& g, const BranchArgs& a) {
  nlohmann::json body = nlohmann::json::object();
  if (a.to) body["to"] = *a.to;
  if (a.force) body["force"] = true;
  if (a.keep_backup) body["keep_backup"] = *a.keep_backup;
  auto b = CallApi(g, "POST", "/branches/" + Seg(a.name) + "/reset", body);
  if (b.ok() && !g.json && b->contains("discarded")) {
    const nlohmann::json& d = (*b)["discarded"];
    std::string since =
        d["base"].is_string()
            ? " since snapshot " + d["base"].get<std::string>() +
                  (d["since"].is_number() ? " (" + FormatTimestamp(d["since"].get<int64_t>()) + ")"
                                          : "")
            : "";
    if (d["kept_as"].is_string()) {
      const std::string kept = d["kept_as"];
      std::fprintf(stderr,
                   "reset %s: its writes%s are kept as snapshot %s; undo with `spur branch reset "
                   "%s --to %s`\n",
                   a.name.c_str(), since.c_str(), kept.c_str(), a.name.c_str(), kept.c_str());
    } else {
      std::fprintf(stderr,
                   "reset %s: its writes%s were discarded (pass --keep-backup NAME to keep them "
                   "next time)\n",
                   a.name.c_str(), since.c_str());
    }
  }
  return PrintBranch(g, b);
}

Result<nlohmann::json> KeyValues(const std::vector<std::string>& kvs, bool labels) {
  auto parsed = labels ? engine::ParseLabels(kvs) : engine::ParseSettings(kvs);
  if (!parsed.ok()) return parsed.status();
  return nlohmann::json(*parsed);
}

int RunCreate(GlobalOptions& g, const BranchArgs& a) {
  auto start = std::chrono::steady_clock::now();
  nlohmann::json body = {{"name", a.name}};
  if (a.from) body["from"] = *a.from;
  if (a.snapshot) body["snapshot"] = *a.snapshot;
  if (!a.ttl.empty()) body["ttl"] = a.ttl;
  if (!a.idle_expiry.empty()) body["idle_expiry"] = a.idle_expiry;
  if (!a.owner.empty()) body["owner"] = a.owner;
  if (a.is_protected) body["protected"] = true;
  auto pg = KeyValues(a.pg, false);
  if (!pg.ok()) return Fail(g, pg.status());
  if (!pg->empty()) body["pg"] = *pg;
  auto labels = KeyValues(a.labels, true);
  if (!labels.ok()) return Fail(g, labels.status());
  if (!labels->empty()) body["labels"] = *labels;
  auto b = CallApi(g, "POST", "/branches", body);
  if (b.ok()) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    spdlog::info("branch {} created in {:.2f}s, running on port {}", a.name, secs,
                 (*b)["port"].get<int>());
  }
  return PrintBranch(g, b);
}

std::string Bytes(const nlohmann::json& b, const char* key) {
  return b.contains(key) && b[key].is_number() ? FormatBytes(b[key].get<uint64_t>()) : "?";
}

std::string Ttl(const nlohmann::json& b) {
  if (b.value("protected", false)) return "protected";
  if (!b["expires_in_seconds"].is_number()) return "-";
  int64_t left = b["expires_in_seconds"].get<int64_t>();
  return left <= 0 ? "expired" : FormatDuration(left);
}

int RunList(GlobalOptions& g) {
  auto list = CallApi(g, "GET", "/branches");
  if (!list.ok()) return Fail(g, list.status());
  if (g.json) {
    PrintJson(*list);
    return 0;
  }
  std::map<std::string, std::vector<const nlohmann::json*>> children;
  std::vector<const nlohmann::json*> roots;
  for (const auto& b : *list) {
    if (b["parent"].is_null())
      roots.push_back(&b);
    else
      children[b["parent"].get<std::string>()].push_back(&b);
  }
  // CONN: clients through the daemon's proxy, when it runs one. Working on
  // the pool itself, the CLI asks the daemon for them on its socket.
  if (!UsesServer(g)) {
    auto served = CallLocalDaemon(g, "/branches?no_usage=1");
    if (served.ok() && served->is_array()) {
      std::map<std::string, nlohmann::json> conns;
      for (const auto& b : *served) {
        if (b.is_object() && b.contains("connections")) conns[Str(b, "name")] = b["connections"];
      }
      for (auto& b : *list) {
        auto it = conns.find(Str(b, "name"));
        if (it != conns.end()) b["connections"] = it->second;
      }
    }
  }
  bool proxied = false;
  for (const auto& b : *list) proxied = proxied || b.contains("connections");
  std::vector<std::string> head = {"NAME", "PARENT", "STATE", "PORT"};
  if (proxied) head.push_back("CONN");
  for (const char* h : {"EXCLUSIVE", "SHARED", "AGE", "TTL"}) head.push_back(h);
  Table t(head);
  std::function<void(const nlohmann::json*, const std::string&, bool, bool)> add =
      [&](const nlohmann::json* b, const std::string& prefix, bool last, bool root) {
        std::string name = Str(*b, "name");
        std::string label = root ? name : prefix + (last ? "└─ " : "├─ ") + name;
        std::vector<std::string> row = {label, Str(*b, "parent"), Str(*b, "state"),
                                        std::to_string((*b)["port"].get<int>())};
        if (proxied) {
          row.push_back(b->contains("connections") && (*b)["connections"].is_number_integer()
                            ? std::to_string((*b)["connections"].get<int>())
                            : "-");
        }
        row.push_back(Bytes(*b, "exclusive_bytes"));
        row.push_back(Bytes(*b, "shared_bytes"));
        row.push_back(FormatDuration((*b)["age_seconds"].get<int64_t>()));
        row.push_back(Ttl(*b));
        t.AddRow(row);
        const auto& kids = children[name];
        std::string next = root ? "" : prefix + (last ? "   " : "│  ");
        for (size_t i = 0; i < kids.size(); ++i) add(kids[i], next, i + 1 == kids.size(), false);
      };
  for (const auto* r : roots) add(r, "", true, true);
  t.Print();
  return 0;
}

int RunShow(GlobalOptions& g, const std::string& name) {
  auto b = CallApi(g, "GET", "/branches/" + Seg(name));
  if (!b.ok()) return Fail(g, b.status());
  if (g.json) {
    PrintJson(*b);
    return 0;
  }
  const auto& j = *b;
  std::printf("name:        %s\n", Str(j, "name").c_str());
  std::printf("parent:      %s\n", Str(j, "parent").c_str());
  std::printf("snapshot:    %s\n", Str(j, "snapshot").c_str());
  std::string state = Str(j, "state");
  if (j["stop_reason"].is_string() && state != "running") {
    state += " (" + j["stop_reason"].get<std::string>() + ")";
  }
  std::printf("state:       %s\n", state.c_str());
  std::printf("port:        %d\n", j["port"].get<int>());
  std::printf("uri:         %s\n", Str(j, "uri").c_str());
  std::printf("owner:       %s\n", Str(j, "owner").c_str());
  std::printf("protected:   %s\n", j.value("protected", false) ? "yes" : "no");
  std::printf("created:     %s (%s ago)\n", Str(j, "created_at").c_str(),
              FormatDuration(j["age_seconds"].get<int64_t>()).c_str());
  std::printf("expires:     %s\n", j["expires_at"].is_string()
                                       ? (Str(j, "expires_at") + " (" + Ttl(j) + ")").c_str()
                                       : "never");
  if (j["idle_expiry_seconds"].is_number()) {
    std::printf("idle expiry: after %s without connections\n",
                FormatDuration(j["idle_expiry_seconds"].get<int64_t>()).c_str());
  }
  std::printf("running:     %s in total\n",
              FormatDuration(std::max<int64_t>(1, j["running_seconds"].get<int64_t>())).c_str());
  if (j.contains("exclusive_bytes")) {
    std::printf("disk:        %s exclusive, %s shared\n", Bytes(j, "exclusive_bytes").c_str(),
                Bytes(j, "shared_bytes").c_str());
  }
  std::printf("data:        %s\n", Str(j, "data_directory").c_str());
  std::printf("log:         %s\n", Str(j, "log").c_str());
  return 0;
}

int RunDelete(GlobalOptions& g, const BranchArgs& a) {
  std::map<std::string, std::string> query;
  if (a.recursive) query["recursive"] = "true";
  if (a.force) query["force"] = "true";
  auto deleted = CallApi(g, "DELETE", "/branches/" + Seg(a.name), nullptr, query);
  if (!deleted.ok()) return Fail(g, deleted.status());
  if (g.json)
    PrintJson(*deleted);
  else
    for (const auto& n : (*deleted)["deleted"]) {
      std::printf("deleted branch %s\n", n.get<std::string>().c_str());
    }
  return 0;
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
  create->add_option("--idle-expiry", a->idle_expiry,
                     "Expire after DURATION with no client connection");
  create->add_option("--owner", a->owner, "Owner recorded for the branch (default: you)");
  create->add_flag("--protected", a->is_protected,
                   "Never expires; delete and reset need --force (admins)");
  create->add_option("--pg", a->pg, "Postgres setting NAME=VALUE for this branch (repeatable)");
  create->add_option("--label", a->labels, "Label KEY=VALUE (repeatable), e.g. team=payments");
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
  del->add_flag("--force", a->force, "Delete even if protected (admins)");
  del->callback([&g, a, exit_code] { *exit_code = RunDelete(g, *a); });

  auto* reset = branch->add_subcommand("reset",
                                       "Replace a branch's data with its parent's "
                                       "state now, or a snapshot; keeps name, port, "
                                       "credentials; renews the TTL");
  reset->add_option("name", a->name, "Branch name")->required();
  reset->add_option("--to", a->to, "Snapshot to reset to (default: the parent now)")->expected(1);
  reset->add_flag("--force", a->force, "Reset even if protected (admins)");
  reset
      ->add_option("--keep-backup", a->keep_backup,
                   "Keep the branch's current state as snapshot NAME first (undo: "
                   "`spur branch reset BRANCH --to NAME`)")
      ->type_name("NAME");
  reset->callback([&g, a, exit_code] { *exit_code = RunReset(g, *a); });

  auto* start = branch->add_subcommand("start", "Start a branch's postgres");
  start->add_option("name", a->name, "Branch name")->required();
  start->callback([&g, a, exit_code] {
    *exit_code = PrintBranch(g, CallApi(g, "POST", "/branches/" + Seg(a->name) + "/start"));
  });

  auto* stop = branch->add_subcommand("stop", "Stop a branch's postgres (data is kept)");
  stop->add_option("name", a->name, "Branch name")->required();
  stop->callback([&g, a, exit_code] {
    *exit_code = PrintBranch(g, CallApi(g, "POST", "/branches/" + Seg(a->name) + "/stop"));
  });

  auto* suspend = branch->add_subcommand(
      "suspend", "Stop a branch as if idle: the next connection through the proxy starts it again");
  suspend->add_option("name", a->name, "Branch name")->required();
  suspend->callback([&g, a, exit_code] {
    *exit_code = PrintBranch(g, CallApi(g, "POST", "/branches/" + Seg(a->name) + "/suspend"));
  });

  auto* extend =
      branch->add_subcommand("extend", "Renew a branch: it now expires DURATION from now");
  extend->add_option("name", a->name, "Branch name")->required();
  extend->add_option("duration", a->duration, "How long from now, e.g. 3d")->required();
  extend->callback([&g, a, exit_code] {
    *exit_code = PrintBranch(
        g, CallApi(g, "POST", "/branches/" + Seg(a->name) + "/extend", {{"ttl", a->duration}}));
  });

  auto* update =
      branch->add_subcommand("update", "Change a branch's TTL, idle expiry, labels or owner");
  update->add_option("name", a->name, "Branch name")->required();
  update->add_option("--ttl", a->ttl, "Expire DURATION from now; 0 = never");
  update->add_option("--idle-expiry", a->idle_expiry,
                     "Expire after DURATION without connections; 0 = never");
  update->add_option("--label", a->labels, "Replace all labels with these KEY=VALUE (repeatable)");
  update->add_option("--owner", a->owner, "New owner (admins)");
  update->callback([&g, a, exit_code] {
    nlohmann::json body = nlohmann::json::object();
    if (!a->ttl.empty()) body["ttl"] = a->ttl;
    if (!a->idle_expiry.empty()) body["idle_expiry"] = a->idle_expiry;
    if (!a->owner.empty()) body["owner"] = a->owner;
    if (!a->labels.empty()) {
      auto labels = KeyValues(a->labels, true);
      if (!labels.ok()) {
        *exit_code = Fail(g, labels.status());
        return;
      }
      body["labels"] = *labels;
    }
    if (body.empty()) {
      *exit_code = Fail(g, InvalidArgument("nothing to change; pass --ttl, --idle-expiry, "
                                           "--label or --owner"));
      return;
    }
    *exit_code = PrintBranch(g, CallApi(g, "PATCH", "/branches/" + Seg(a->name), body));
  });

  for (bool on : {true, false}) {
    auto* cmd = branch->add_subcommand(on ? "protect" : "unprotect",
                                       on ? "Protect a branch: never expires; delete/reset need "
                                            "--force (admins)"
                                          : "Remove a branch's protection");
    cmd->add_option("name", a->name, "Branch name")->required();
    cmd->callback([&g, a, exit_code, on] {
      *exit_code =
          PrintBranch(g, CallApi(g, "PATCH", "/branches/" + Seg(a->name), {{"protected", on}}));
    });
  }
}

}  // namespace spur::cli
