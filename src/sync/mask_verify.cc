#include "sync/mask_verify.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/stopwatch.h"
#include "common/string_interner.h"
#include "mask/aho_corasick.h"
#include "mask/config.h"
#include "mask/dictionaries.h"
#include "mask/pii.h"
#include "mask/scanner.h"
#include "pg/array_text.h"
#include "pg/copy_stream.h"
#include "pg/copy_text.h"
#include "pg/schema.h"
#include "sync/plan.h"
#include "sync/schema_text.h"

namespace spur::sync {
namespace {

using Json = nlohmann::json;

// Values made only of digits need this many digits to count as evidence.
constexpr size_t kMinDigits = 8;
// Rows whose source value decides (collision or leak) are looked up in the
// source together, kRowCheckBatch keys per query: memory stays bounded and
// every found value is checked, however many there are.
constexpr size_t kRowCheckBatch = 100000;

struct Column {
  std::string name, base_type;  // base_type: pg_type.typname, domains resolved
};

struct Relation {
  std::string qualified;  // quote_ident(schema) || '.' || quote_ident(name)
  char kind = 'r';        // 'r' table, 'm' materialized view
  std::vector<Column> columns;
  std::vector<std::string> key;  // primary key columns, empty when none
};

// Every relation that holds rows, in user schemas, not owned by an extension:
// tables (leaf partitions and inheritance children each on their own) and
// materialized views.
Result<std::vector<Relation>> ReadRelations(pg::Connection& conn) {
  ASSIGN_OR_RETURN(auto rows, conn.Query(R"(
    WITH RECURSIVE domain_base(start, cur) AS (
      SELECT oid, typbasetype FROM pg_type WHERE typtype = 'd'
      UNION ALL
      SELECT d.start, t.typbasetype FROM domain_base d JOIN pg_type t ON t.oid = d.cur
      WHERE t.typtype = 'd')
    SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind, a.attname,
           coalesce((SELECT bt.typname FROM domain_base d JOIN pg_type bt ON bt.oid = d.cur
                      WHERE d.start = a.atttypid AND bt.typtype <> 'd'), t.typname),
           EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p'
                     AND a.attnum = ANY (k.conkey)),
           (SELECT array_position(k.conkey, a.attnum) FROM pg_constraint k
             WHERE k.conrelid = c.oid AND k.contype = 'p')
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    JOIN pg_type t ON t.oid = a.atttypid
    WHERE c.relkind IN ('r', 'm')
      AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                        AND d.objid = c.oid AND d.deptype = 'e')
    ORDER BY n.nspname COLLATE "C", c.relname COLLATE "C", a.attnum)"));
  std::vector<Relation> out;
  std::map<std::string, std::map<int, std::string>> keys;
  for (const pg::Row& r : rows) {
    const std::string& name = *r[0];
    if (out.empty() || out.back().qualified != name) {
      out.push_back(Relation{name, (*r[1])[0], {}, {}});
    }
    out.back().columns.push_back(Column{*r[2], *r[3]});
    if (*r[4] == "t" && r[5]) keys[name][std::stoi(*r[5])] = *r[2];
  }
  for (Relation& rel : out) {
    for (const auto& [pos, col] : keys[rel.qualified]) rel.key.push_back(col);
  }
  return out;
}

// "row(a, b)::text": a relation's primary key as one comparable text value;
// `alias` qualifies the columns ("s." reads them from the relation named s).
std::string KeySql(const Relation& rel, const std::string& alias = "") {
  std::string key = "row(";
  for (size_t i = 0; i < rel.key.size(); ++i) {
    key += (i ? ", " : "") + alias + pg::QuoteIdent(rel.key[i]);
  }
  return key + ")::text";
}

bool IsDictionaryRule(const std::string& rule) {
  return rule == "first_name" || rule == "last_name" || rule == "full_name" || rule == "city" ||
         rule == "street";
}

// How verify treats one column, from the sync's applied rules.
struct ColumnPlan {
  bool searched = false;           // masked, or unruled where the strictness asks about it
  bool dictionary = false;         // its rule (or a json path's) is a dictionary rule
  std::vector<std::string> paths;  // json rule paths (masked ones), as jsonpath
};

// Our json path ("$.a[*].b", "$[\"x\"]") as a PostgreSQL jsonpath.
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

ColumnPlan PlanFor(const Json& mask, const std::string& strict, const Relation& rel,
                   const Column& c) {
  ColumnPlan p;
  const Json* rule = nullptr;
  if (mask.contains(rel.qualified) && mask[rel.qualified].contains(c.name)) {
    rule = &mask[rel.qualified][c.name];
  }
  if (rule == nullptr) {
    // Not in the applied rules: kept, or (strict guess/off) unruled. Under
    // strict all every column of a copied table had a rule, so it was kept.
    // Materialized views are never ruled: searched where they look personal.
    const bool personal = mask::PersonalCategory(c.name, c.base_type).has_value();
    p.searched = personal && (rel.kind == 'm' || strict != "all");
    return p;
  }
  const std::string kind = rule->value("rule", "");
  if (kind == "keep") return p;
  p.searched = true;
  p.dictionary = IsDictionaryRule(kind);
  if (rule->contains("paths")) {
    for (const auto& [path, sub] : (*rule)["paths"].items()) {
      if (sub == "keep") continue;
      p.paths.push_back(JsonPath(path));
      p.dictionary = p.dictionary || (sub.is_string() && IsDictionaryRule(sub));
    }
  }
  return p;
}

// Digits (with separators) are weak evidence: a 5-digit postcode turns up by
// chance, and a masked value may be another row's original.
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

bool IsJson(const std::string& t) { return t == "json" || t == "jsonb"; }
bool IsArray(const std::string& t) { return t.starts_with("_"); }

// The SQL listing the distinct searchable values of one column: JSON leaves
// (under the masked paths, or all), array elements, or the value as text.
std::string ValuesSql(pg::Connection& conn, const Relation& rel, const Column& c,
                      const ColumnPlan& p) {
  const std::string col = pg::QuoteIdent(c.name);
  const std::string from = " FROM ONLY " + rel.qualified;
  std::vector<std::string> parts;
  if (IsJson(c.base_type)) {
    std::vector<std::string> paths = p.paths.empty() ? std::vector<std::string>{"$"} : p.paths;
    for (const std::string& path : paths) {
      const std::string leaves = path + ".** ? (@.type() == \"string\" || @.type() == \"number\")";
      parts.push_back("SELECT jsonb_path_query(" + col + "::jsonb, " + conn.QuoteLiteral(leaves) +
                      ") #>> '{}' AS v" + from);
    }
  } else if (IsArray(c.base_type)) {
    parts.push_back("SELECT e::text AS v" + from + ", unnest(" + col + ") AS e");
  } else {
    parts.push_back("SELECT " + col + "::text AS v" + from);
  }
  std::string sql;
  for (const std::string& part : parts) sql += (sql.empty() ? "" : " UNION ALL ") + part;
  return "SELECT DISTINCT v FROM (" + sql + ") s WHERE v IS NOT NULL";
}

// Every original searched for, once each, named by its id in `strings`
// (with --sample all there are millions).
struct Needles {
  StringInterner strings;
  std::vector<bool> dictionary;  // a dictionary rule could output it
  uint32_t Add(std::string_view v) {
    const size_t before = strings.size();
    const uint32_t id = strings.Intern(v);
    if (strings.size() > before) {
      dictionary.push_back(mask::IsDictionaryOutput(v) || mask::InsideDictionaryWord(v));
    }
    return id;
  }
  size_t size() const { return strings.size(); }
};

struct Found {
  uint64_t leaks = 0, collisions = 0, unchecked = 0;
  std::vector<std::string> examples;
};

// Scalar leaves of a JSON document (strings as their text, numbers as
// written), without recursion (SAX).
class Leaves : public nlohmann::json_sax<Json> {
 public:
  explicit Leaves(std::vector<std::string>& out) : out_(out) {}
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t v) override { return Add(std::to_string(v)); }
  bool number_unsigned(number_unsigned_t v) override { return Add(std::to_string(v)); }
  bool number_float(number_float_t, const string_t& s) override { return Add(s); }
  bool string(string_t& s) override { return Add(s); }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  bool Add(std::string s) {
    out_.push_back(std::move(s));
    return true;
  }
  std::vector<std::string>& out_;
};

// The whole value, then its JSON leaves or array elements.
void Atoms(const std::string& value, const std::string& base_type,
           std::vector<std::string>& atoms) {
  atoms.clear();
  atoms.push_back(value);
  if (IsJson(base_type)) {
    Leaves sax(atoms);
    Json::sax_parse(value, &sax, Json::input_format_t::json, false);
  } else if (IsArray(base_type)) {
    if (auto elements = pg::array_text::Elements(value); elements.ok()) {
      for (auto& e : *elements) {
        if (e) atoms.push_back(std::move(*e));
      }
    }
  }
}

// The sync's rules replayed: (relation, column) -> the transformer it ran.
class Replay {
 public:
  // Empty when the run recorded no rules or no key is given.
  static Result<Replay> Build(const Json& run_report, const std::optional<mask::MaskKey>& key,
                              pg::Connection& source) {
    Replay r;
    if (!key || !run_report.is_object() || !run_report.contains("mask_config") ||
        !run_report["mask_config"].is_object()) {
      return r;
    }
    ASSIGN_OR_RETURN(mask::MaskConfig config,
                     mask::ParseMaskConfig(run_report["mask_config"].dump()));
    ASSIGN_OR_RETURN(pg::Schema schema, pg::ReadSchema(source));
    r.schema_ = std::make_unique<pg::Schema>(std::move(schema));
    ASSIGN_OR_RETURN(Plan plan, BuildPlan(*r.schema_, &config, *key));
    r.plan_ = std::make_unique<Plan>(std::move(plan));
    for (const TablePlan& tp : r.plan_->tables) {
      for (size_t i = 0; i < tp.rules.size() && i < tp.transformers.size(); ++i) {
        r.by_column_[{tp.table->qualified, tp.rules[i].column}] = tp.transformers[i].get();
      }
    }
    return r;
  }
  const mask::Transformer* Find(const std::string& relation, const std::string& column) const {
    auto it = by_column_.find({relation, column});
    return it == by_column_.end() ? nullptr : it->second;
  }

 private:
  std::unique_ptr<pg::Schema> schema_;  // the plan points into it
  std::unique_ptr<Plan> plan_;
  std::map<std::pair<std::string, std::string>, const mask::Transformer*> by_column_;
};

// Equal text forms; JSON compared as values (jsonb prints its own way).
bool SameValue(const std::string& a, const std::string& b, const std::string& base_type) {
  if (a == b) return true;
  if (!IsJson(base_type)) return false;
  Json x = Json::parse(a, nullptr, false), y = Json::parse(b, nullptr, false);
  return !x.is_discarded() && !y.is_discarded() && x == y;
}

// The type of a one-column primary key whose text form never needs quoting
// inside a row ("(7)"), so the key can be looked up through its index;
// nullopt for other keys.
std::optional<std::string> SimpleKeyType(const Relation& rel) {
  if (rel.key.size() != 1) return std::nullopt;
  for (const Column& c : rel.columns) {
    if (c.name != rel.key[0]) continue;
    static const std::set<std::string> kSimple = {"int2",    "int4", "int8",
                                                  "numeric", "uuid", "date"};
    if (kSimple.count(c.base_type)) return c.base_type;
  }
  return std::nullopt;
}

// Rows of `rel` by key, with `c` as text: $1 is an array literal of the keys
// (bare values of type `typed`, through the key's index; else row texts,
// joined against the relation in one scan).
std::string LookupSql(const Relation& rel, const Column& c,
                      const std::optional<std::string>& typed) {
  const std::string col = "s." + pg::QuoteIdent(c.name) + "::text";
  if (typed) {
    return "SELECT " + KeySql(rel, "s.") + ", " + col + " FROM ONLY " + rel.qualified +
           " s WHERE s." + pg::QuoteIdent(rel.key[0]) + " = ANY ($1::pg_catalog." + *typed + "[])";
  }
  return "SELECT k.key, " + col + " FROM unnest($1::text[]) AS k(key) JOIN ONLY " + rel.qualified +
         " s ON " + KeySql(rel, "s.") + " = k.key";
}

// One column's originals, read by whichever source connection took it.
struct SampleJob {
  std::string relation, column, sql;
  std::vector<std::string> values;  // the searchable ones (not TooWeak)
  int64_t skipped = 0;
  Status status;
};

// A connection to the source giving values the text forms the sync's COPY
// saw: ISO dates, floats in full, the source's own time zone (its default,
// the same on every connection).
Result<pg::Connection> OpenSource(const std::string& url) {
  ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(url));
  RETURN_IF_ERROR(conn.Exec("SET DateStyle = ISO, YMD; SET extra_float_digits = 3"));
  return conn;
}

class Verifier {
 public:
  Verifier(const VerifyOptions& o, pg::Connection& source, pg::Connection& branch,
           const Replay& replay)
      : o_(o), source_(source), branch_(branch), replay_(replay) {}

  // Reads the originals of every searched column from the source, the
  // columns shared between `source_` and a second connection to the source
  // (the DISTINCT of each runs in the source's own backend: two columns at a
  // time keep both cores busy). Needles are added in column order, whatever
  // finished first, so their ids do not depend on timing.
  Status Sample(const std::vector<Relation>& relations, const Json& mask, const std::string& strict,
                Json& report) {
    std::vector<SampleJob> jobs;
    for (const Relation& rel : relations) {
      for (const Column& c : rel.columns) {
        const ColumnPlan p = PlanFor(mask, strict, rel, c);
        if (!p.searched) continue;
        std::string sql = ValuesSql(source_, rel, c, p);
        if (o_.sample > 0) {
          sql =
              "SELECT v FROM (" + sql + ") d ORDER BY random() LIMIT " + std::to_string(o_.sample);
        }
        jobs.push_back({rel.qualified, c.name, std::move(sql)});
      }
    }
    std::atomic<size_t> next{0};
    auto work = [&](pg::Connection& conn) {
      for (size_t i = next++; i < jobs.size(); i = next++) ReadOriginals(conn, jobs[i]);
    };
    std::thread second;
    std::optional<pg::Connection> other;
    if (jobs.size() > 1) {
      auto opened = OpenSource(o_.source_url);
      if (opened.ok()) {
        other.emplace(std::move(opened).value());
        second = std::thread([&] { work(*other); });
      } else {
        spdlog::debug("verify: one source connection only: {}", opened.status().message());
      }
    }
    work(source_);
    if (second.joinable()) second.join();
    for (SampleJob& job : jobs) {
      RETURN_IF_ERROR(job.status);
      for (const std::string& v : job.values) needles_.Add(v);
      report.push_back({{"relation", job.relation},
                        {"column", job.column},
                        {"sampled", job.values.size()},
                        {"skipped", job.skipped}});
      std::vector<std::string>().swap(job.values);
    }
    return Status::Ok();
  }

  // Every searched column of every relation of the snapshot, row by row.
  Status Search(const std::vector<Relation>& relations, const Json& mask,
                const std::string& strict) {
    BuildSubstringSearch();
    for (const Relation& rel : relations) {
      for (const Column& c : rel.columns) {
        const ColumnPlan p = PlanFor(mask, strict, rel, c);
        if (!p.searched) continue;
        RETURN_IF_ERROR(SearchColumn(rel, c, p));
      }
    }
    return Status::Ok();
  }

  const Needles& needles() const { return needles_; }
  // True when `value` is an original that some row holds as a collision (what
  // its own rule made of its own source value): its bytes in the relation
  // files are that row's, not a leak.
  bool IsCollisionValue(const std::string& value) const {
    const std::optional<uint32_t> id = needles_.strings.Find(value);
    return id && collision_ids_.count(*id) > 0;
  }
  const std::map<std::pair<std::string, std::string>, Found>& found() const { return found_; }
  size_t substring_needles() const { return substring_ids_.size(); }

  // Needles that are not dictionary outputs, for the byte and schema passes:
  // every one when they are few enough, else an even sample of at most
  // max_byte_needles (the automaton's memory grows with their total length
  // times the distinct bytes in them: all values of a large database would
  // need tens of GB; the logical pass has already seen every row).
  std::vector<mask::Needle> ByteNeedles() const {
    std::vector<size_t> eligible;
    for (size_t i = 0; i < needles_.size(); ++i) {
      if (!needles_.dictionary[i]) eligible.push_back(i);
    }
    const size_t n = eligible.size();
    const size_t step = n > o_.max_byte_needles ? n / o_.max_byte_needles + 1 : 1;
    std::vector<mask::Needle> out;
    for (size_t k = 0; k < n; k += step) {
      out.push_back({std::string(needles_.strings.Get(eligible[k])), "sampled value"});
    }
    return out;
  }

 private:
  // Every value when they are few enough, else an even sample of them.
  void BuildSubstringSearch() {
    const size_t n = needles_.size();
    const size_t step = n > o_.max_substring_needles ? n / o_.max_substring_needles + 1 : 1;
    std::vector<std::string> patterns;
    for (size_t i = 0; i < n; i += step) {
      substring_ids_.push_back(static_cast<uint32_t>(i));
      patterns.emplace_back(needles_.strings.Get(static_cast<uint32_t>(i)));
    }
    substring_ = std::make_unique<mask::AhoCorasick>(patterns);
  }

  Status SearchColumn(const Relation& rel, const Column& c, const ColumnPlan& p) {
    const std::string key = rel.key.empty() ? "''" : KeySql(rel);
    const std::string col = pg::QuoteIdent(c.name);
    ASSIGN_OR_RETURN(pg::CopyOut out,
                     pg::CopyOut::Start(branch_, "COPY (SELECT " + key + ", " + col +
                                                     "::text FROM ONLY " + rel.qualified +
                                                     " WHERE " + col + " IS NOT NULL) TO STDOUT"));
    std::vector<std::string_view> fields;
    std::string row_key, value;
    std::vector<std::string> atoms;
    std::set<uint32_t> hit;
    for (;;) {
      std::string_view row;
      ASSIGN_OR_RETURN(bool more, out.Next(row));
      if (!more) break;
      RETURN_IF_ERROR(pg::copy_text::SplitRow(row, fields));
      if (fields.size() != 2) return Internal("verify: unexpected COPY row shape");
      row_key.clear();
      value.clear();
      pg::copy_text::Unescape(fields[0], row_key);
      pg::copy_text::Unescape(fields[1], value);
      hit.clear();
      Atoms(value, c.base_type, atoms);
      for (const std::string& atom : atoms) {
        if (auto id = needles_.strings.Find(atom)) hit.insert(*id);
      }
      substring_->Feed(value, mask::AhoCorasick::kStart,
                       [&](size_t id, size_t) { hit.insert(substring_ids_[id]); });
      for (uint32_t id : hit) Classify(rel, c, p, row_key, value, atoms, id);
      if (pending_.size() >= kRowCheckBatch) RETURN_IF_ERROR(CheckPending(rel, c));
    }
    return CheckPending(rel, c);
  }

  // A collision when the row holds what the column's rule makes of its
  // source value; else a leak (see the header). Rows whose source value
  // decides wait in pending_ for CheckPending.
  void Classify(const Relation& rel, const Column& c, const ColumnPlan& p,
                const std::string& row_key, const std::string& value,
                const std::vector<std::string>& atoms, uint32_t id) {
    Found& f = found_[{rel.qualified, c.name}];
    const mask::Transformer* rule = replay_.Find(rel.qualified, c.name);
    if (rule != nullptr && !rel.key.empty()) {
      pending_.push_back({row_key, value, id, /*replay=*/true});
      return;
    }
    bool dictionary_output = false;
    if (p.dictionary && needles_.dictionary[id]) {
      for (const std::string& atom : atoms) {
        if (atom.find(needles_.strings.Get(id)) != std::string::npos &&
            mask::IsDictionaryOutput(atom)) {
          dictionary_output = true;
        }
      }
    }
    if (!dictionary_output) {
      RecordLeak(f, Where(rel, row_key));
    } else if (rel.key.empty()) {
      ++f.unchecked;
    } else {
      pending_.push_back({row_key, value, id, /*replay=*/false});
    }
  }

  // Looks the pending rows of column `c` up in the source in one query
  // (LookupSql), and classifies them: a replayed rule that gives the row's
  // value, or a dictionary output that differs from the row's original, is
  // a collision; anything else a leak.
  Status CheckPending(const Relation& rel, const Column& c) {
    if (pending_.empty()) return Status::Ok();
    Found& f = found_[{rel.qualified, c.name}];
    const mask::Transformer* rule = replay_.Find(rel.qualified, c.name);
    const std::optional<std::string> typed = SimpleKeyType(rel);
    for (size_t from = 0; from < pending_.size(); from += kRowCheckBatch) {
      const size_t to = std::min(pending_.size(), from + kRowCheckBatch);
      std::string keys = "{";
      for (size_t i = from; i < to; ++i) {
        if (i > from) keys += ',';
        const std::string& k = pending_[i].row_key;  // "(7)": a row of the key columns
        pg::array_text::AppendElement(typed ? std::string_view(k).substr(1, k.size() - 2) : k,
                                      keys);
      }
      keys += '}';
      ASSIGN_OR_RETURN(auto rows, source_.Query(LookupSql(rel, c, typed), {keys}));
      std::unordered_map<std::string, std::optional<std::string>> originals;
      for (const pg::Row& r : rows) originals[*r[0]] = r[1];
      for (size_t i = from; i < to; ++i) {
        const PendingRow& row = pending_[i];
        auto it = originals.find(row.row_key);
        const std::optional<std::string> original =
            it == originals.end() ? std::nullopt : it->second;
        bool collision = false;
        if (row.replay) {
          std::string expected;
          bool expected_null = false;
          collision = original && rule != nullptr &&
                      rule->Apply(std::string_view(*original), expected, expected_null).ok() &&
                      !expected_null && SameValue(expected, row.value, c.base_type);
        } else {
          collision = !(original && *original == row.value);
        }
        if (collision) {
          ++f.collisions;
          collision_ids_.insert(row.id);
        } else {
          RecordLeak(f, Where(rel, row.row_key));
        }
      }
    }
    pending_.clear();
    return Status::Ok();
  }

  static std::string Where(const Relation& rel, const std::string& row_key) {
    return rel.qualified + " " + (rel.key.empty() ? "(no key)" : row_key);
  }

  void RecordLeak(Found& f, const std::string& where) const {
    ++f.leaks;
    if (f.examples.size() < static_cast<size_t>(o_.examples)) f.examples.push_back(where);
  }

  struct PendingRow {
    std::string row_key, value;
    uint32_t id = 0;      // the needle found in it
    bool replay = false;  // decided by replaying the rule; else a dictionary output
  };

  // Runs `job`'s query on `conn` and keeps its searchable values. Called
  // from two threads at once: reads only o_ and writes only `job`.
  void ReadOriginals(pg::Connection& conn, SampleJob& job) const {
    auto rows = conn.Query(job.sql);
    if (!rows.ok()) {
      job.status = rows.status();
      return;
    }
    for (const pg::Row& r : *rows) {
      if (!r[0] || TooWeak(*r[0], o_.min_length)) {
        ++job.skipped;
      } else {
        job.values.push_back(*r[0]);
      }
    }
  }

  const VerifyOptions& o_;
  pg::Connection& source_;
  pg::Connection& branch_;
  const Replay& replay_;
  Needles needles_;
  std::vector<uint32_t> substring_ids_;
  std::unique_ptr<mask::AhoCorasick> substring_;
  std::map<std::pair<std::string, std::string>, Found> found_;
  std::vector<PendingRow> pending_;  // of the column being searched, at most kRowCheckBatch
  std::unordered_set<uint32_t> collision_ids_;  // needles some row holds as its rule's output
};

// `accepted`: objects mask.yaml's `schema:` keeps as they are.
Result<Json> SearchSchemaText(pg::Connection& conn, const std::vector<mask::Needle>& needles,
                              const std::set<std::string>& accepted) {
  Json out = Json::array();
  if (needles.empty()) return out;
  std::vector<std::string> patterns;
  for (const auto& n : needles) patterns.push_back(n.bytes);
  const mask::AhoCorasick search(patterns);
  ASSIGN_OR_RETURN(std::vector<SchemaText> texts, ReadSchemaText(conn));
  for (const SchemaText& t : texts) {
    if (accepted.count(t.object) != 0) continue;
    uint64_t hits = 0;
    search.Feed(t.text, mask::AhoCorasick::kStart, [&](size_t, size_t) { ++hits; });
    if (hits > 0) out.push_back({{"object", t.object}, {"leaks", hits}});
  }
  return out;
}

// Removes from `needles` the values found in the text of `accepted` schema
// objects (their bytes are in the catalogs' files); returns how many.
Result<size_t> DropAcceptedValues(pg::Connection& conn, const std::set<std::string>& accepted,
                                  std::vector<mask::Needle>& needles) {
  if (accepted.empty() || needles.empty()) return size_t{0};
  ASSIGN_OR_RETURN(std::vector<SchemaText> texts, ReadSchemaText(conn));
  std::vector<std::string> patterns;
  for (const auto& n : needles) patterns.push_back(n.bytes);
  const mask::AhoCorasick search(patterns);
  std::vector<bool> drop(needles.size(), false);
  for (const SchemaText& t : texts) {
    if (accepted.count(t.object) == 0) continue;
    search.Feed(t.text, mask::AhoCorasick::kStart, [&](size_t id, size_t) { drop[id] = true; });
  }
  std::vector<mask::Needle> kept;
  for (size_t i = 0; i < needles.size(); ++i) {
    if (!drop[i]) kept.push_back(std::move(needles[i]));
  }
  const size_t dropped = needles.size() - kept.size();
  needles = std::move(kept);
  return dropped;
}

}  // namespace

namespace {

// What is read (a sync's snapshot, or a branch as it is now) and the sync
// run whose rules apply: the snapshot's own, or the branch's last sync.
struct Target {
  catalog::SyncRun run;
  std::string data_dir;  // scanned byte by byte
};

Result<Target> ResolveTarget(engine::Pool& pool, const std::string& name) {
  Target t;
  if (auto branch = pool.store().GetBranch(name); branch.ok()) {
    ASSIGN_OR_RETURN(std::optional<catalog::SyncRun> run, pool.store().LastDoneSyncRun(name));
    if (!run) {
      return FailedPrecondition("branch \"" + name +
                                "\" was never refreshed by `spur sync`: nothing to verify");
    }
    t.run = std::move(*run);
    t.data_dir = pool.layout().BranchData(branch->id);
    return t;
  }
  auto run = pool.store().SyncRunForSnapshot(name);
  if (!run.ok()) {
    return NotFound("\"" + name + "\" is neither a branch nor a snapshot taken by `spur sync`; " +
                    "see `spur sync --list`");
  }
  ASSIGN_OR_RETURN(catalog::Snapshot snap, pool.store().GetSnapshot(name));
  if (!snap.has_data) {
    return FailedPrecondition("snapshot \"" + name + "\" keeps no data of its own");
  }
  t.run = std::move(*run);
  t.data_dir = pool.layout().SnapshotData(snap.id);
  return t;
}

}  // namespace

Result<Json> VerifySnapshot(engine::Pool& pool, const VerifyOptions& o) {
  ASSIGN_OR_RETURN(Target target, ResolveTarget(pool, o.snapshot));
  const catalog::SyncRun& run = target.run;
  Json mask = Json::parse(run.mask.empty() ? "{}" : run.mask, nullptr, false);
  if (!mask.is_object()) mask = Json::object();
  Json run_report = Json::parse(run.report.empty() ? "{}" : run.report, nullptr, false);
  const std::string strict =
      run_report.is_object() ? run_report.value("strict", std::string("guess")) : "guess";

  // Text forms as the sync's COPY saw them: the source's own time zone on
  // both sides, ISO dates, floats in full.
  ASSIGN_OR_RETURN(pg::Connection source, OpenSource(o.source_url));
  ASSIGN_OR_RETURN(std::string time_zone, source.QueryValue("SHOW TimeZone"));
  ASSIGN_OR_RETURN(std::vector<Relation> source_relations, ReadRelations(source));
  // A source whose schema moved on since the sync (a ruled column dropped)
  // cannot replay the rules: verify still runs, telling collisions only by
  // dictionary outputs, and says so.
  Result<Replay> built = Replay::Build(run_report, o.key, source);
  Replay replay;
  std::string replay_note;
  if (!o.key) {
    replay_note = "rules not replayed: no mask key (--key-file)";
  } else if (built.ok()) {
    replay = std::move(built).value();
  } else {
    replay_note = "rules not replayed: " + built.status().message();
  }

  ASSIGN_OR_RETURN(engine::DiffSide side, pool.OpenDiffSide(o.snapshot));
  Result<Json> report = [&]() -> Result<Json> {
    ASSIGN_OR_RETURN(pg::Connection branch, pg::Connection::Open(side.Conninfo()));
    RETURN_IF_ERROR(
        branch.Exec("SET DateStyle = ISO, YMD; SET extra_float_digits = 3; SET TimeZone = " +
                    branch.QuoteLiteral(time_zone)));
    ASSIGN_OR_RETURN(std::vector<Relation> relations, ReadRelations(branch));
    Verifier v(o, source, branch, replay);
    Json sampled = Json::array();
    Stopwatch timer;
    RETURN_IF_ERROR(v.Sample(source_relations, mask, strict, sampled));
    spdlog::debug("verify: {} original values read from the source in {:.1f} s", v.needles().size(),
                  timer.LapMs() / 1000);
    std::vector<mask::Needle> byte_needles = v.ByteNeedles();
    std::set<std::string> accepted;
    if (run_report.is_object() && run_report.contains("mask_config") &&
        run_report["mask_config"].is_object() && run_report["mask_config"].contains("schema")) {
      for (const auto& [object, unused] : run_report["mask_config"]["schema"].items()) {
        accepted.insert(object);
      }
    }
    ASSIGN_OR_RETURN(Json schema, SearchSchemaText(branch, byte_needles, accepted));
    // Values in schema text mask.yaml accepts sit in the catalogs' files too.
    ASSIGN_OR_RETURN(size_t accepted_values, DropAcceptedValues(branch, accepted, byte_needles));
    spdlog::debug("verify: schema text searched in {:.1f} s", timer.LapMs() / 1000);
    mask::ScanOptions scan_options;
    scan_options.min_needle_bytes = o.min_length;
    // The raw-byte scan reads files only: it runs on a second core while the
    // row search reads the snapshot and the source.
    Result<mask::ScanReport> scanned = Internal("the byte scan did not run");
    std::thread scanner([&] {
      try {
        Stopwatch scan_timer;
        scanned = mask::ScanDataDirectory(target.data_dir, byte_needles, scan_options);
        spdlog::debug("verify: raw bytes scanned in {:.1f} s", scan_timer.LapMs() / 1000);
      } catch (const std::exception& e) {
        scanned = Internal(std::string("the byte scan failed: ") + e.what());
      }
    });
    Status searched = v.Search(relations, mask, strict);
    spdlog::debug("verify: rows searched (found values checked in the source) in {:.1f} s",
                  timer.LapMs() / 1000);
    scanner.join();
    RETURN_IF_ERROR(searched);
    ASSIGN_OR_RETURN(mask::ScanReport scan, std::move(scanned));
    // A byte hit of a value the row search classified as a collision is that
    // row's masked value (the bytes cannot tell which row they belong to).
    uint64_t explained = 0;
    std::erase_if(scan.leaks, [&](const mask::NeedleHits& h) {
      const bool collision = v.IsCollisionValue(byte_needles[h.needle].bytes);
      if (collision) explained += h.hits;
      return collision;
    });
    uint64_t leaks = 0, collisions = 0;
    Json found = Json::array();
    for (const auto& [where, f] : v.found()) {
      leaks += f.leaks;
      collisions += f.collisions + f.unchecked;
      found.push_back({{"relation", where.first},
                       {"column", where.second},
                       {"leaks", f.leaks},
                       {"collisions", f.collisions},
                       {"unchecked", f.unchecked},
                       {"examples", f.examples}});
    }
    for (const auto& s : schema) leaks += s["leaks"].get<uint64_t>();
    return Json{{"snapshot", o.snapshot},
                {"masked_sync", run.masked},
                {"sample", o.sample > 0 ? Json(o.sample) : Json("all")},
                {"values_searched", v.needles().size()},
                {"substring_values", v.substring_needles()},
                {"byte_values", byte_needles.size()},
                {"byte_hits_of_collisions", explained},
                {"relations", sampled},
                {"found", found},
                {"schema", schema},
                {"scan", scan.ToJson()},
                {"accepted_in_schema", accepted_values},
                {"replay", replay_note.empty() ? Json("rules replayed") : Json(replay_note)},
                {"leaks", leaks},
                {"collisions", collisions},
                {"clean", leaks == 0 && scan.clean()}};
  }();
  pool.CloseDiffSide(side).IgnoreError();
  return report;
}

}  // namespace spur::sync
