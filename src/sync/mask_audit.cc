#include "sync/mask_audit.h"

#include <set>

#include "mask/dictionaries.h"
#include "mask/pii.h"
#include "mask/scanner.h"
#include "pg/schema.h"
#include "sync/plan.h"

namespace spur::sync {
namespace {

// Values made only of digits need this many digits to count as evidence.
constexpr size_t kMinDigits = 8;

// Types whose values sit in postgres's files as their text bytes.
bool StoredAsText(const std::string& base_type) {
  static const std::set<std::string> kText = {"text", "varchar", "bpchar", "citext",
                                              "name", "json",    "jsonb"};
  return kText.count(base_type) > 0;
}

// Our json path ("$.a[*].b", "$.a[\"x\"]") as a PostgreSQL jsonpath.
std::string JsonPath(const std::string& path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path.compare(i, 2, "[\"") == 0) {
      size_t end = path.find("\"]", i + 2);
      if (end == std::string::npos) return path;
      out += ".\"" + path.substr(i + 2, end - i - 2) + "\"";
      i = end + 1;
    } else {
      out += path[i];
    }
  }
  return out;
}

struct Target {
  std::string table, column, type, base_type;
  std::vector<std::string> json_paths;  // sample these inside json instead of the whole value
};

std::vector<Target> Targets(const pg::Schema& schema, const nlohmann::json& mask) {
  std::map<std::pair<std::string, std::string>, Target> out;
  for (const auto& t : schema.tables) {
    if (!t.leaf()) continue;
    for (const auto& c : t.columns) {
      nlohmann::json rule;
      if (mask.contains(t.qualified) && mask[t.qualified].contains(c.name)) {
        rule = mask[t.qualified][c.name];
      }
      bool personal = mask::PersonalCategory(c.name, c.base_type).has_value();
      if (rule.is_null() && !personal) continue;
      Target target{t.qualified, c.name, c.type, c.base_type, {}};
      if (rule.is_object() && rule.contains("paths")) {
        for (const auto& [path, kind] : rule["paths"].items()) {
          if (kind != "keep") target.json_paths.push_back(JsonPath(path));
        }
      }
      out[{t.qualified, c.name}] = target;
    }
  }
  std::vector<Target> v;
  for (auto& [k, t] : out) v.push_back(std::move(t));
  return v;
}

Result<std::vector<std::string>> Sample(pg::Connection& conn, const Target& t, int n) {
  std::string col = QuoteIdent(t.column);
  std::string limit = " ORDER BY random() LIMIT " + std::to_string(n);
  std::vector<std::string> sqls;
  if (t.json_paths.empty()) {
    sqls.push_back("SELECT DISTINCT " + col + "::text FROM " + t.table + " WHERE " + col +
                   " IS NOT NULL");
  }
  for (const auto& p : t.json_paths) {
    sqls.push_back("SELECT DISTINCT v FROM (SELECT jsonb_path_query(" + col + "::jsonb, " +
                   conn.QuoteLiteral(p) + ") #>> '{}' AS v FROM " + t.table +
                   ") s WHERE v IS NOT NULL");
  }
  std::vector<std::string> values;
  for (const auto& sql : sqls) {
    ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT * FROM (" + sql + ") d" + limit));
    for (const auto& r : rows) {
      if (r[0]) values.push_back(*r[0]);
    }
  }
  return values;
}

// Digits (with separators) are weak evidence: a 5-digit postcode turns up by
// chance in binary data, and a masked value may be another row's original.
bool TooWeak(const std::string& v, size_t min_length) {
  if (v.size() < min_length) return true;
  size_t digits = 0;
  for (char c : v) {
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c != ' ' && c != '-' && c != '+' && c != '.' && c != '(' && c != ')') {
      return false;
    }
  }
  return digits < kMinDigits;
}

}  // namespace

Result<nlohmann::json> CheckMask(const std::string& source_url, const mask::MaskConfig& config,
                                 const mask::MaskKey& key) {
  ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(source_url));
  ASSIGN_OR_RETURN(pg::Schema schema, pg::ReadSchema(conn));
  nlohmann::json out = {{"unruled", nlohmann::json::array()}, {"error", ""}};
  auto unruled = FindUnruledColumns(schema, config);
  for (const auto& u : unruled) {
    out["unruled"].push_back({{"table", u.table}, {"column", u.column}, {"category", u.category}});
  }
  auto plan = BuildPlan(schema, &config, key);
  int masked = 0;
  if (plan.ok()) {
    for (const auto& [t, cols] : plan->mask.items()) masked += static_cast<int>(cols.size());
  } else {
    out["error"] = plan.status().message();
  }
  out["masked_columns"] = masked;
  out["strict"] = mask::StrictnessName(config.strict);
  out["ok"] = unruled.empty() && plan.ok();
  return out;
}

Result<nlohmann::json> VerifySnapshot(engine::Pool& pool, const VerifyOptions& o) {
  ASSIGN_OR_RETURN(catalog::SyncRun run, pool.store().SyncRunForSnapshot(o.snapshot));
  ASSIGN_OR_RETURN(catalog::Snapshot snap, pool.store().GetSnapshot(o.snapshot));
  if (!snap.has_data) {
    return FailedPrecondition("snapshot \"" + o.snapshot + "\" keeps no data of its own");
  }
  nlohmann::json mask = nlohmann::json::parse(run.mask.empty() ? "{}" : run.mask, nullptr, false);
  if (mask.is_discarded()) mask = nlohmann::json::object();
  ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(o.source_url));
  RETURN_IF_ERROR(conn.Exec("SET DateStyle = ISO, YMD; SET extra_float_digits = 3"));
  ASSIGN_OR_RETURN(pg::Schema schema, pg::ReadSchema(conn));
  std::vector<mask::Needle> needles;
  nlohmann::json columns = nlohmann::json::array();
  for (const auto& t : Targets(schema, mask)) {
    nlohmann::json c = {{"table", t.table}, {"column", t.column}};
    if (!StoredAsText(t.base_type)) {
      c["skipped_reason"] = "stored in binary (" + t.type + "); not searchable as text";
      columns.push_back(c);
      continue;
    }
    ASSIGN_OR_RETURN(auto values, Sample(conn, t, o.sample));
    int used = 0, skipped = 0;
    for (auto& v : values) {
      if (TooWeak(v, o.min_length) || mask::InsideDictionaryWord(v)) {
        ++skipped;
        continue;
      }
      needles.push_back({std::move(v), t.table + "." + t.column});
      ++used;
    }
    c["sampled"] = used;
    c["skipped"] = skipped;
    columns.push_back(c);
  }
  mask::ScanOptions scan_options;
  scan_options.min_needle_bytes = o.min_length;
  ASSIGN_OR_RETURN(
      mask::ScanReport report,
      mask::ScanDataDirectory(pool.layout().SnapshotData(snap.id), needles, scan_options));
  std::map<std::string, uint64_t> found;
  for (const auto& leak : report.leaks) found[leak.column] += leak.hits;
  for (auto& c : columns) {
    c["found"] = found[c["table"].get<std::string>() + "." + c["column"].get<std::string>()];
  }
  return nlohmann::json{{"snapshot", o.snapshot},  {"masked_sync", run.masked},
                        {"columns", columns},      {"values_searched", needles.size()},
                        {"scan", report.ToJson()}, {"clean", report.clean()}};
}

}  // namespace spur::sync
