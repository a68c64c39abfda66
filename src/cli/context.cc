#include "cli/context.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "common/units.h"
#include "os/user.h"

namespace spur::cli {

std::string ResolvePoolDir(const GlobalOptions& g) {
  if (!g.pool.empty()) return g.pool;
  if (const char* env = std::getenv("SPUR_POOL"); env && *env) return env;
  if (os::IsRoot()) return "/var/lib/spur";
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
    return std::string(xdg) + "/spur";
  const char* home = std::getenv("HOME");
  return std::string(home ? home : ".") + "/.local/share/spur";
}

Result<std::unique_ptr<engine::Pool>> OpenPool(const GlobalOptions& g) {
  return engine::Pool::Open(ResolvePoolDir(g));
}

int ExitCode(const Status& status) {
  switch (status.code()) {
    case Code::kOk:
      return 0;
    case Code::kInvalidArgument:
      return 2;
    case Code::kNotFound:
      return 3;
    case Code::kAlreadyExists:
      return 4;
    case Code::kFailedPrecondition:
      return 5;
    case Code::kUnavailable:
      return 6;
    case Code::kInternal:
      return 1;
  }
  return 1;
}

namespace {
const char* CodeName(Code c) {
  switch (c) {
    case Code::kOk:
      return "ok";
    case Code::kInvalidArgument:
      return "invalid_argument";
    case Code::kNotFound:
      return "not_found";
    case Code::kAlreadyExists:
      return "already_exists";
    case Code::kFailedPrecondition:
      return "failed_precondition";
    case Code::kUnavailable:
      return "unavailable";
    case Code::kInternal:
      return "internal";
  }
  return "internal";
}
}  // namespace

int Fail(const GlobalOptions& g, const Status& status) {
  std::fprintf(stderr, "error: %s\n", status.message().c_str());
  if (g.json) {
    PrintJson({{"error", {{"code", CodeName(status.code())}, {"message", status.message()}}}});
  }
  return ExitCode(status);
}

void PrintJson(const nlohmann::json& value) { std::cout << value.dump(2) << std::endl; }

nlohmann::json BranchJson(const engine::Pool& pool, const engine::BranchInfo& info) {
  const catalog::Branch& b = info.branch;
  nlohmann::json j = {
      {"name", b.name},
      {"parent",
       info.parent_name.empty() ? nlohmann::json(nullptr) : nlohmann::json(info.parent_name)},
      {"snapshot",
       info.snapshot_name.empty() ? nlohmann::json(nullptr) : nlohmann::json(info.snapshot_name)},
      {"state", info.running
                    ? "running"
                    : (b.state == catalog::BranchState::kCreating ? "creating" : "stopped")},
      {"port", b.port},
      {"uri", pool.Uri(b)},
      {"role", b.role},
      {"database", b.database},
      {"owner", b.owner},
      {"created_at", FormatTimestamp(b.created_at)},
      {"last_used_at", FormatTimestamp(b.last_used_at)},
      {"expires_at",
       b.expires_at ? nlohmann::json(FormatTimestamp(*b.expires_at)) : nlohmann::json(nullptr)},
      {"ttl_seconds", b.ttl_seconds ? nlohmann::json(*b.ttl_seconds) : nlohmann::json(nullptr)},
      {"pid", info.pid ? nlohmann::json(*info.pid) : nlohmann::json(nullptr)},
      {"data_directory", pool.layout().BranchData(b.id)},
      {"log", pool.layout().BranchLog(b.id)},
      {"socket_dir", pool.layout().BranchSocketDir(b.id)},
      {"settings", nlohmann::json::parse(b.settings_json, nullptr, false)},
      {"labels", nlohmann::json::parse(b.labels_json, nullptr, false)},
  };
  if (info.usage) {
    j["exclusive_bytes"] = info.usage->exclusive_bytes;
    j["shared_bytes"] = info.usage->shared_bytes;
    j["logical_bytes"] = info.usage->logical_bytes;
  }
  return j;
}

nlohmann::json SnapshotJson(const catalog::Snapshot& s) {
  return {{"name", s.name},
          {"branch", s.branch_name},
          {"branch_deleted", !s.branch_id.has_value()},
          {"implicit", s.implicit},
          {"consistency", s.consistency},
          {"lsn", s.lsn.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.lsn)},
          {"created_at", FormatTimestamp(s.created_at)}};
}

}  // namespace spur::cli
