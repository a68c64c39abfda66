#include "cli/context.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "api/call.h"
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
    case Code::kUnauthenticated:
    case Code::kPermissionDenied:
      return 7;
    case Code::kResourceExhausted:
      return 8;
    case Code::kStorageFull:
      return 11;
    case Code::kInternal:
      return 1;
  }
  return 1;
}

bool UsesServer(const GlobalOptions& g) {
  const char* env = std::getenv("SPUR_SERVER");
  return !g.server.empty() || (env != nullptr && *env != '\0');
}

Status LocalOnly(const GlobalOptions& g, const char* what) {
  if (UsesServer(g)) {
    return FailedPrecondition(std::string(what) +
                              " runs on the pool's host, not through --server/SPUR_SERVER; run "
                              "it there (scheduled syncs run inside `spur serve`)");
  }
  return Status::Ok();
}

int Fail(const GlobalOptions& g, const Status& status) {
  std::fprintf(stderr, "error: %s\n", status.message().c_str());
  if (g.json) {
    PrintJson({{"error", {{"code", api::CodeName(status.code())}, {"message", status.message()}}}});
  }
  return ExitCode(status);
}

void PrintJson(const nlohmann::json& value) {
  // Replace, not throw, on bytes that are not UTF-8 (a SQL_ASCII database's rows).
  std::cout << value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
}

}  // namespace spur::cli
