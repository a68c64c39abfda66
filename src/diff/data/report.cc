#include "diff/data/report.h"

#include <fmt/format.h>

#include <algorithm>

#include "pg/schema.h"

namespace spur::diff::data {
namespace {

const char* kGreen = "\033[32m";
const char* kRed = "\033[31m";
const char* kYellow = "\033[33m";
const char* kBold = "\033[1m";
const char* kReset = "\033[0m";

std::string Paint(bool color, const char* code, const std::string& s) {
  return color ? std::string(code) + s + kReset : s;
}

std::string Shown(const Value& v) {
  if (!v) return "NULL";
  std::string s = *v;
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return SqlLiteral(s);
}

std::string SequenceText(const SequenceState& s) {
  return s.is_called ? s.last_value : s.last_value + " (not yet used)";
}

nlohmann::json JsonValue(const Value& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

nlohmann::json JsonColumns(const TableSpec& spec, const Values& row,
                           const std::vector<size_t>& which) {
  nlohmann::json o = nlohmann::json::object();
  for (size_t i : which) o[spec.columns[i]] = JsonValue(row[i]);
  return o;
}

std::vector<size_t> AllColumns(const TableSpec& spec) {
  std::vector<size_t> all(spec.columns.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  return all;
}

nlohmann::json JsonChange(const TableSpec& spec, const RowChange& c) {
  const auto key = spec.keyed() ? spec.key : std::vector<size_t>{};
  switch (c.kind) {
    case RowChange::Kind::kInsert:
      return {{"op", "insert"},
              {"key", JsonColumns(spec, c.after, key)},
              {"row", JsonColumns(spec, c.after, AllColumns(spec))}};
    case RowChange::Kind::kDelete:
      return {{"op", "delete"},
              {"key", JsonColumns(spec, c.before, key)},
              {"row", JsonColumns(spec, c.before, AllColumns(spec))}};
    case RowChange::Kind::kUpdate: {
      nlohmann::json cells = nlohmann::json::object();
      for (size_t i : c.changed) {
        cells[spec.columns[i]] = {{"from", JsonValue(c.before[i])}, {"to", JsonValue(c.after[i])}};
      }
      return {{"op", "update"}, {"key", JsonColumns(spec, c.after, key)}, {"changes", cells}};
    }
  }
  return {};
}

std::string KeyText(const TableSpec& spec, const Values& row) {
  std::string s;
  for (size_t i : spec.keyed() ? spec.key : AllColumns(spec)) {
    s += (s.empty() ? "" : " ") + spec.columns[i] + "=" + Shown(row[i]);
  }
  return s;
}

std::string Where(const TableSpec& spec, const Values& row) {
  std::string s;
  for (size_t i : spec.key) {
    s += (s.empty() ? "" : " AND ") + pg::QuoteIdent(spec.columns[i]) + " = " + SqlLiteral(row[i]);
  }
  return s;
}

std::string SqlFor(const TableSpec& spec, const RowChange& c) {
  // ONLY: rows of inheritance children are rows of other tables.
  const std::string t = "ONLY " + spec.qualified;
  if (c.kind == RowChange::Kind::kDelete) {
    if (spec.keyed()) return "DELETE FROM " + t + " WHERE " + Where(spec, c.before) + ";";
    std::string match;
    for (size_t i = 0; i < spec.columns.size(); ++i) {
      match += (match.empty() ? "" : " AND ") + pg::QuoteIdent(spec.columns[i]) +
               "::text IS NOT DISTINCT FROM " + SqlLiteral(c.before[i]);
    }
    return "DELETE FROM " + t + " WHERE ctid = (SELECT ctid FROM " + t + " WHERE " + match +
           " LIMIT 1);";
  }
  if (c.kind == RowChange::Kind::kInsert) {
    std::string cols, vals;
    for (size_t i = 0; i < spec.columns.size(); ++i) {
      if (spec.generated[i]) continue;
      cols += (cols.empty() ? "" : ", ") + pg::QuoteIdent(spec.columns[i]);
      vals += (vals.empty() ? "" : ", ") + SqlLiteral(c.after[i]);
    }
    if (cols.empty()) return "INSERT INTO " + spec.qualified + " DEFAULT VALUES;";
    return "INSERT INTO " + spec.qualified + " (" + cols + ") OVERRIDING SYSTEM VALUE VALUES (" +
           vals + ");";
  }
  std::string set;
  for (size_t i : c.changed) {
    if (spec.generated[i]) continue;
    set += (set.empty() ? "" : ", ") + pg::QuoteIdent(spec.columns[i]) + " = " +
           SqlLiteral(c.after[i]);
  }
  if (set.empty()) return "";
  return "UPDATE " + t + " SET " + set + " WHERE " + Where(spec, c.before) + ";";
}

}  // namespace

Status Report::Add(const TableDiff& table, const RowChange& change) {
  Kept& k = kept_[table.spec.display];
  if (max_rows_ != 0 && k.rows.size() >= max_rows_) {
    k.truncated = true;
    return Status::Ok();
  }
  if (max_total_ != 0 && ++total_ > max_total_) {
    return ResourceExhausted("more than " + std::to_string(max_total_) +
                             " changed rows to keep; narrow the diff to some tables, or show "
                             "fewer rows per table");
  }
  if (max_bytes_ != 0) {
    for (const Values* row : {&change.before, &change.after}) {
      for (const Value& v : *row) bytes_ += v ? v->size() : 0;
    }
    if (bytes_ > max_bytes_) {
      return ResourceExhausted("the changed rows hold more than " +
                               std::to_string(max_bytes_ >> 20) +
                               " MiB; narrow the diff to some tables, or show fewer rows");
    }
  }
  k.rows.push_back(change);
  return Status::Ok();
}

const TableDiff* Report::Find(const std::string& display) const {
  for (const auto& t : diff_.tables) {
    if (t.spec.display == display) return &t;
  }
  return nullptr;
}

bool Report::empty() const {
  return diff_.sequences.empty() &&
         std::all_of(diff_.tables.begin(), diff_.tables.end(), [](const TableDiff& t) {
           return t.counts.inserted + t.counts.deleted + t.counts.updated == 0;
         });
}

nlohmann::json Report::ToJson() const {
  nlohmann::json tables = nlohmann::json::array();
  for (const auto& t : diff_.tables) {
    nlohmann::json rows = nlohmann::json::array();
    bool truncated = false;
    if (auto it = kept_.find(t.spec.display); it != kept_.end()) {
      for (const auto& c : it->second.rows) rows.push_back(JsonChange(t.spec, c));
      truncated = it->second.truncated;
    }
    tables.push_back({{"table", t.spec.display},
                      {"match", t.spec.matched_by},
                      {"method", t.method},
                      {"reason", t.reason},
                      {"pages", t.pages},
                      {"pages_read", t.pages_read},
                      {"inserted", t.counts.inserted},
                      {"deleted", t.counts.deleted},
                      {"updated", t.counts.updated},
                      {"seconds", t.seconds},
                      {"columns_only_on_other_side", t.spec.only_from},
                      {"columns_only_on_branch", t.spec.only_to},
                      {"columns_not_compared", t.spec.not_compared},
                      {"rows", rows},
                      {"rows_truncated", truncated}});
  }
  nlohmann::json sequences = nlohmann::json::array();
  for (const auto& c : diff_.sequences) {
    auto state = [](const SequenceState& s) -> nlohmann::json {
      return {{"last_value", s.last_value}, {"is_called", s.is_called}};
    };
    sequences.push_back({{"sequence", c.to.display},
                         {"table", c.to.owner},
                         {"from", c.from ? state(*c.from) : nlohmann::json()},
                         {"to", state(c.to)}});
  }
  return {{"tables", tables},
          {"sequences", sequences},
          {"tables_on_one_side", diff_.one_side},
          {"fast_path_off", diff_.fast_path_off},
          {"seconds", diff_.seconds}};
}

std::string Report::RenderText(bool color) const {
  std::string out;
  int64_t ins = 0, del = 0, upd = 0, changed_tables = 0;
  for (const auto& t : diff_.tables) {
    const auto& c = t.counts;
    ins += c.inserted;
    del += c.deleted;
    upd += c.updated;
    if (c.inserted + c.deleted + c.updated == 0) continue;
    ++changed_tables;
    out += "  " + Paint(color, kBold, t.spec.display) + "  (" + t.spec.matched_by + ")  " +
           Paint(color, kGreen, "+" + std::to_string(c.inserted)) + " " +
           Paint(color, kRed, "-" + std::to_string(c.deleted)) + " " +
           Paint(color, kYellow, "~" + std::to_string(c.updated)) + "\n";
    auto it = kept_.find(t.spec.display);
    if (it == kept_.end()) continue;
    if (!t.spec.not_compared.empty()) {
      std::string list;
      for (const auto& n : t.spec.not_compared) list += (list.empty() ? "" : ", ") + n;
      out += "    (not compared: " + list + ")\n";
    }
    for (const auto& ch : it->second.rows) {
      if (ch.kind == RowChange::Kind::kInsert) {
        out += "    " + Paint(color, kGreen, "+ " + KeyText(t.spec, ch.after)) + "\n";
      } else if (ch.kind == RowChange::Kind::kDelete) {
        out += "    " + Paint(color, kRed, "- " + KeyText(t.spec, ch.before)) + "\n";
      } else {
        out += "    " + Paint(color, kYellow, "~ " + KeyText(t.spec, ch.after)) + "\n";
        for (size_t i : ch.changed) {
          out += "        " + t.spec.columns[i] + ": " + Shown(ch.before[i]) + " -> " +
                 Shown(ch.after[i]) + "\n";
        }
      }
    }
    if (it->second.truncated) out += "    ... more rows not shown (--max-rows 0 shows all)\n";
  }
  for (const auto& c : diff_.sequences) {
    out += "  sequence " + Paint(color, kBold, c.to.display) + "  " +
           (c.from ? SequenceText(*c.from) : std::string("(only on the branch)")) + " -> " +
           SequenceText(c.to) + "\n";
  }
  size_t fast = 0;
  for (const auto& t : diff_.tables) fast += t.method == "pages" ? 1 : 0;
  out += std::to_string(changed_tables) + " of " + std::to_string(diff_.tables.size()) +
         " tables changed: " + std::to_string(ins) + " inserted, " + std::to_string(del) +
         " deleted, " + std::to_string(upd) + " updated (" + std::to_string(fast) +
         " by changed pages, " + std::to_string(diff_.tables.size() - fast) + " in full; " +
         fmt::format("{:.2f} s", diff_.seconds) + ")\n";
  return out;
}

Result<std::string> Report::RenderSql(const std::string& lock_timeout,
                                      const std::string& statement_timeout) const {
  for (const auto& [name, k] : kept_) {
    if (k.truncated) return FailedPrecondition("rows of " + name + " were left out of the diff");
  }
  // Values are in the text forms the diff read them in; whole-row matches
  // compare text, so the script reads and writes with the same settings.
  std::string out = "BEGIN;\nSET LOCAL lock_timeout = " + SqlLiteral(lock_timeout) +
                    ";\nSET LOCAL statement_timeout = " + SqlLiteral(statement_timeout) +
                    ";\nSET LOCAL standard_conforming_strings = on;\n"
                    "SET LOCAL DateStyle = 'ISO, YMD';\nSET LOCAL TimeZone = 'UTC';\n"
                    "SET LOCAL IntervalStyle = 'postgres';\nSET LOCAL bytea_output = 'hex';\n"
                    "SET LOCAL extra_float_digits = 1;\n";
  for (const auto& t : diff_.tables) {
    std::string skipped;
    for (const auto& c : t.spec.not_compared) {
      if (std::find(t.spec.only_to.begin(), t.spec.only_to.end(), c) == t.spec.only_to.end()) {
        continue;  // only on the other side: the schema script drops it
      }
      skipped += (skipped.empty() ? "" : ", ") + c;
    }
    if (t.spec.presence == Presence::kBoth && !skipped.empty()) {
      out += "-- NOTE: " + t.spec.display + ": columns only the branch has (" + skipped +
             ") are generated, identity columns or of a type whose default is not read here; "
             "their values are not in this script\n";
    }
  }
  auto emit = [&](const std::string& table, bool deletes) {
    const TableDiff* t = Find(table);
    auto it = kept_.find(table);
    if (!t || it == kept_.end()) return;
    // The schema script drops a table the branch does not have, rows and all.
    if (t->spec.presence == Presence::kOnlyFrom) return;
    for (const auto& c : it->second.rows) {
      if ((c.kind == RowChange::Kind::kDelete) != deletes) continue;
      std::string sql = SqlFor(t->spec, c);
      if (!sql.empty()) out += sql + "\n";
    }
  };
  for (auto it = diff_.fk_order.rbegin(); it != diff_.fk_order.rend(); ++it) emit(*it, true);
  for (const auto& table : diff_.fk_order) emit(table, false);
  // After the rows: the next insert on the target continues where the
  // branch's did, instead of colliding with the rows carried over.
  for (const auto& c : diff_.sequences) {
    out += "SELECT pg_catalog.setval(" + SqlLiteral(c.to.qualified) + ", " + c.to.last_value +
           ", " + (c.to.is_called ? "true" : "false") + ");\n";
  }
  return out + "COMMIT;\n";
}

}  // namespace spur::diff::data
