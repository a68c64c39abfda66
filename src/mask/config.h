// mask.yaml: which columns `spur sync --mask` replaces, and how.
//
//   version: 1          # optional; only 1
//   strict: all         # default: every copied column needs a rule (keep declares it safe);
//                       # guess: only columns that look personal; off: nothing required
//   tables:
//     public.users:     # "schema.table"; "users" means public.users; '"My Table"' keeps case
//       email: email                                   # short form: the rule name
//       ssn: null                                      # (or ~) the null rule
//       born: { rule: birthdate, generalize: month }   # long form: rule and parameters
//       signup: { rule: date_shift, days: 30 }
//       profile: { rule: json, paths: { "$.address.street": street, "$.ssn": null } }
//       country: { rule: keep, reason: "ISO code, not personal" }  # reason: any rule, a note
//       notes: todo                                    # not decided yet: still unruled
//   schema:
//     "comment on public.users": keep  # schema text strict mode refused, read and accepted
//
// Table and column names follow SQL: unquoted names fold to lower case,
// double-quoted ones keep their spelling (mask/sql_name.h). The rules and
// their parameters are in mask/config_rule.h. Pure parsing, except
// LoadMaskConfig, which reads a file.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "common/status.h"
#include "mask/sql_name.h"
#include "mask/transform_spec.h"

namespace spur::mask {

// Which copied columns must have a rule before a sync copies anything.
enum class Strictness {
  kAll,    // every column (own rule, a parent's, or following a key); `keep` declares it safe
  kGuess,  // only columns that look personal by name and type (mask/pii.h)
  kOff,    // none: unruled columns are copied as they are
};

// "all", "guess", "off".
const char* StrictnessName(Strictness s);
// Reads "all" (also true), "guess", "off" (also false); nullopt otherwise.
std::optional<Strictness> StrictnessFromName(std::string_view name);

struct MaskConfig {
  using Columns = std::map<std::string, TransformSpec>;  // column name -> rule

  Strictness strict = Strictness::kAll;
  std::map<TableRef, Columns> tables;  // names as the catalog spells them
  // Columns written `todo` (by `spur mask init`, where it could not guess):
  // no rule yet; every strictness but off refuses them by name.
  std::map<TableRef, std::set<std::string>> todo;
  // `schema: { "view public.vip": keep }`: schema objects whose text strict
  // mode would refuse (personal data in a view, comment, default...) and
  // that someone has read and accepts as they are. Names as sync reports them.
  std::set<std::string> schema_keep;

  // The rules for one table, nullptr when mask.yaml names none. Names are
  // the catalog's (unquoted, exact case).
  const Columns* FindTable(std::string_view schema, std::string_view table) const;
  // The rule for one column, nullptr when mask.yaml has none.
  const TransformSpec* Find(std::string_view schema, std::string_view table,
                            std::string_view column) const;

  // {"version": 1, "strict": "all"|"guess"|"off", "tables": {"schema.table":
  //  {"column": {"rule": name, ...parameters} or "todo"}}, "schema":
  //  {"object": "keep"}}, names quoted
  //  where SQL needs it; reasons left out. Parses back as mask.yaml.
  nlohmann::json ToJson() const;
  // Lower-case hex SHA-256 of ToJson(): equal for configs that mean the
  // same (whatever their spelling, order, comments or short/long forms).
  std::string Fingerprint() const;
};

// Parses mask.yaml text. An empty document is a strict config with no
// rules. InvalidArgument, one line starting "mask.yaml line N: ", for YAML
// syntax errors, text that is not UTF-8, a document or table that is not a
// mapping, unknown or repeated keys (listing the known ones), a version
// other than 1, a strict other than all/guess/off/true/false, bad table or column names, tables or
// columns named twice (after normalising: "users" and "public.users" are
// the same), and every rule error of ParseRule (mask/config_rule.h).
[[nodiscard]] Result<MaskConfig> ParseMaskConfig(std::string_view yaml_text);

// Reads and parses the file at `path`. NotFound when it does not exist,
// Internal when it cannot be read, else as ParseMaskConfig with the path
// prefixed to the message.
[[nodiscard]] Result<MaskConfig> LoadMaskConfig(const std::string& path);

}  // namespace spur::mask
