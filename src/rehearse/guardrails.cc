#include "rehearse/guardrails.h"

#include <cstdio>
#include <map>

#include "common/units.h"

namespace spur::rehearse {
namespace {

std::string Seconds(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", ms / 1000);
  return buf;
}

// Longest blocked time per table, from probes, else from the locks held.
struct Blocked {
  double ms = 0;
  std::string how;  // "probed" or the lock mode
};

std::map<std::string, Blocked> BlockedByTable(const Report& r, bool writes) {
  std::map<std::string, Blocked> out;
  for (const ProbeResult& p : r.probes) {
    if (writes && !p.write_probed) continue;
    out[p.relation] = Blocked{writes ? p.write_max_ms : p.read_max_ms, "probed"};
  }
  for (const LockSpan& l : r.locks) {
    if (!(writes ? BlocksWrites(l.mode) : BlocksReads(l.mode))) continue;
    if (l.kind != 'r' && l.kind != 'p' && l.kind != 'm') continue;  // tables are what traffic names
    bool probed = false;
    for (const ProbeResult& p : r.probes) probed = probed || p.relation == l.relation;
    if (probed) continue;
    Blocked& b = out[l.relation];
    if (l.held_ms() > b.ms) b = Blocked{l.held_ms(), l.mode + " held"};
  }
  return out;
}

void BlockRule(const Report& r, bool writes, double limit, std::vector<Finding>& out) {
  for (const auto& [table, b] : BlockedByTable(r, writes)) {
    if (b.ms <= limit) continue;
    out.push_back({writes ? "write_block" : "read_block",
                   std::string(writes ? "writes to " : "reads of ") + table + " blocked for " +
                       Seconds(b.ms) + (b.how == "probed" ? "" : " (" + b.how + ")") + ", limit " +
                       Seconds(limit)});
  }
}

}  // namespace

bool BlocksWrites(const std::string& mode) {
  return mode == "ShareLock" || mode == "ShareRowExclusiveLock" || mode == "ExclusiveLock" ||
         mode == "AccessExclusiveLock";
}

bool BlocksReads(const std::string& mode) { return mode == "AccessExclusiveLock"; }

std::vector<Finding> Judge(const Report& r, const Guardrails& rules) {
  std::vector<Finding> out;
  if (r.timed_out) {
    out.push_back({"timeout", r.failure});
  } else if (!r.completed) {
    out.push_back({"failed", r.failure});
  }
  BlockRule(r, /*writes=*/true, rules.max_write_block_ms, out);
  BlockRule(r, /*writes=*/false, rules.max_read_block_ms, out);
  for (const StatementFacts& s : r.statements) {
    for (const RelationChange& c : s.rewrites) {
      if (c.bytes_after <= rules.max_rewrite_bytes) continue;
      out.push_back({"rewrite", "statement " + std::to_string(s.index + 1) + " (line " +
                                    std::to_string(s.line) + ") rewrote " + c.kind + " " +
                                    c.relation + " into " + FormatBytes(c.bytes_after) +
                                    ", limit " + FormatBytes(rules.max_rewrite_bytes)});
    }
  }
  for (const PlanComparison& p : r.plans) {
    const std::string which =
        "query " + std::to_string(p.index + 1) + " (line " + std::to_string(p.line) + ")";
    if (p.before.error.empty() && !p.after.error.empty()) {
      out.push_back({"query_broken", which + " no longer plans: " + p.after.error});
    } else if (p.cost_ratio() > rules.max_plan_regression) {
      char buf[160];
      std::snprintf(buf, sizeof buf, " costs %.0fx more (%.1f -> %.1f), limit %gx", p.cost_ratio(),
                    p.before.cost, p.after.cost, rules.max_plan_regression);
      std::string shape;
      for (const std::string& g : p.gained) shape += (shape.empty() ? "; now " : ", ") + g;
      out.push_back({"plan_regression", which + buf + shape});
    }
  }
  for (const std::string& i : r.invalid_indexes) {
    out.push_back({"invalid_index", "index " + i + " is left invalid"});
  }
  for (const DroppedData& d : r.dropped) {
    const std::string what = d.column.empty() ? d.relation : d.relation + "." + d.column;
    if (rules.allow_drop.count(what)) continue;
    const std::string rows =
        d.rows >= 0 ? "~" + std::to_string(static_cast<int64_t>(d.rows)) + " rows" : "data";
    out.push_back({"data_loss", (d.column.empty() ? "table " : "column ") + what +
                                    " dropped with " + rows + "; allow it with allow_drop: [" +
                                    what + "] in .spur.yaml"});
  }
  return out;
}

}  // namespace spur::rehearse
