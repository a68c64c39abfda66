#include "hooks/repo_config.h"

#include <yaml-cpp/yaml.h>

#include <regex>
#include <set>

#include "common/names.h"
#include "common/units.h"
#include "common/untrusted_text.h"

namespace spur::hooks {
namespace {

constexpr std::string_view kKnownKeys[] = {"source",
                                           "snapshot",
                                           "ttl",
                                           "migrate",
                                           "seed",
                                           "workdir",
                                           "labels",
                                           "branch_prefix",
                                           "comment_command",
                                           "protected",
                                           "forge",
                                           "forge_url",
                                           "forge_token_env",
                                           "forge_token_file",
                                           "rehearse"};

bool IsKnownKey(std::string_view key) {
  for (std::string_view k : kKnownKeys) {
    if (k == key) return true;
  }
  return false;
}

std::string KnownKeys() {
  std::string out;
  for (std::string_view k : kKnownKeys) out += (out.empty() ? "" : ", ") + std::string(k);
  return out;
}

// ".spur.yaml line 3", or ".spur.yaml" when yaml-cpp knows no position.
std::string Where(const YAML::Mark& mark) {
  if (mark.line < 0) return ".spur.yaml";
  return ".spur.yaml line " + std::to_string(mark.line + 1);
}

std::string Describe(const YAML::Node& node) {
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  if (node.IsScalar()) return "\"" + node.Scalar() + "\"";
  return "nothing";
}

Status CheckSeedPath(std::string_view path) {
  bool escapes = path.starts_with("/");
  size_t start = 0;
  while (!escapes && start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    escapes = path.substr(start, slash - start) == "..";
    start = slash + 1;
  }
  if (escapes) {
    return InvalidArgument("\"" + std::string(path) +
                           "\" is not inside the checkout; use a relative path like db/seed.sql");
  }
  return Status::Ok();
}

// https://HOST[:PORT][/path], or http:// to a loopback address (a local
// forge, tests): the token must not cross a network in clear text.
Status CheckForgeUrl(const std::string& url) {
  static const std::regex kUrl(
      "(https://[A-Za-z0-9.-]+(:[0-9]{1,5})?|http://"
      "(127\\.0\\.0\\.1|localhost|\\[::1\\])(:[0-9]{1,5})?)"
      "(/[A-Za-z0-9._~/-]*)?");
  if (!std::regex_match(url, kUrl)) {
    return InvalidArgument("\"" + url +
                           "\" is not an https URL like https://github.example.com/api/v3 "
                           "(plain http only to 127.0.0.1 or localhost)");
  }
  return Status::Ok();
}

// `labels:` is a mapping of name to one-line value; errors carry each label's own line.
Result<std::map<std::string, std::string>> ParseLabels(const YAML::Node& key,
                                                       const YAML::Node& value) {
  if (!value.IsMap()) {
    return InvalidArgument(Where(key.Mark()) +
                           ": labels: expected a mapping like "
                           "{team: payments}, found " +
                           Describe(value));
  }
  std::map<std::string, std::string> labels;
  for (const auto& kv : value) {
    const std::string where = Where(kv.first.Mark()) + ": labels";
    if (!kv.first.IsScalar() || !(kv.second.IsScalar() || kv.second.IsNull())) {
      return InvalidArgument(where +
                             ": each label must be a name and a string, like team: "
                             "payments");
    }
    const std::string& name = kv.first.Scalar();
    std::string text = kv.second.IsNull() ? "" : kv.second.Scalar();
    RETURN_IF_ERROR(ValidateLabel(name, text).WithContext(where));
    if (!labels.emplace(name, text).second) {
      return InvalidArgument(where + ": label \"" + name + "\" appears twice");
    }
  }
  return labels;
}

// `rehearse:`: the guardrails' limits and the drops allowed on purpose.
Result<RehearseRules> ParseRehearseRules(const YAML::Node& key, const YAML::Node& value) {
  if (!value.IsMap()) {
    return InvalidArgument(Where(key.Mark()) +
                           ": rehearse: expected a mapping like {max_write_block: 2s}, found " +
                           Describe(value));
  }
  RehearseRules r;
  std::set<std::string> seen;
  for (const auto& kv : value) {
    const std::string where = Where(kv.first.Mark()) + ": rehearse";
    const std::string name = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (name != "max_write_block" && name != "max_read_block" && name != "max_rewrite" &&
        name != "max_plan_regression" && name != "allow_drop") {
      return InvalidArgument(where + ": unknown key " + Describe(kv.first) +
                             "; known keys are max_write_block, max_read_block, max_rewrite, "
                             "max_plan_regression, allow_drop");
    }
    if (!seen.insert(name).second) {
      return InvalidArgument(where + ": key \"" + name + "\" appears twice");
    }
    if (name == "allow_drop") {
      if (!kv.second.IsSequence()) {
        return InvalidArgument(where + ".allow_drop: expected a list like [users.legacy_email]");
      }
      for (const auto& item : kv.second) {
        const std::string text = item.IsScalar() ? item.Scalar() : "";
        if (text.empty() || text.size() > 200 || InvalidUtf8At(text) != std::string::npos ||
            ControlCharAt(text, "") != std::string::npos) {
          return InvalidArgument(where + ".allow_drop: each entry is a table or table.column name");
        }
        r.allow_drop.push_back(text);
      }
      continue;
    }
    if (!kv.second.IsScalar()) {
      return InvalidArgument(where + "." + name + ": expected a value like 2s, found " +
                             Describe(kv.second));
    }
    const std::string& text = kv.second.Scalar();
    if (name == "max_plan_regression") {
      auto times = ParseInteger("max_plan_regression", text, 1, 1000000);
      if (!times.ok()) return times.status().WithContext(where);
      r.max_plan_regression = *times;
    } else if (name == "max_rewrite") {
      auto bytes = ParseSize(text);
      if (!bytes.ok()) return bytes.status().WithContext(where + ".max_rewrite");
      r.max_rewrite_bytes = static_cast<int64_t>(*bytes);
    } else {
      auto ms = ParseDurationMs(text);
      if (!ms.ok()) return ms.status().WithContext(where + "." + name);
      (name == "max_write_block" ? r.max_write_block_ms : r.max_read_block_ms) = *ms;
    }
  }
  return r;
}

// Sets the scalar key `name` from `value`. Errors carry no position; the caller adds it.
Status ApplyKey(std::string_view name, const YAML::Node& value, RepoConfig& c) {
  if (name == "protected") {
    if (!value.IsScalar() || !YAML::convert<bool>::decode(value, c.is_protected)) {
      return InvalidArgument("expected true or false, found " + Describe(value));
    }
    return Status::Ok();
  }
  if (!value.IsScalar()) return InvalidArgument("expected a string, found " + Describe(value));
  const std::string& text = value.Scalar();
  // The file is checked for UTF-8 before parsing, but escapes in quoted YAML
  // ("\_", "\N": raw Latin-1 bytes) make bytes of their own.
  if (size_t at = InvalidUtf8At(text); at != std::string::npos) {
    return InvalidArgument("byte " + std::to_string(at + 1) +
                           " of the value is not UTF-8 (an escape such as \\_ or \\N in a "
                           "quoted string?); write the characters themselves");
  }
  // Commands may span lines; nothing else holds a control character (a stray
  // carriage return would not survive being written back, and prints badly).
  const bool multiline = name == "migrate" || name == "comment_command";
  if (size_t at = ControlCharAt(text, multiline ? "\n\t" : ""); at != std::string::npos) {
    return InvalidArgument("control character " + Quote(text.substr(at, 1)) + " at byte " +
                           std::to_string(at + 1) + " of the value; " +
                           (multiline ? "only newlines and tabs may appear here"
                                      : "write it on one line, with Unix line endings"));
  }
  if (name == "source") {
    RETURN_IF_ERROR(ValidateName("source branch", text));
    c.source = text;
  } else if (name == "snapshot") {
    RETURN_IF_ERROR(ValidateName("snapshot", text));
    c.snapshot = text;
  } else if (name == "ttl") {
    ASSIGN_OR_RETURN(c.ttl_seconds, ParseDuration(text));
  } else if (name == "migrate") {
    c.migrate = text;
  } else if (name == "seed") {
    RETURN_IF_ERROR(CheckSeedPath(text));
    c.seed = text;
  } else if (name == "workdir") {
    if (!text.starts_with("/")) {
      return InvalidArgument("\"" + text +
                             "\" is not an absolute path; use one like /srv/checkouts/app");
    }
    c.workdir = text;
  } else if (name == "branch_prefix") {
    RETURN_IF_ERROR(ValidateName("branch", text + "123"));
    c.branch_prefix = text;
  } else if (name == "comment_command") {
    c.comment_command = text;
  } else if (name == "forge") {
    if (text != "github" && text != "gitlab") {
      return InvalidArgument("expected github or gitlab, found \"" + text + "\"");
    }
    c.forge = text;
  } else if (name == "forge_url") {
    RETURN_IF_ERROR(CheckForgeUrl(text));
    c.forge_url = text;
  } else if (name == "forge_token_env") {
    if (!std::regex_match(text, std::regex("SPUR_FORGE_[A-Z0-9_]{1,64}"))) {
      return InvalidArgument("\"" + text +
                             "\" is not an environment variable named SPUR_FORGE_*, such as "
                             "SPUR_FORGE_TOKEN (set it in the environment of spur serve)");
    }
    c.forge_token_env = text;
  } else if (name == "forge_token_file") {
    RETURN_IF_ERROR(ValidateName("forge token file", text));
    c.forge_token_file = text;
  }
  return Status::Ok();
}

// Largest whole unit ParseDuration reads back: 259200 -> "3d", 5400 -> "90m".
std::string DurationText(int64_t seconds) {
  static const struct {
    int64_t size;
    const char* name;
  } kUnits[] = {{7 * 86400, "w"}, {86400, "d"}, {3600, "h"}, {60, "m"}};
  for (const auto& u : kUnits) {
    if (seconds % u.size == 0) return std::to_string(seconds / u.size) + u.name;
  }
  return std::to_string(seconds) + "s";
}

}  // namespace

Result<RepoConfig> ParseRepoConfig(std::string_view yaml_text) {
  // Every value ends up in JSON (GET /repos, the audit log), which holds only UTF-8.
  RETURN_IF_ERROR(CheckTextFile(".spur.yaml", yaml_text));
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return InvalidArgument(Where(e.mark) + ": " + e.msg + "; fix the YAML syntax");
  }
  RepoConfig c;
  if (root.IsNull()) return c;
  if (!root.IsMap()) {
    return InvalidArgument(".spur.yaml must be a mapping of settings like \"source: main\", not " +
                           Describe(root));
  }
  std::set<std::string> seen;
  bool source_set = false;
  YAML::Mark snapshot_mark;
  for (const auto& kv : root) {
    const YAML::Node& key = kv.first;
    if (!key.IsScalar() || !IsKnownKey(key.Scalar())) {
      return InvalidArgument(Where(key.Mark()) + ": unknown key " + Describe(key) +
                             "; known keys are " + KnownKeys());
    }
    const std::string& name = key.Scalar();
    if (!seen.insert(name).second) {
      return InvalidArgument(Where(key.Mark()) + ": key \"" + name + "\" appears twice");
    }
    if (kv.second.IsNull()) continue;
    if (name == "labels") {
      ASSIGN_OR_RETURN(c.labels, ParseLabels(key, kv.second));
    } else if (name == "rehearse") {
      ASSIGN_OR_RETURN(c.rehearse, ParseRehearseRules(key, kv.second));
    } else {
      RETURN_IF_ERROR(ApplyKey(name, kv.second, c).WithContext(Where(key.Mark()) + ": " + name));
    }
    if (name == "source") source_set = true;
    if (name == "snapshot") snapshot_mark = key.Mark();
  }
  if (source_set && !c.snapshot.empty()) {
    return InvalidArgument(Where(snapshot_mark) +
                           ": both source and snapshot are set; keep one: a branch forks from "
                           "a source branch or from a snapshot");
  }
  if (!c.snapshot.empty()) c.source.clear();
  const bool has_token = !c.forge_token_env.empty() || !c.forge_token_file.empty();
  if (c.forge.empty() && (has_token || !c.forge_url.empty())) {
    return InvalidArgument("forge_url and forge_token_* need forge: github or forge: gitlab");
  }
  if (!c.forge.empty() && (!c.forge_token_env.empty()) == (!c.forge_token_file.empty())) {
    return InvalidArgument("forge: " + c.forge +
                           " needs exactly one of forge_token_env and forge_token_file");
  }
  return c;
}

std::string RepoConfigToYaml(const RepoConfig& c) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  if (c.snapshot.empty()) {
    out << YAML::Key << "source" << YAML::Value << c.source;
  } else {
    out << YAML::Key << "snapshot" << YAML::Value << c.snapshot;
  }
  if (c.ttl_seconds) out << YAML::Key << "ttl" << YAML::Value << DurationText(*c.ttl_seconds);
  if (!c.migrate.empty()) out << YAML::Key << "migrate" << YAML::Value << c.migrate;
  if (!c.seed.empty()) out << YAML::Key << "seed" << YAML::Value << c.seed;
  if (!c.workdir.empty()) out << YAML::Key << "workdir" << YAML::Value << c.workdir;
  if (!c.labels.empty()) {
    out << YAML::Key << "labels" << YAML::Value << YAML::BeginMap;
    for (const auto& [k, v] : c.labels) out << YAML::Key << k << YAML::Value << v;
    out << YAML::EndMap;
  }
  out << YAML::Key << "branch_prefix" << YAML::Value << c.branch_prefix;
  if (!c.comment_command.empty()) {
    out << YAML::Key << "comment_command" << YAML::Value << c.comment_command;
  }
  for (const auto& [key, value] : {std::pair{"forge", &c.forge},
                                   {"forge_url", &c.forge_url},
                                   {"forge_token_env", &c.forge_token_env},
                                   {"forge_token_file", &c.forge_token_file}}) {
    if (!value->empty()) out << YAML::Key << key << YAML::Value << *value;
  }
  out << YAML::Key << "protected" << YAML::Value << c.is_protected;
  if (c.rehearse != RehearseRules{}) {
    const RehearseRules& r = c.rehearse;
    out << YAML::Key << "rehearse" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "max_write_block" << YAML::Value
        << std::to_string(r.max_write_block_ms) + "ms";
    out << YAML::Key << "max_read_block" << YAML::Value
        << std::to_string(r.max_read_block_ms) + "ms";
    out << YAML::Key << "max_rewrite" << YAML::Value << std::to_string(r.max_rewrite_bytes);
    out << YAML::Key << "max_plan_regression" << YAML::Value
        << std::to_string(r.max_plan_regression);
    if (!r.allow_drop.empty()) {
      out << YAML::Key << "allow_drop" << YAML::Value << YAML::BeginSeq;
      for (const std::string& d : r.allow_drop) out << d;
      out << YAML::EndSeq;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

nlohmann::json RepoConfigToJson(const RepoConfig& c) {
  auto or_null = [](const std::string& s) {
    return s.empty() ? nlohmann::json() : nlohmann::json(s);
  };
  return {{"source", or_null(c.source)},
          {"snapshot", or_null(c.snapshot)},
          {"ttl_seconds", c.ttl_seconds ? nlohmann::json(*c.ttl_seconds) : nlohmann::json()},
          {"migrate", or_null(c.migrate)},
          {"seed", or_null(c.seed)},
          {"workdir", or_null(c.workdir)},
          {"labels", c.labels},
          {"branch_prefix", c.branch_prefix},
          {"comment_command", or_null(c.comment_command)},
          {"forge", or_null(c.forge)},
          {"forge_url", or_null(c.forge_url)},
          {"forge_token_env", or_null(c.forge_token_env)},
          {"forge_token_file", or_null(c.forge_token_file)},
          {"protected", c.is_protected},
          {"rehearse",
           {{"max_write_block_ms", c.rehearse.max_write_block_ms},
            {"max_read_block_ms", c.rehearse.max_read_block_ms},
            {"max_rewrite_bytes", c.rehearse.max_rewrite_bytes},
            {"max_plan_regression", c.rehearse.max_plan_regression},
            {"allow_drop", c.rehearse.allow_drop}}}};
}

}  // namespace spur::hooks
