// The Markdown comment spur posts (and later edits) on a pull request: what branch the PR got,
// how to connect, and how its migration went. Pure text building; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spur::hooks {

struct MigrationResult {
  std::string command;
  int exit_code = 0;        // -1 when killed by a signal (os::RunOutput's convention)
  double seconds = 0;       // how long it ran
  std::string output_tail;  // the last lines of its output, as captured
};

// What the branch changed against its parent, as the comment shows it.
struct DiffSummary {
  std::string against;  // the branch or snapshot compared with
  struct Statement {
    std::string sql;
    std::vector<std::string> hazards;  // "table_rewrite", "data_loss", ...
  };
  std::vector<Statement> statements;  // the schema script, in order
  struct Table {
    std::string name;  // schema.table
    int64_t inserted = 0, deleted = 0, updated = 0;
  };
  std::vector<Table> tables;  // tables with changed rows
  int64_t sequences = 0;      // sequences the branch moved
  std::string error;          // why there is no diff ("" when there is)
};

struct CommentInput {
  std::string repo;  // "owner/name"
  int64_t pr = 0;
  std::string branch;
  std::string state;  // "running" | "stopped"
  std::string host;   // as clients reach it; an IPv6 address is bracketed in the URI
  int port = 0;
  std::string database, role;                // shown without the password, which `spur uri` prints
  std::optional<MigrationResult> migration;  // nullopt: no migrate command configured
  std::optional<DiffSummary> diff;           // nullopt: not computed
  uint64_t exclusive_bytes = 0;              // storage only this branch uses
  double cost_estimate_month = 0;
  std::string currency = "USD";
  std::optional<int64_t> expires_at;  // Unix time; nullopt: never expires
  int64_t now = 0;                    // Unix time the comment is built at
};

// "<!-- spur:owner/name#42 -->", the first line of every comment for that PR, so a poster can
// find its earlier comment and edit it instead of adding another.
std::string CommentMarker(std::string_view repo, int64_t pr);

// GitHub-flavoured Markdown: the marker, a heading, a table (branch, state, storage, estimated
// monthly cost, time to expiry), a Connect section with a psql command line, a Migration
// section, and the Changes: the schema statements with their hazards and the changed rows per
// table (each cut after its first 50 entries). Untrusted text (the command, its output) is escaped
// so it cannot end a code span or fence early; the output is cut to its last 16 KiB and terminal
// escapes are removed.
std::string BuildPrComment(const CommentInput& input);

}  // namespace spur::hooks
