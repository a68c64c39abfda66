#include "mask/config_rule.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <vector>

#include "common/untrusted_text.h"
#include "mask/json_path.h"
#include "mask/regex_pattern.h"

namespace spur::mask {
namespace {

constexpr Kind kAllKinds[] = {
    Kind::kKeep,     Kind::kEmail,      Kind::kFirstName, Kind::kLastName, Kind::kFullName,
    Kind::kPhone,    Kind::kCreditCard, Kind::kIban,      Kind::kStreet,   Kind::kCity,
    Kind::kPostcode, Kind::kDateShift,  Kind::kBirthdate, Kind::kNoise,    Kind::kHash,
    Kind::kUuid,     Kind::kNull,       Kind::kConstant,  Kind::kPartial,  Kind::kRegex,
    Kind::kJson};

// The parameters `kind` accepts.
std::vector<std::string_view> ParamsOf(Kind kind) {
  switch (kind) {
    case Kind::kDateShift:
      return {"days"};
    case Kind::kBirthdate:
      return {"generalize"};
    case Kind::kNoise:
      return {"percent"};
    case Kind::kConstant:
      return {"value"};
    case Kind::kPartial:
      return {"keep_first", "keep_last", "mask_char"};
    case Kind::kRegex:
      return {"pattern", "replace"};
    case Kind::kJson:
      return {"paths"};
    default:
      return {};
  }
}

std::string Join(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::string_view n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

// What a rule of `kind` with parameters `seen` still lacks, with an example; "" when nothing.
std::string Missing(Kind kind, const std::set<std::string>& seen) {
  auto lacks = [&](const char* p) { return seen.count(p) == 0; };
  switch (kind) {
    case Kind::kDateShift:
      if (lacks("days")) return "days (the largest shift), e.g. { rule: date_shift, days: 30 }";
      break;
    case Kind::kNoise:
      if (lacks("percent"))
        return "percent (the largest change), e.g. { rule: noise, percent: 10 }";
      break;
    case Kind::kConstant:
      if (lacks("value")) return "value, e.g. { rule: constant, value: 'n/a' }";
      break;
    case Kind::kPartial:
      if (lacks("keep_first") && lacks("keep_last")) {
        return "keep_first or keep_last, e.g. { rule: partial, keep_last: 4 }";
      }
      break;
    case Kind::kRegex:
      if (lacks("pattern") || lacks("replace")) {
        return "pattern and replace, e.g. { rule: regex, pattern: '\\d{4}', replace: 'XXXX' }";
      }
      break;
    case Kind::kJson:
      if (lacks("paths")) return "paths, e.g. { rule: json, paths: { \"$.email\": email } }";
      break;
    default:
      break;
  }
  return "";
}

std::string Quoted(const YAML::Node& node) {
  if (node.IsScalar()) return "\"" + node.Scalar() + "\"";
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  return "nothing";
}

// A scalar's text. The file is UTF-8 (checked before parsing), but escapes
// in quoted YAML ("\_", "\N": raw Latin-1 bytes) make bytes of their own: refused, since
// PostgreSQL would refuse them in a text column anyway.
Result<std::string> ReadString(const YAML::Node& value) {
  if (!value.IsScalar()) return InvalidArgument("expected a string, found " + Quoted(value));
  if (!IsValidUtf8(value.Scalar())) {
    return InvalidArgument(
        "the value is not UTF-8 (an escape such as \\_ or \\N in a quoted string?); write the "
        "characters themselves");
  }
  return value.Scalar();
}

Result<int> ReadInt(const YAML::Node& value, int min, int max) {
  const std::string text = value.IsScalar() ? value.Scalar() : "";
  int n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || n < min || n > max) {
    return InvalidArgument("expected a whole number from " + std::to_string(min) + " to " +
                           std::to_string(max) + ", found " + Quoted(value));
  }
  return n;
}

Result<double> ReadPercent(const YAML::Node& value) {
  const std::string text = value.IsScalar() ? value.Scalar() : "";
  double d = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(d) ||
      d <= 0 || d > 100) {
    return InvalidArgument("expected a number above 0 and at most 100, found " + Quoted(value));
  }
  return d;
}

// One printable character: one UTF-8 sequence, not a control character.
bool IsOneCharacter(std::string_view s) {
  if (s.empty()) return false;
  const auto lead = static_cast<unsigned char>(s[0]);
  const size_t len = lead < 0x80           ? 1
                     : (lead >> 5) == 0x6  ? 2
                     : (lead >> 4) == 0xE  ? 3
                     : (lead >> 3) == 0x1E ? 4
                                           : 0;
  if (len == 0 || len != s.size()) return false;
  for (size_t i = 1; i < len; ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) return false;
  }
  return len > 1 || (lead >= 0x20 && lead != 0x7f);
}

// Sets parameter `name` (one ParamsOf allows, not "paths") from `value`.
Status ApplyParam(std::string_view name, const YAML::Node& value, TransformSpec& spec) {
  if (name == "days") {
    ASSIGN_OR_RETURN(spec.days, ReadInt(value, 1, 36500));
  } else if (name == "percent") {
    ASSIGN_OR_RETURN(spec.percent, ReadPercent(value));
  } else if (name == "keep_first") {
    ASSIGN_OR_RETURN(spec.keep_first, ReadInt(value, 0, 10000));
  } else if (name == "keep_last") {
    ASSIGN_OR_RETURN(spec.keep_last, ReadInt(value, 0, 10000));
  } else {
    ASSIGN_OR_RETURN(std::string text, ReadString(value));
    if (name == "generalize" && text != "year" && text != "month") {
      return InvalidArgument("expected year or month, found \"" + text + "\"");
    }
    if (name == "mask_char" && !IsOneCharacter(text)) {
      return InvalidArgument("expected one printable character, found \"" + text + "\"");
    }
    if (name == "pattern") RETURN_IF_ERROR(CheckRegexPattern(text));
    std::string* field = name == "generalize"  ? &spec.generalize
                         : name == "value"     ? &spec.value
                         : name == "mask_char" ? &spec.mask_char
                         : name == "pattern"   ? &spec.pattern
                                               : &spec.replace;
    *field = std::move(text);
  }
  return Status::Ok();
}

// `reason: why` on any rule: one line of at most 500 bytes, kept as a note.
Status ReadReason(const YAML::Node& value, TransformSpec& spec) {
  ASSIGN_OR_RETURN(std::string text, ReadString(value));
  if (text.size() > 500) return InvalidArgument("longer than 500 bytes; shorten it");
  if (ControlCharAt(text, "") != std::string::npos) {
    return InvalidArgument("holds a control character; write it on one line");
  }
  spec.reason = std::move(text);
  return Status::Ok();
}

// The kind named by `value` (null is the null rule); `mark` positions errors.
Result<Kind> ReadKind(const YAML::Mark& mark, const YAML::Node& value, const std::string& subject,
                      bool in_json) {
  if (!value.IsNull() && !value.IsScalar()) {
    return InvalidArgument(MaskYamlWhere(mark) + ": " + subject +
                           ": expected a rule name or { rule: NAME, ... }, found " + Quoted(value));
  }
  const std::string name = value.IsNull() ? "null" : value.Scalar();
  std::optional<Kind> kind = KindFromName(name);
  if (!kind) {
    return InvalidArgument(MaskYamlWhere(mark) + ": unknown rule \"" + name + "\" for " + subject +
                           "; rules are: " + RuleNames());
  }
  if (*kind == Kind::kJson && in_json) {
    return InvalidArgument(MaskYamlWhere(mark) + ": a json rule cannot hold another (" + subject +
                           "); give the inner value's full path instead, like \"$.a.b\"");
  }
  return *kind;
}

// Reads `paths: { "$.a": rule, ... }` of a json rule into spec.json_paths, sorted by path.
Status ParseJsonPaths(const YAML::Node& key, const YAML::Node& value, const std::string& subject,
                      TransformSpec& spec) {
  if (!value.IsMap() || value.size() == 0) {
    return InvalidArgument(MaskYamlWhere(key.Mark()) + ": paths for " + subject +
                           ": expected a mapping of JSON path to rule, like "
                           "{ \"$.email\": email }, found " +
                           Quoted(value));
  }
  for (const auto& kv : value) {
    const std::string where = MaskYamlWhere(kv.first.Mark()) + ": " + subject;
    const std::string text = kv.first.IsScalar() ? kv.first.Scalar() : "";
    Result<std::vector<JsonPathStep>> steps = ParseJsonPath(text);
    if (!steps.ok()) return steps.status().WithContext(where);
    const std::string path = JsonPathToString(*steps);
    for (const auto& [seen, unused] : spec.json_paths) {
      if (seen == path) return InvalidArgument(where + ": path " + path + " appears twice");
    }
    ASSIGN_OR_RETURN(TransformSpec inner,
                     ParseRule(kv.first, kv.second, subject + " " + path, true));
    spec.json_paths.emplace_back(path, std::move(inner));
  }
  std::sort(spec.json_paths.begin(), spec.json_paths.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return Status::Ok();
}

// The long form: { rule: NAME, param: value, ... }.
Result<TransformSpec> ParseLongForm(const YAML::Node& key, const YAML::Node& value,
                                    const std::string& subject, bool in_json) {
  const YAML::Node rule = value["rule"];
  if (!rule) {
    return InvalidArgument(MaskYamlWhere(key.Mark()) + ": " + subject +
                           ": no rule; write { rule: NAME, ... } with NAME one of: " + RuleNames());
  }
  TransformSpec spec;
  const YAML::Mark rule_mark = rule.IsScalar() ? rule.Mark() : key.Mark();
  ASSIGN_OR_RETURN(spec.kind, ReadKind(rule_mark, rule, subject, in_json));
  const std::vector<std::string_view> allowed = ParamsOf(spec.kind);
  const std::string kind_name = KindName(spec.kind);
  std::set<std::string> seen;
  for (const auto& kv : value) {
    const std::string where = MaskYamlWhere(kv.first.Mark());
    const std::string name = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (!seen.insert(name).second) {
      return InvalidArgument(where + ": " + name + " appears twice for " + subject);
    }
    if (name == "rule") continue;
    if (name == "reason") {
      RETURN_IF_ERROR(ReadReason(kv.second, spec).WithContext(where + ": reason for " + subject));
      continue;
    }
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return InvalidArgument(where + ": unknown parameter " + Quoted(kv.first) + " for " +
                             kind_name + " on " + subject + "; " + kind_name +
                             (allowed.empty() ? " takes none" : " takes " + Join(allowed)));
    }
    if (name == "paths") {
      RETURN_IF_ERROR(ParseJsonPaths(kv.first, kv.second, subject, spec));
    } else {
      RETURN_IF_ERROR(
          ApplyParam(name, kv.second, spec).WithContext(where + ": " + name + " for " + subject));
    }
  }
  if (std::string missing = Missing(spec.kind, seen); !missing.empty()) {
    return InvalidArgument(MaskYamlWhere(key.Mark()) + ": " + kind_name + " for " + subject +
                           " needs " + missing);
  }
  return spec;
}

}  // namespace

std::string MaskYamlWhere(const YAML::Mark& mark) {
  if (mark.line < 0) return "mask.yaml";
  return "mask.yaml line " + std::to_string(mark.line + 1);
}

std::optional<Kind> KindFromName(std::string_view name) {
  for (Kind kind : kAllKinds) {
    if (name == KindName(kind)) return kind;
  }
  return std::nullopt;
}

std::string RuleNames() {
  std::string out;
  for (Kind kind : kAllKinds) out += (out.empty() ? "" : ", ") + std::string(KindName(kind));
  return out;
}

Result<TransformSpec> ParseRule(const YAML::Node& key, const YAML::Node& value,
                                const std::string& subject, bool in_json) {
  if (value.IsMap()) return ParseLongForm(key, value, subject, in_json);
  TransformSpec spec;
  ASSIGN_OR_RETURN(spec.kind, ReadKind(key.Mark(), value, subject, in_json));
  if (std::string missing = Missing(spec.kind, {}); !missing.empty()) {
    return InvalidArgument(MaskYamlWhere(key.Mark()) + ": " + KindName(spec.kind) + " for " +
                           subject + " needs " + missing);
  }
  return spec;
}

nlohmann::json RuleToJson(const TransformSpec& spec) {
  nlohmann::json j = {{"rule", KindName(spec.kind)}};
  switch (spec.kind) {
    case Kind::kDateShift:
      j["days"] = spec.days;
      break;
    case Kind::kBirthdate:
      j["generalize"] = spec.generalize;
      break;
    case Kind::kNoise:
      j["percent"] = spec.percent;
      break;
    case Kind::kConstant:
      j["value"] = spec.value;
      break;
    case Kind::kPartial:
      j["keep_first"] = spec.keep_first;
      j["keep_last"] = spec.keep_last;
      j["mask_char"] = spec.mask_char;
      break;
    case Kind::kRegex:
      j["pattern"] = spec.pattern;
      j["replace"] = spec.replace;
      break;
    case Kind::kJson: {
      nlohmann::json paths = nlohmann::json::object();
      for (const auto& [path, inner] : spec.json_paths) paths[path] = RuleToJson(inner);
      j["paths"] = paths;
      break;
    }
    default:
      break;
  }
  return j;
}

}  // namespace spur::mask
