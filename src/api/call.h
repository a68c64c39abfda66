// One API call and its reply, independent of transport: the HTTP server
// (spur serve) and the CLI working on a local pool both speak this, which is
// what keeps their results identical.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "authz/principal.h"
#include "common/status.h"

namespace spur::api {

// The caller and its role are authz types (authz/principal.h), named here
// as the API's own because every route takes them.
using authz::Principal;
using authz::Role;
using authz::RoleFrom;
using authz::ToString;

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
