// Per-repository settings for `spur serve`, written as a `.spur.yaml` file:
//
//   source: main                  # branch to fork from (default main)
//   snapshot: nightly             # or a named snapshot to fork from (exclusive with source)
//   ttl: 3d                       # branch TTL
//   migrate: "npm run migrate"    # shell command run with DATABASE_URL set
//   seed: db/seed.sql             # SQL file applied after migrate, relative to the checkout
//   workdir: /srv/checkouts/app   # absolute directory the commands run in
//   labels: {team: payments}
//   branch_prefix: pr-            # the branch is prefix + PR number (default "pr-")
//   comment_command: "gh pr comment $SPUR_PR --body-file -"   # gets the comment on stdin
//   forge: github                 # or gitlab: spur posts, then edits, one comment per PR
//   forge_url: https://api.github.com   # GitHub Enterprise .../api/v3, GitLab .../api/v4
//   forge_token_env: SPUR_FORGE_TOKEN   # the token: an env var of `spur serve` (SPUR_FORGE_*)
//   forge_token_file: github            # or a file <pool>/forge-tokens/github
//   protected: false
//
// Every key is optional; an empty file means all defaults. Pure parsing and printing.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace spur::hooks {

// `rehearse:` in .spur.yaml: the guardrails `spur rehearse` judges a
// migration by (rehearse/guardrails.h); unset keys keep these defaults.
struct RehearseRules {
  int64_t max_write_block_ms = 2000;
  int64_t max_read_block_ms = 5000;
  int64_t max_rewrite_bytes = int64_t{1} << 30;
  int64_t max_plan_regression = 10;     // times the plan cost before
  std::vector<std::string> allow_drop;  // "table" or "table.column", as regclass prints them

  bool operator==(const RehearseRules&) const = default;
};

struct RepoConfig {
  std::string source = "main";         // branch to fork from; "" when `snapshot` is set
  std::string snapshot;                // snapshot to fork from instead ("" = fork `source`)
  std::optional<int64_t> ttl_seconds;  // unset = branches never expire
  std::string migrate;                 // shell command ("" = none)
  std::string seed;                    // relative path of a SQL file ("" = none)
  std::string workdir;                 // absolute directory ("" = the caller's default)
  std::map<std::string, std::string> labels;
  std::string branch_prefix = "pr-";
  std::string comment_command;  // shell command fed the PR comment ("" = don't post)
  // Posting the comment through the forge's API ("" = don't). The token's
  // source is restricted (an env var named SPUR_FORGE_*, a file in the pool's
  // forge-tokens directory) so that settings cannot send any other secret of
  // the host to a URL of their choosing.
  std::string forge;             // "github" | "gitlab" | ""
  std::string forge_url;         // "" = the forge's public API
  std::string forge_token_env;   // SPUR_FORGE_[A-Z0-9_]+
  std::string forge_token_file;  // a name (the name rule)
  bool is_protected = false;     // `protected:` in YAML
  RehearseRules rehearse;

  // branch_prefix + `pr`, e.g. "pr-42". ParseRepoConfig checks prefix + "123" is a valid
  // name; a very long prefix with a very large number can still exceed 63 characters, so
  // callers validate the result before creating the branch.
  std::string BranchName(int64_t pr) const { return branch_prefix + std::to_string(pr); }

  bool operator==(const RepoConfig&) const = default;
};

// Parses `.spur.yaml` text. A key set to null (`ttl:` with no value) keeps its default.
// InvalidArgument for text that is not UTF-8 and, naming the line and key, for YAML syntax
// errors, a document that is not a mapping, unknown or repeated keys (the message lists the
// known ones), values of the wrong type, both `source` and `snapshot`, invalid
// branch/snapshot/label names, a bad duration, an absolute or ".."-escaping `seed`, a relative
// `workdir`, a prefix making invalid names, an unknown forge, a forge URL that is not https
// (plain http only to a loopback address), a token env var not named SPUR_FORGE_*, a
// forge without exactly one token source, or a `rehearse:` that is not a mapping of
// max_write_block / max_read_block (durations, "500ms" too), max_rewrite (a size) and
// allow_drop (a list of names).
Result<RepoConfig> ParseRepoConfig(std::string_view yaml_text);

// YAML that ParseRepoConfig reads back to an equal config. The TTL is written in its largest
// whole unit ("3d", "90m").
std::string RepoConfigToYaml(const RepoConfig& config);

// {"source", "snapshot", "ttl_seconds", "migrate", "seed", "workdir", "labels",
//  "branch_prefix", "comment_command", "forge", "forge_url", "forge_token_env",
//  "forge_token_file", "protected", "rehearse"}; unset strings and TTL are null.
nlohmann::json RepoConfigToJson(const RepoConfig& config);

}  // namespace spur::hooks
