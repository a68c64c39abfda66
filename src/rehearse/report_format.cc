#include "rehearse/report_format.h"

#include <cctype>
#include <cstdio>

#include "common/units.h"

namespace spur::rehearse {
namespace {

std::string Ms(double ms) {
  char buf[32];
  if (ms < 1000) {
    std::snprintf(buf, sizeof buf, "%.0f ms", ms);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f s", ms / 1000);
  }
  return buf;
}

std::string Bytes(int64_t b) { return b < 0 ? "-" : FormatBytes(static_cast<uint64_t>(b)); }

// The statement's first line, cut to `width` characters.
std::string Short(const std::string& text, size_t width = 60) {
  std::string s = text.substr(0, text.find('\n'));
  if (s.size() > width) s = s.substr(0, width - 3) + "...";
  if (s.size() < text.size() && s.find("...") == std::string::npos) s += " ...";
  return s;
}

// BEGIN, COMMIT and the like: whether they ran "in a transaction" says nothing.
bool IsTransactionControl(const std::string& sql) {
  std::string word;
  for (char c : sql) {
    if (!std::isalpha(static_cast<unsigned char>(c))) break;
    word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return word == "begin" || word == "start" || word == "commit" || word == "end" ||
         word == "rollback" || word == "abort" || word == "savepoint" || word == "release";
}

// A Markdown table cell: no column break, no code span break.
std::string Cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '`' || c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

nlohmann::json ChangeJson(const RelationChange& c) {
  nlohmann::json j = {{"relation", c.relation}, {"kind", c.kind}, {"rewritten", c.rewritten}};
  j["bytes_before"] = c.bytes_before >= 0 ? nlohmann::json(c.bytes_before) : nullptr;
  j["bytes_after"] = c.bytes_after >= 0 ? nlohmann::json(c.bytes_after) : nullptr;
  return j;
}

std::string Verdict(const Report& r, const std::vector<Finding>& findings) {
  if (!findings.empty()) {
    return std::to_string(findings.size()) + " guardrail" + (findings.size() == 1 ? "" : "s") +
           " fired";
  }
  return r.completed ? "no guardrail fired" : "did not complete";
}

}  // namespace

nlohmann::json ReportJson(const RehearsalContext& ctx, const Report& r,
                          const std::vector<Finding>& findings) {
  nlohmann::json j;
  j["branch"] = ctx.branch;
  j["against"] = ctx.against;
  j["role"] = r.role;
  j["completed"] = r.completed;
  j["timed_out"] = r.timed_out;
  j["failure"] = r.failure;
  j["seconds"] = {{"migration", r.total_ms / 1000},
                  {"copy_setup", ctx.setup_ms / 1000},
                  {"copy_teardown", ctx.teardown_ms / 1000}};
  j["wal_bytes"] = r.wal_bytes;
  j["sample_interval_ms"] = r.interval_ms;
  j["max_sample_gap_ms"] = r.max_sample_gap_ms;
  j["statements"] = nlohmann::json::array();
  for (const StatementFacts& s : r.statements) {
    nlohmann::json st = {{"index", s.index + 1},
                         {"line", s.line},
                         {"sql", s.text},
                         {"ran", s.ran},
                         {"ms", s.ms},
                         {"start_ms", s.start_ms},
                         {"in_transaction", s.in_transaction}};
    st["error"] = s.error.empty() ? nullptr : nlohmann::json(s.error);
    st["wal_bytes"] = s.wal_bytes >= 0 ? nlohmann::json(s.wal_bytes) : nullptr;
    st["rewrites"] = nlohmann::json::array();
    for (const RelationChange& c : s.rewrites) st["rewrites"].push_back(ChangeJson(c));
    st["locks"] = nlohmann::json::array();
    for (const LockSpan& l : r.locks) {
      if (l.statement != s.index) continue;
      st["locks"].push_back({{"relation", l.relation},
                             {"mode", l.mode},
                             {"first_ms", l.first_ms},
                             {"held_ms", l.held_ms()}});
    }
    j["statements"].push_back(std::move(st));
  }
  j["probes"] = nlohmann::json::array();
  for (const ProbeResult& p : r.probes) {
    nlohmann::json pj = {{"relation", p.relation},
                         {"reads", p.reads},
                         {"read_max_ms", p.read_max_ms},
                         {"read_p99_ms", p.read_p99_ms},
                         {"errors", p.errors}};
    if (p.write_probed) {
      pj["writes"] = p.writes;
      pj["write_max_ms"] = p.write_max_ms;
      pj["write_p99_ms"] = p.write_p99_ms;
    }
    j["probes"].push_back(std::move(pj));
  }
  j["relations"] = nlohmann::json::array();
  for (const RelationChange& c : r.relations) j["relations"].push_back(ChangeJson(c));
  j["dropped"] = nlohmann::json::array();
  for (const DroppedData& d : r.dropped) {
    j["dropped"].push_back({{"relation", d.relation},
                            {"column", d.column.empty() ? nullptr : nlohmann::json(d.column)},
                            {"rows", d.rows}});
  }
  j["plans"] = nlohmann::json::array();
  for (const PlanComparison& p : r.plans) {
    auto side = [](const QueryPlan& q) {
      nlohmann::json s = {{"cost", q.cost}, {"shape", q.shape}};
      s["error"] = q.error.empty() ? nullptr : nlohmann::json(q.error);
      return s;
    };
    j["plans"].push_back({{"index", p.index + 1},
                          {"line", p.line},
                          {"query", p.query},
                          {"before", side(p.before)},
                          {"after", side(p.after)},
                          {"cost_ratio", p.cost_ratio()},
                          {"lost", p.lost},
                          {"gained", p.gained}});
  }
  j["invalid_indexes"] = r.invalid_indexes;
  j["unvalidated_constraints"] = r.unvalidated_constraints;
  j["findings"] = nlohmann::json::array();
  for (const Finding& f : findings) j["findings"].push_back({{"rule", f.rule}, {"fact", f.fact}});
  j["verdict"] = Verdict(r, findings);
  return j;
}

std::string ReportText(const RehearsalContext& ctx, const Report& r,
                       const std::vector<Finding>& findings) {
  std::string out = "rehearsal" + (ctx.branch.empty() ? "" : " of " + ctx.branch) +
                    " on a copy of " + ctx.against + ": " + Verdict(r, findings) + "\n";
  out += "  migration " + Ms(r.total_ms) + ", WAL " + Bytes(r.wal_bytes) + "; copy made in " +
         Ms(ctx.setup_ms) + ", removed in " + Ms(ctx.teardown_ms) + "\n";
  if (!r.failure.empty()) out += "  " + r.failure + "\n";
  out += "\n";
  for (const StatementFacts& s : r.statements) {
    char head[96];
    std::snprintf(head, sizeof head, "%3zu  line %-5zu %10s  ", s.index + 1, s.line,
                  s.ran ? Ms(s.ms).c_str() : "not run");
    const bool tagged = s.ran && !s.in_transaction && !IsTransactionControl(s.text);
    out += head + Short(s.text) + (tagged ? "  [own transaction]" : "") + "\n";
    if (!s.error.empty()) out += "       error: " + s.error + "\n";
    for (const LockSpan& l : r.locks) {
      if (l.statement != s.index) continue;
      out += "       lock " + l.mode + " on " + l.relation + " held " + Ms(l.held_ms()) + "\n";
    }
    for (const RelationChange& c : s.rewrites) {
      out += "       rewrote " + c.kind + " " + c.relation + ": " + Bytes(c.bytes_before) + " -> " +
             Bytes(c.bytes_after) + "\n";
    }
  }
  if (!r.probes.empty()) {
    out += "\nwhat concurrent traffic felt (longest wait of a probe):\n";
    for (const ProbeResult& p : r.probes) {
      out += "  " + p.relation + ": reads " + Ms(p.read_max_ms) +
             (p.write_probed ? ", writes " + Ms(p.write_max_ms) : "") + "\n";
    }
  }
  if (!r.plans.empty()) {
    out += "\nquery plans (cost before -> after):\n";
    for (const PlanComparison& p : r.plans) {
      char cost[96];
      std::snprintf(cost, sizeof cost, "%.1f -> %.1f", p.before.cost, p.after.cost);
      out += "  " + std::to_string(p.index + 1) + "  " + Short(p.query, 50) + ": " +
             (p.after.error.empty() ? std::string(cost) : "fails: " + p.after.error) + "\n";
      for (const std::string& l : p.lost) out += "       - " + l + "\n";
      for (const std::string& g : p.gained) out += "       + " + g + "\n";
    }
  }
  if (!r.relations.empty()) {
    out += "\nstorage changes:\n";
    for (const RelationChange& c : r.relations) {
      out += "  " + c.kind + " " + c.relation + ": " + Bytes(c.bytes_before) + " -> " +
             Bytes(c.bytes_after) + (c.rewritten ? " (rewritten)" : "") + "\n";
    }
  }
  for (const std::string& i : r.invalid_indexes) out += "invalid index left: " + i + "\n";
  for (const std::string& c : r.unvalidated_constraints) {
    out += "constraint left NOT VALID: " + c + "\n";
  }
  if (!findings.empty()) {
    out += "\nguardrails:\n";
    for (const Finding& f : findings) out += "  [" + f.rule + "] " + f.fact + "\n";
  }
  return out;
}

std::string ReportMarkdown(const RehearsalContext& ctx, const Report& r,
                           const std::vector<Finding>& findings) {
  std::string out = "### Migration rehearsal on a copy of `" + ctx.against +
                    "`: " + Verdict(r, findings) + "\n\n";
  out += "Migration " + Ms(r.total_ms) + ", WAL " + Bytes(r.wal_bytes) + ".";
  if (!r.failure.empty()) out += " **" + r.failure + "**";
  out += "\n\n";
  if (!findings.empty()) {
    for (const Finding& f : findings) out += "- :x: **" + f.rule + "**: " + Cell(f.fact) + "\n";
    out += "\n";
  }
  out += "| # | line | time | statement | locks held | rewrites |\n|---:|---:|---:|---|---|---|\n";
  for (const StatementFacts& s : r.statements) {
    std::string locks, rewrites;
    for (const LockSpan& l : r.locks) {
      if (l.statement == s.index) {
        locks +=
            (locks.empty() ? "" : "<br>") + l.mode + " " + Cell(l.relation) + " " + Ms(l.held_ms());
      }
    }
    for (const RelationChange& c : s.rewrites) {
      rewrites += (rewrites.empty() ? "" : "<br>") + Cell(c.relation) + " " + Bytes(c.bytes_after);
    }
    const std::string sql = Cell(Short(s.text));
    out += "| " + std::to_string(s.index + 1) + " | " + std::to_string(s.line) + " | " +
           (s.ran ? Ms(s.ms) : "not run") + " | `" + sql + "` | " + locks + " | " + rewrites +
           " |\n";
  }
  if (!r.plans.empty()) {
    out += "\n| query | cost before | cost after | plan change |\n|---|---:|---:|---|\n";
    for (const PlanComparison& p : r.plans) {
      char before[32], after[32];
      std::snprintf(before, sizeof before, "%.1f", p.before.cost);
      std::snprintf(after, sizeof after, "%.1f", p.after.cost);
      std::string change;
      for (const std::string& l : p.lost) change += (change.empty() ? "" : "<br>") + ("- " + l);
      for (const std::string& g : p.gained) change += (change.empty() ? "" : "<br>") + ("+ " + g);
      out += "| `" + Cell(Short(p.query, 50)) + "` | " + before + " | " +
             (p.after.error.empty() ? std::string(after) : "fails") + " | " + Cell(change) + " |\n";
    }
  }
  if (!r.probes.empty()) {
    out += "\n| table | reads waited | writes waited |\n|---|---:|---:|\n";
    for (const ProbeResult& p : r.probes) {
      out += "| " + Cell(p.relation) + " | " + Ms(p.read_max_ms) + " | " +
             (p.write_probed ? Ms(p.write_max_ms) : "-") + " |\n";
    }
  }
  return out;
}

}  // namespace spur::rehearse
