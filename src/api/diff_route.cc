// POST /branches/{name}/diff: `spur diff` through the server. The body holds
// the CLI's options; the reply is {"branch", "against", "differs", "format"}
// with "output" (text, sql, sql-reverse) or "result" (json).
#include "api/body.h"
#include "api/service.h"
#include "authz/data_access.h"
#include "engine/branch_diff.h"

namespace spur::api {
namespace {

// Bounds of one diff served to a client: rows kept in memory, and the reply.
constexpr int64_t kMaxRowsPerTable = 10000;
constexpr size_t kMaxKeptRows = 1000000;
constexpr size_t kMaxReplyBytes = 64u << 20;
constexpr size_t kMaxTables = 1000;

Result<engine::DiffRequest> ReadRequest(const Call& call, const std::string& branch) {
  const nlohmann::json& b = call.body.is_null() ? nlohmann::json::object() : call.body;
  if (!b.is_object()) return InvalidArgument("the body must be a JSON object");
  RETURN_IF_ERROR(
      OnlyKeys(b, {"against", "format", "database", "schema_only", "data_only", "full", "color",
                   "tables", "max_rows", "lock_timeout", "statement_timeout"}));
  engine::DiffRequest r;
  r.branch = branch;
  ASSIGN_OR_RETURN(auto against, OptString(b, "against"));
  ASSIGN_OR_RETURN(auto format, OptString(b, "format"));
  ASSIGN_OR_RETURN(auto database, OptString(b, "database"));
  ASSIGN_OR_RETURN(auto lock_timeout, OptString(b, "lock_timeout"));
  ASSIGN_OR_RETURN(auto statement_timeout, OptString(b, "statement_timeout"));
  ASSIGN_OR_RETURN(auto schema_only, OptBool(b, "schema_only"));
  ASSIGN_OR_RETURN(auto data_only, OptBool(b, "data_only"));
  ASSIGN_OR_RETURN(auto full, OptBool(b, "full"));
  ASSIGN_OR_RETURN(auto color, OptBool(b, "color"));
  ASSIGN_OR_RETURN(auto max_rows, OptInt(b, "max_rows", 0, kMaxRowsPerTable));
  r.against = against.value_or("");
  r.format = format.value_or("text");
  r.database = database.value_or("");
  r.lock_timeout = lock_timeout.value_or(r.lock_timeout);
  r.statement_timeout = statement_timeout.value_or(r.statement_timeout);
  r.schema_only = schema_only.value_or(false);
  r.data_only = data_only.value_or(false);
  r.full = full.value_or(false);
  r.color = color.value_or(false);
  // 0 ("all") is the CLI's own choice on its host; here it is the bound.
  const int64_t rows = max_rows.value_or(20);
  r.max_rows = rows == 0 ? kMaxRowsPerTable : static_cast<size_t>(rows);
  ASSIGN_OR_RETURN(auto tables, OptStringList(b, "tables", kMaxTables));
  r.tables = tables.value_or(std::vector<std::string>{});
  r.max_total_rows = kMaxKeptRows;
  r.max_kept_bytes = kMaxReplyBytes;
  RETURN_IF_ERROR(engine::CheckDiffRequest(r));
  return r;
}

// A diff reads the rows of both sides: the caller must be allowed to read
// each (authz/data_access.h). `against` is a branch or, failing that, a snapshot.
Status CheckMayDiff(engine::Pool& pool, const Principal& who, const std::string& branch,
                    const std::string& against) {
  ASSIGN_OR_RETURN(auto b, pool.store().GetBranch(branch));
  RETURN_IF_ERROR(authz::CheckReadData(who, b));
  auto other = pool.store().GetBranch(against);
  if (other.ok()) return authz::CheckReadData(who, *other);
  if (other.status().code() != Code::kNotFound) return other.status();
  return authz::CheckMayCopy(pool.store(), who, std::nullopt, against);
}

}  // namespace

Result<Reply> Service::DiffBranch(const Call& call, const Principal& who, const Params& p) {
  ASSIGN_OR_RETURN(engine::DiffRequest r, ReadRequest(call, p.at("name")));
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    if (!pool.store().GetBranch(r.branch).ok()) {
      return NotFound("no branch \"" + r.branch + "\"; `spur branch list` shows the branches");
    }
    if (r.against.empty()) {
      ASSIGN_OR_RETURN(r.against, pool.DiffBase(r.branch));
    }
    return CheckMayDiff(pool, who, r.branch, r.against);
  }));
  ASSIGN_OR_RETURN(engine::DiffOutput out, engine::RunDiff(r, pool_.AsWithPool()));
  nlohmann::json reply = {
      {"branch", out.to}, {"against", out.from}, {"differs", out.differs}, {"format", r.format}};
  const size_t size = r.format == "json" ? out.json.dump().size() : out.text.size();
  if (size > kMaxReplyBytes) {
    return ResourceExhausted("the diff is larger than " + std::to_string(kMaxReplyBytes >> 20) +
                             " MiB; narrow it to some tables, or run `spur diff` on the "
                             "pool's host");
  }
  if (r.format == "json") {
    reply["result"] = std::move(out.json);
  } else {
    reply["output"] = std::move(out.text);
  }
  return JsonReply(std::move(reply));
}

}  // namespace spur::api
