// One API call and its reply, independent of transport: the HTTP server
// (spur serve) and the CLI working on a local pool both speak this, which is
// what keeps their results identical.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"

namespace spur::api {

enum class Role { kViewer = 0, kDeveloper = 1, kAdmin = 2 };
const char* ToString(Role role);
// "admin" | "developer" | "viewer"; InvalidArgument otherwise.
Result<Role> RoleFrom(const std::string& text);

// Who makes a call. `actor` is what the audit log records, e.g.
// "local:alice" or "token:3(ci)". Developers act on branches they own.
struct Principal {
  std::string actor;
  Role role = Role::kViewer;
  std::string owner;
  // A token scoped to repositories: it acts for their pull-request branches
  // whoever owns them (access.h), and runs `ci up/down` for those only.
  std::vector<std::string> repos;
};

struct Call {
  std::string method;  // GET POST PATCH PUT DELETE
  std::string path;    // "/branches/pr-1/reset", segments percent-encoded (UrlEncode)
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // lower-case keys (webhooks)
  std::string raw_body;                        // as received (webhook signatures)
  nlohmann::json body = nlohmann::json::object();
};

struct Reply {
  int status = 200;
  nlohmann::json body = nlohmann::json::object();
  // Non-JSON replies (Markdown comment, Prometheus text): `text` with its type.
  std::string text;
  std::string content_type = "application/json";
};

// A JSON reply with `status` (200 unless given).
Reply JsonReply(nlohmann::json body, int status = 200);

// The one place a Status becomes an HTTP status and error body, and back.
int HttpStatusFor(Code code);
const char* CodeName(Code code);
Reply ErrorReply(const Status& status);
// The Status an error reply stands for (what the CLI turns into its exit code
// and message).
Status StatusFromReply(int http_status, const nlohmann::json& body);

}  // namespace spur::api
