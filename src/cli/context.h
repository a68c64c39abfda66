// What every command shares: global flags, opening the pool, printing results
// and errors the same way (text for people, --json for tools).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "engine/pool.h"

namespace spur::cli {

struct GlobalOptions {
  std::string pool;    // --pool / SPUR_POOL / default
  std::string server;  // --server (else $SPUR_SERVER): use a daemon instead of the pool
  std::string token;   // --token (else $SPUR_TOKEN)
  std::string cacert;  // --cacert (else $SPUR_CACERT): CA to trust for an https:// server
  bool json = false;
  bool wide = false;  // --wide: table cells whole (cli/table.h)
  bool verbose = false;
  bool quiet = false;
};

// The pool directory: --pool, else $SPUR_POOL, else /var/lib/spur for root
// and ~/.local/share/spur for others.
std::string ResolvePoolDir(const GlobalOptions& g);

// Opens the pool and reports what reconciliation repaired.
Result<std::unique_ptr<engine::Pool>> OpenPool(const GlobalOptions& g);

// Process exit code for a status: 0 ok, 2 bad input, 3 not found, 4 exists,
// 5 refused by state, 6 unavailable, 7 not allowed (token/role), 8 quota
// exceeded, 1 anything else.
int ExitCode(const Status& status);

// True when --server or $SPUR_SERVER names a daemon to talk to.
bool UsesServer(const GlobalOptions& g);

// FailedPrecondition when --server/SPUR_SERVER is set: `what` works on the
// pool's host only (it reads files there and writes into the pool's disk).
Status LocalOnly(const GlobalOptions& g, const char* what);

// Prints the error (stderr, and a JSON object on stdout with --json) and
// returns the exit code.
int Fail(const GlobalOptions& g, const Status& status);

// Prints `value` as JSON on stdout.
void PrintJson(const nlohmann::json& value);

}  // namespace spur::cli
