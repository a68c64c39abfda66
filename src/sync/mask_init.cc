#include "sync/mask_init.h"

#include <set>
#include <string_view>

#include "common/untrusted_text.h"
#include "mask/config.h"
#include "mask/pii.h"
#include "mask/sql_name.h"

namespace spur::sync {
namespace {

struct Guess {
  std::string rule;  // YAML of the rule, "todo" when undecided
  std::string why;   // the comment
  enum { kMask, kKeep, kTodo } kind = kTodo;
};

bool HasWord(const std::vector<std::string>& words, std::initializer_list<std::string_view> any) {
  for (const std::string& w : words) {
    for (std::string_view a : any) {
      if (w == a) return true;
    }
  }
  return false;
}

bool IsInteger(const std::string& t) { return t == "int2" || t == "int4" || t == "int8"; }
bool IsNumber(const std::string& t) {
  return IsInteger(t) || t == "numeric" || t == "float4" || t == "float8" || t == "money";
}
bool IsTime(const std::string& t) {
  return t == "date" || t == "timestamp" || t == "timestamptz" || t == "time" || t == "timetz" ||
         t == "interval";
}
bool IsTextType(const std::string& t) {
  return t == "text" || t == "varchar" || t == "bpchar" || t == "citext" || t == "name";
}
bool IsNetwork(const std::string& t) {
  return t == "inet" || t == "cidr" || t == "macaddr" || t == "macaddr8";
}

// The rule for a column that looks personal (category from mask/pii.h).
Guess ForCategory(const std::string& category, const pg::Column& c, bool unique) {
  const std::string& t = c.base_type;
  const std::string why = "looks like: " + category;
  auto mask = [&](std::string rule) { return Guess{std::move(rule), why, Guess::kMask}; };
  if (IsNetwork(t)) {
    if (unique) return Guess{"todo", why + " (a unique " + t + ": choose a rule)", Guess::kTodo};
    return c.not_null ? mask("{ rule: constant, value: '192.0.2.1' }") : mask("null");
  }
  if (category == "email") return mask("email");
  if (category == "phone") return IsTextType(t) ? mask("phone") : mask("hash");
  if (category == "name") {
    const auto words = mask::NameWords(c.name);
    if (HasWord(words, {"first", "given", "forename", "firstname", "givenname", "middle",
                        "middlename", "nickname"})) {
      return mask("first_name");
    }
    if (HasWord(words,
                {"last", "family", "surname", "lastname", "familyname", "maiden", "maidenname"})) {
      return mask("last_name");
    }
    return mask("full_name");
  }
  if (category == "address") return mask("street");
  if (category == "city") return mask("city");
  if (category == "postcode") return IsTextType(t) ? mask("postcode") : mask("hash");
  if (category == "birth date") {
    if (unique) return Guess{"todo", why + " (unique: choose a one-to-one rule)", Guess::kTodo};
    return mask("{ rule: birthdate, generalize: year }");
  }
  if (category == "card number") return IsTextType(t) ? mask("credit_card") : mask("hash");
  if (category == "iban") return mask("iban");
  if (category == "ip address") return IsTextType(t) ? mask("hash") : mask("null");
  // bank account, national id, tax id, passport, driver license, username
  if (IsTextType(t) || IsInteger(t) || t == "uuid") return mask("hash");
  return Guess{"todo", why + " (" + t + ")", Guess::kTodo};
}

Guess ForColumn(const pg::Schema& schema, const pg::Table& table, const pg::Column& c) {
  const bool unique = schema.IsKeyColumn(table.qualified, c.name);
  if (auto category = mask::PersonalCategory(c.name, c.base_type)) {
    return ForCategory(*category, c, unique);
  }
  const std::string& t = c.base_type;
  auto keep = [](std::string why) { return Guess{"keep", std::move(why), Guess::kKeep}; };
  if (unique && (IsInteger(t) || t == "uuid")) return keep("a key");
  if (t == "bool") return keep("boolean");
  if (IsNumber(t)) return keep("a number; noise if it is sensitive");
  if (IsTime(t)) return keep("a time; date_shift if it dates a person's life");
  if (t == "uuid") return keep("uuid");
  if (t == "json" || t == "jsonb") {
    return Guess{"todo", t + ": json with per-path rules, null or keep", Guess::kTodo};
  }
  if (IsTextType(t)) return Guess{"todo", "free text? null, keep or a rule", Guess::kTodo};
  return Guess{"todo", c.type + ": keep, null or a rule", Guess::kTodo};
}

// Columns referencing a key: they follow the key's rule.
std::map<std::pair<std::string, std::string>, std::string> FollowedKeys(const pg::Schema& schema) {
  std::map<std::pair<std::string, std::string>, std::string> out;
  for (const auto& fk : schema.foreign_keys) {
    for (size_t i = 0; i < fk.columns.size(); ++i) {
      out.emplace(std::make_pair(fk.table, fk.columns[i]), fk.ref_table + "." + fk.ref_columns[i]);
    }
  }
  return out;
}

// A YAML mapping key for an SQL name as mask.yaml reads it: plain when it is
// a plain lower-case identifier, else single-quoted YAML around the SQL
// spelling ('"My Col"').
std::string YamlKey(const std::string& sql) {
  bool plain = !sql.empty();
  for (char c : sql) {
    plain = plain && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.');
  }
  if (plain) return sql;
  std::string out = "'";
  for (char c : sql) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

// Names mask.yaml cannot hold: control characters, or bytes that are not UTF-8.
bool Nameable(std::string_view name) {
  return ControlCharAt(name, "") == std::string_view::npos && ValidUtf8(name) == name;
}

// `name` for a comment: as is when mask.yaml could hold it, else escaped.
std::string ForComment(std::string_view name) {
  return Nameable(name) ? std::string(name) : Quote(name, 200);
}

void Pad(std::string& line, size_t width) {
  if (line.size() < width) line.append(width - line.size(), ' ');
  line += ' ';
}

}  // namespace

Result<StarterMask> WriteStarterMask(const pg::Schema& schema, const std::string& source) {
  StarterMask m;
  std::string& y = m.yaml;
  y += "# mask.yaml for source \"" + ForComment(source) + "\", written by `spur mask init`.\n";
  y += "# Every copied column needs a rule (strict: all). Guessed rules are marked\n";
  y += "# \"looks like\"; read them. Replace each `todo` with a rule, `null`, or `keep`\n";
  y += "# (add `reason:` in the long form: { rule: keep, reason: \"...\" }).\n";
  y += "# `spur mask check mask.yaml --source " + ForComment(source) +
       "` lists what is left. Rules: docs/sync.md.\n";
  y += "version: 1\nstrict: all\ntables:\n";
  const auto followed = FollowedKeys(schema);
  bool any_table = false;
  for (const pg::Table& t : schema.tables) {
    if (t.partition_of) continue;  // partitions take their parent's rules
    if (!Nameable(t.schema) || !Nameable(t.name)) {
      y += "  # table " + Quote(t.qualified, 200) +
           " cannot be named in mask.yaml (control "
           "characters or bytes that are not UTF-8 in its name)\n";
      m.skipped += static_cast<int>(t.columns.size());
      continue;
    }
    std::set<std::string> inherited;
    for (const pg::Table* a : schema.Ancestors(t)) {
      for (const auto& c : a->columns) inherited.insert(c.name);
    }
    std::string body;
    bool has_rule = false;
    for (const pg::Column& c : t.columns) {
      if (c.generated || inherited.count(c.name) != 0) continue;
      if (!Nameable(c.name)) {
        body += "    # column " + Quote(c.name, 200) + " cannot be named in mask.yaml\n";
        ++m.skipped;
        continue;
      }
      if (auto it = followed.find({t.qualified, c.name}); it != followed.end()) {
        body += "    # " + ForComment(c.name) + " follows " + ForComment(it->second) +
                " (foreign key)\n";
        continue;
      }
      const Guess g = ForColumn(schema, t, c);
      std::string line = "    " + YamlKey(mask::QuoteIdent(c.name)) + ": " + g.rule;
      Pad(line, 44);
      body += line + "# " + ForComment(g.why) + "\n";
      has_rule = true;
      (g.kind == Guess::kMask ? m.guessed : g.kind == Guess::kKeep ? m.kept : m.todo) += 1;
    }
    if (!has_rule) {
      y += "  # " + ForComment(t.qualified) + ": every column follows a key or a parent\n";
      continue;
    }
    const mask::TableRef ref{t.schema, t.name};
    std::string header = "  " + YamlKey(ref.ToString()) + ":";
    if (t.kind == 'p') {
      Pad(header, 44);
      header += "# partitioned: applies to every partition";
    } else if (!t.inherits.empty()) {
      Pad(header, 44);
      header += "# inherits: parent rules cover the columns it inherits";
    }
    y += header + "\n" + body;
    any_table = true;
  }
  if (!any_table) y += "  {}\n";
  Result<mask::MaskConfig> back = mask::ParseMaskConfig(y);
  if (!back.ok()) {
    return Internal("mask init wrote a mask.yaml that does not parse (" + back.status().message() +
                    "); please report this");
  }
  return m;
}

Result<StarterMask> InitMask(const std::string& source_url, const std::string& source) {
  ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(source_url));
  ASSIGN_OR_RETURN(pg::Schema schema, pg::ReadSchema(conn));
  return WriteStarterMask(schema, source);
}

}  // namespace spur::sync
