// How a command reaches the API: over HTTP when --server/SPUR_SERVER is set
// (with --token/SPUR_TOKEN), else in-process on the local pool, as the local
// user with admin rights (whoever can open the pool's files owns it anyway).
// Both paths return the same JSON, so output is identical.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/context.h"
#include "common/status.h"

namespace spur::cli {

// Calls the API. Returns the reply body, or the error it carries as a Status
// (same code and message either way).
Result<nlohmann::json> CallApi(const GlobalOptions& g, const std::string& method,
                               const std::string& path, const nlohmann::json& body = nullptr,
                               const std::map<std::string, std::string>& query = {});
// For routes that answer text (the PR comment).
Result<std::string> CallApiText(const GlobalOptions& g, const std::string& path);

// GET `path` from the daemon serving this pool, on its Unix socket, for
// what only a running daemon knows (its proxy's connections) when the CLI
// works on the pool itself. NotFound when no daemon listens there; other
// errors as CallApi. Not for use with --server/SPUR_SERVER.
Result<nlohmann::json> CallLocalDaemon(const GlobalOptions& g, const std::string& path);

// `name` as one percent-encoded path segment ("x/y" -> "x%2Fy"), so bad
// names reach the API whole and are refused there as bad input.
std::string Seg(const std::string& name);

// The name commands record as owner when none is given: $SUDO_USER, else $USER.
std::string LocalUser();

}  // namespace spur::cli
