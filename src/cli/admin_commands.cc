// spur token|quota|schedule|config|audit|cost: running a pool for a team.
#include <cstdio>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/table.h"
#include "common/units.h"
#include "engine/options.h"

namespace spur::cli {
namespace {

struct AdminArgs {
  std::string role = "developer", owner, note, id, name, label, stop, start, key, value;
  std::string max_branches, max_bytes, by = "branch", actor, action, target, expect;
  int limit = 50;
  int64_t before = 0;  // audit --before SEQ; 0 is none
  bool verify = false;
  std::vector<std::string> repos;  // token create --repo
};

std::string S(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return "-";
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

// Prints the JSON as is, or a table of `columns` (JSON keys) with `headers`.
int PrintRows(const GlobalOptions& g, const Result<nlohmann::json>& rows,
              const std::vector<std::string>& headers, const std::vector<const char*>& keys) {
  if (!rows.ok()) return Fail(g, rows.status());
  if (g.json) {
    PrintJson(*rows);
    return 0;
  }
  Table t(headers);
  for (const auto& r : *rows) {
    std::vector<std::string> cells;
    for (const char* k : keys) cells.push_back(S(r, k));
    t.AddRow(cells);
  }
  t.Print();
  return 0;
}

int PrintDone(const GlobalOptions& g, const Result<nlohmann::json>& r, const std::string& text) {
  if (!r.ok()) return Fail(g, r.status());
  if (g.json)
    PrintJson(*r);
  else
    std::printf("%s\n", text.c_str());
  return 0;
}

void AddTokenCommands(CLI::App& app, GlobalOptions& g, int* exit_code,
                      const std::shared_ptr<AdminArgs>& a) {
  auto* token = app.add_subcommand("token", "API tokens for `spur serve` (admins)");
  token->require_subcommand(1);
  auto* create = token->add_subcommand("create", "Make a token; it is printed once, stored hashed");
  create->add_option("--role", a->role, "admin, developer or viewer")->capture_default_str();
  create->add_option("--owner", a->owner, "Who the token acts for (branch owner)")->required();
  create->add_option("--note", a->note, "What it is for, e.g. \"GitHub Actions\"");
  create->add_option("--repo", a->repos,
                     "A CI token: acts for every pull-request branch of this repository "
                     "(owner/name; repeatable), whoever made it, and runs `ci up/down` for "
                     "these only");
  create->callback([&g, a, exit_code] {
    nlohmann::json body = {{"role", a->role}, {"owner", a->owner}, {"note", a->note}};
    if (!a->repos.empty()) body["repos"] = a->repos;
    auto r = CallApi(g, "POST", "/tokens", body);
    *exit_code = PrintDone(g, r, r.ok() ? (*r)["token"].get<std::string>() : "");
  });
  auto* list = token->add_subcommand("list", "List tokens (never their secrets)");
  list->alias("ls");
  list->callback([&g, exit_code] {
    *exit_code =
        PrintRows(g, CallApi(g, "GET", "/tokens"),
                  {"ID", "PREFIX", "ROLE", "OWNER", "REPOS", "NOTE", "LAST USED", "REVOKED"},
                  {"id", "prefix", "role", "owner", "repos", "note", "last_used_at", "revoked_at"});
  });
  auto* revoke = token->add_subcommand("revoke", "Revoke a token by id");
  revoke->add_option("id", a->id, "Token id (from `spur token list`)")->required();
  revoke->callback([&g, a, exit_code] {
    *exit_code =
        PrintDone(g, CallApi(g, "DELETE", "/tokens/" + Seg(a->id)), "revoked token " + a->id);
  });
}

void AddQuotaCommands(CLI::App& app, GlobalOptions& g, int* exit_code,
                      const std::shared_ptr<AdminArgs>& a) {
  auto* quota = app.add_subcommand("quota", "Limits on branches and exclusive bytes");
  quota->require_subcommand(1);
  auto* set = quota->add_subcommand("set", "Set the pool's quota, or an owner's with --owner");
  set->add_option("--owner", a->owner, "Owner the quota applies to (default: whole pool)");
  set->add_option("--max-branches", a->max_branches, "Most branches at once");
  set->add_option("--max-bytes", a->max_bytes, "Most exclusive bytes, e.g. 50G");
  set->callback([&g, a, exit_code] {
    nlohmann::json body = nlohmann::json::object();
    if (!a->owner.empty()) body["owner"] = a->owner;
    if (!a->max_branches.empty()) {
      auto n = ParseInteger("--max-branches", a->max_branches, 0, engine::kMaxQuotaBranches);
      if (!n.ok()) {
        *exit_code = Fail(g, n.status());
        return;
      }
      body["max_branches"] = *n;
    }
    if (!a->max_bytes.empty()) body["max_bytes"] = a->max_bytes;
    *exit_code = PrintDone(g, CallApi(g, "PUT", "/quotas", body), "quota set");
  });
  auto* list = quota->add_subcommand("list", "List quotas");
  list->alias("ls");
  list->callback([&g, exit_code] {
    *exit_code =
        PrintRows(g, CallApi(g, "GET", "/quotas"), {"SCOPE", "OWNER", "MAX BRANCHES", "MAX BYTES"},
                  {"scope", "owner", "max_branches", "max_bytes"});
  });
  auto* del = quota->add_subcommand("delete", "Remove the pool's quota, or an owner's");
  del->alias("rm");
  del->add_option("--owner", a->owner, "Owner (default: the pool-wide quota)");
  del->callback([&g, a, exit_code] {
    std::map<std::string, std::string> q;
    if (!a->owner.empty()) q["owner"] = a->owner;
    *exit_code = PrintDone(g, CallApi(g, "DELETE", "/quotas", nullptr, q), "quota removed");
  });
}

void AddScheduleCommands(CLI::App& app, GlobalOptions& g, int* exit_code,
                         const std::shared_ptr<AdminArgs>& a) {
  auto* sched = app.add_subcommand("schedule",
                                   "Shutdown windows: stop labelled branches on a cron "
                                   "schedule, start them again later");
  sched->require_subcommand(1);
  auto* set = sched->add_subcommand("set", "Add or change a window");
  set->add_option("name", a->name, "Window name, e.g. nights")->required();
  set->add_option("--label", a->label, "Branches with this label KEY=VALUE")->required();
  set->add_option("--stop", a->stop, "Cron expression when they stop, e.g. \"0 20 * * 1-5\"")
      ->required();
  set->add_option("--start", a->start, "Cron expression when they start, e.g. \"0 8 * * 1-5\"")
      ->required();
  set->callback([&g, a, exit_code] {
    nlohmann::json body = {{"label", a->label}, {"stop", a->stop}, {"start", a->start}};
    *exit_code = PrintDone(g, CallApi(g, "PUT", "/schedules/" + Seg(a->name), body),
                           "schedule " + a->name + " set");
  });
  auto* list = sched->add_subcommand("list", "List windows");
  list->alias("ls");
  list->callback([&g, exit_code] {
    *exit_code = PrintRows(g, CallApi(g, "GET", "/schedules"), {"NAME", "LABEL", "STOP", "START"},
                           {"name", "label", "stop", "start"});
  });
  auto* del = sched->add_subcommand("delete", "Remove a window");
  del->alias("rm");
  del->add_option("name", a->name, "Window name")->required();
  del->callback([&g, a, exit_code] {
    *exit_code =
        PrintDone(g, CallApi(g, "DELETE", "/schedules/" + Seg(a->name)), "schedule removed");
  });
}

void AddConfigCommands(CLI::App& app, GlobalOptions& g, int* exit_code,
                       const std::shared_ptr<AdminArgs>& a) {
  auto* config = app.add_subcommand(
      "config",
      "Pool options: TTL warnings, idle suspend, prices, listen_addresses, advertise_host");
  config->require_subcommand(1);
  auto* list = config->add_subcommand("list", "Show every option, its value and meaning");
  list->alias("ls");
  list->callback([&g, exit_code] {
    *exit_code =
        PrintRows(g, CallApi(g, "GET", "/config"), {"KEY", "VALUE", "DEFAULT", "DESCRIPTION"},
                  {"key", "value", "default", "description"});
  });
  auto* set =
      config->add_subcommand("set", "Set an option, e.g. `spur config set idle_suspend 30m`");
  set->add_option("key", a->key, "Option name")->required();
  set->add_option("value", a->value, "New value")->required();
  set->callback([&g, a, exit_code] {
    auto r = CallApi(g, "PUT", "/config/" + Seg(a->key), {{"value", a->value}});
    std::string text = a->key + " = " + a->value;
    if (r.ok() && r->contains("restart_to_apply") && !(*r)["restart_to_apply"].empty()) {
      text += "\nrunning now (restart to apply: spur branch stop NAME; spur branch start NAME):";
      for (const auto& n : (*r)["restart_to_apply"]) text += " " + n.get<std::string>();
    }
    *exit_code = PrintDone(g, r, text);
  });
}

int RunAudit(const GlobalOptions& g, const AdminArgs& a) {
  if (a.verify) {
    std::map<std::string, std::string> q = {{"verify", "true"}};
    if (!a.expect.empty()) q["expect"] = a.expect;
    auto r = CallApi(g, "GET", "/audit", nullptr, q);
    if (!r.ok()) return Fail(g, r.status());
    if (g.json) PrintJson(*r);
    bool ok = (*r)["ok"].get<bool>();
    if (!g.json) {
      if (ok) {
        std::printf("audit log verifies: %lld records, chain intact%s\n",
                    static_cast<long long>((*r)["records"].get<int64_t>()),
                    (*r)["torn_tail"].get<bool>() ? " (an unfinished last line was ignored)" : "");
        std::printf(
            "head: %s (keep it elsewhere; `spur audit --verify --expect HEAD` later "
            "catches records cut off the end or a rewritten chain)\n",
            (*r)["head"].get<std::string>().c_str());
      } else {
        std::printf("AUDIT LOG TAMPERED: %s\n", (*r)["problem"].get<std::string>().c_str());
      }
    }
    return ok ? 0 : 9;
  }
  std::map<std::string, std::string> q = {{"limit", std::to_string(a.limit)}};
  if (a.before > 0) q["before"] = std::to_string(a.before);
  if (!a.actor.empty()) q["actor"] = a.actor;
  if (!a.action.empty()) q["action"] = a.action;
  if (!a.target.empty()) q["target"] = a.target;
  auto rows = CallApi(g, "GET", "/audit", nullptr, q);
  if (!rows.ok()) return Fail(g, rows.status());
  if (g.json) {
    PrintJson(*rows);
    return 0;
  }
  Table t({"SEQ", "TIME", "ACTOR", "ACTION", "TARGET", "RESULT"});
  for (const auto& r : *rows) {
    t.AddRow({S(r, "seq"), FormatTimestamp(r["time"].get<int64_t>()), S(r, "actor"), S(r, "action"),
              S(r, "target"), S(r, "result")});
  }
  t.Print();
  return 0;
}

int RunCost(const GlobalOptions& g, const AdminArgs& a) {
  std::map<std::string, std::string> q = {{"by", a.by}};
  if (!a.label.empty()) q["label"] = a.label;
  auto r = CallApi(g, "GET", "/cost", nullptr, q);
  if (!r.ok()) return Fail(g, r.status());
  if (g.json) {
    PrintJson(*r);
    return 0;
  }
  std::string cur = (*r)["currency"];
  auto money = [&](double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f %s", v, cur.c_str());
    return std::string(buf);
  };
  Table t({a.by == "branch"  ? "BRANCH"
           : a.by == "owner" ? "OWNER"
                             : "LABEL",
           "BRANCHES", "EXCLUSIVE", "RUN HOURS", "COST SO FAR", "PER MONTH"});
  for (const auto& row : (*r)["groups"]) {
    char hours[32];
    std::snprintf(hours, sizeof hours, "%.1f", row["running_hours"].get<double>());
    t.AddRow({row["key"], std::to_string(row["branches"].get<int>()),
              FormatBytes(row["exclusive_bytes"].get<uint64_t>()), hours,
              money(row["cost"].get<double>()), money(row["month_estimate"].get<double>())});
  }
  t.Print();
  std::printf(
      "total so far %s; %s per month at the current size and use (prices: %.4g per "
      "GiB-month, %.4g per running hour)\n",
      money((*r)["total"].get<double>()).c_str(),
      money((*r)["month_estimate"].get<double>()).c_str(),
      (*r)["prices"]["gib_month"].get<double>(), (*r)["prices"]["running_hour"].get<double>());
  return 0;
}

}  // namespace

void AddAdminCommands(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto a = std::make_shared<AdminArgs>();
  AddTokenCommands(app, g, exit_code, a);
  AddQuotaCommands(app, g, exit_code, a);
  AddScheduleCommands(app, g, exit_code, a);
  AddConfigCommands(app, g, exit_code, a);

  auto* audit = app.add_subcommand("audit", "The hash-chained log of every change: list or verify");
  audit->add_flag("--verify", a->verify, "Check the hash chain; exit 9 if it was tampered with");
  audit->add_option("--expect", a->expect,
                    "With --verify: a head SEQ:HASH printed by an earlier verify and kept "
                    "elsewhere; fails if that record is gone or changed");
  audit->add_option("--limit", a->limit, "Newest N records (1 to 1000)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  audit->add_option("--before", a->before,
                    "Only records older than this SEQ (page back from an earlier list)");
  audit->add_option("--actor", a->actor, "Only this actor, e.g. local:alice or token:3(ci)");
  audit->add_option("--action", a->action, "Only actions starting with this, e.g. branch.");
  audit->add_option("--target", a->target, "Only this target, e.g. a branch name");
  audit->callback([&g, a, exit_code] { *exit_code = RunAudit(g, *a); });

  auto* cost = app.add_subcommand("cost", "What branches cost: storage and running time");
  cost->add_option("--by", a->by, "Group by branch, owner or label")->capture_default_str();
  cost->add_option("--label", a->label, "With --by label: group by this label key");
  cost->callback([&g, a, exit_code] { *exit_code = RunCost(g, *a); });
}

}  // namespace spur::cli
