#include "pr/comment.h"

#include <nlohmann/json.hpp>

#include "engine/options.h"

namespace spur::pr {
namespace {

// The JSON diff's parts the comment shows.
hooks::DiffSummary Summarise(const engine::DiffOutput& out) {
  hooks::DiffSummary d;
  const nlohmann::json& j = out.json;
  d.against = out.from;
  if (j.contains("schema")) {
    for (const auto& s : j["schema"]["statements"]) {
      hooks::DiffSummary::Statement statement{s.value("sql", ""), {}};
      for (const auto& h : s["hazards"]) statement.hazards.push_back(h.get<std::string>());
      d.statements.push_back(std::move(statement));
    }
  }
  if (j.contains("data")) {
    for (const auto& t : j["data"]["tables"]) {
      hooks::DiffSummary::Table row{t.value("table", ""), t.value("inserted", int64_t{0}),
                                    t.value("deleted", int64_t{0}), t.value("updated", int64_t{0})};
      if (row.inserted + row.deleted + row.updated > 0) d.tables.push_back(std::move(row));
    }
    d.sequences =
        static_cast<int64_t>(j["data"].value("sequences", nlohmann::json::array()).size());
  }
  return d;
}

}  // namespace

hooks::DiffSummary DiffForComment(const engine::WithPool& with_pool, const std::string& branch) {
  engine::DiffRequest r;
  r.branch = branch;
  r.format = "json";
  r.max_rows = 1;  // counts are exact whatever is kept
  Status checked = engine::CheckDiffRequest(r);
  Result<engine::DiffOutput> out =
      checked.ok() ? engine::RunDiff(r, with_pool) : Result<engine::DiffOutput>(checked);
  if (!out.ok()) {
    hooks::DiffSummary d;
    d.error = out.status().message();
    return d;
  }
  return Summarise(*out);
}

Result<std::string> BuildComment(engine::Pool& pool, const std::string& branch,
                                 const std::optional<hooks::DiffSummary>& diff) {
  ASSIGN_OR_RETURN(auto pr, pool.store().PullRequestForBranch(branch));
  if (!pr) {
    return NotFound("branch \"" + branch + "\" does not belong to a pull request");
  }
  ASSIGN_OR_RETURN(auto info, pool.ShowBranch(branch, false));
  ASSIGN_OR_RETURN(auto options, engine::LoadOptions(pool.store()));
  ASSIGN_OR_RETURN(auto cost,
                   pool.CostOf(branch, options.price_gib_month, options.price_running_hour));
  hooks::CommentInput in;
  in.repo = pr->repo;
  in.pr = pr->number;
  in.branch = branch;
  in.state = info.running ? "running" : "stopped";
  in.host = pool.config().advertise_host;
  in.port = info.branch.port;
  in.database = info.branch.database;
  in.role = info.branch.role;
  in.exclusive_bytes = cost.exclusive_bytes;
  in.cost_estimate_month = cost.month_estimate;
  in.currency = options.currency;
  in.expires_at = info.branch.expires_at;
  in.now = pool.clock().NowSeconds();
  auto m = nlohmann::json::parse(pr->migration, nullptr, false);
  if (m.is_object() && m.contains("command")) {
    in.migration = hooks::MigrationResult{m.value("command", ""), m.value("exit_code", -1),
                                          m.value("seconds", 0.0), m.value("output_tail", "")};
  }
  in.diff = diff;
  return hooks::BuildPrComment(in);
}

}  // namespace spur::pr
