#include "cli/client.h"

#include <spdlog/spdlog.h>

#include <cstdlib>

#include "api/call.h"
#include "api/pool_access.h"
#include "api/service.h"
#include "audit/log.h"
#include "common/untrusted_json.h"
#include "http/client.h"
#include "http/message.h"
#include "os/fs.h"

namespace spur::cli {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string Server(const GlobalOptions& g) {
  return g.server.empty() ? Env("SPUR_SERVER") : g.server;
}

Result<api::Reply> Remote(const GlobalOptions& g, const std::string& server, const api::Call& c) {
  ASSIGN_OR_RETURN(auto client, http::HttpClient::FromUrl(
                                    server, g.cacert.empty() ? Env("SPUR_CACERT") : g.cacert));
  std::string target = c.path;
  char sep = '?';
  for (const auto& [k, v] : c.query) {
    target += sep + http::UrlEncode(k) + "=" + http::UrlEncode(v);
    sep = '&';
  }
  std::map<std::string, std::string> headers;
  std::string token = g.token.empty() ? Env("SPUR_TOKEN") : g.token;
  if (!token.empty()) headers["Authorization"] = "Bearer " + token;
  std::string body;
  if (!c.body.is_null() && !(c.body.is_object() && c.body.empty() && c.method == "GET")) {
    body = c.body.dump();
    headers["Content-Type"] = "application/json";
  }
  ASSIGN_OR_RETURN(auto resp, client.Call(c.method, target, headers, body));
  api::Reply r;
  r.status = resp.status;
  r.content_type = resp.content_type;
  if (resp.content_type.rfind("application/json", 0) == 0) {
    // Replies nest what requests held (audit details) a few levels deeper.
    auto body = ParseUntrustedJson(resp.body, "server reply",
                                   {.max_bytes = resp.body.size(), .max_depth = 512});
    if (body.ok()) r.body = std::move(*body);
    if (!body.ok()) {
      return Unavailable("server " + server + " answered HTTP " + std::to_string(resp.status) +
                         " with a body that is not JSON; is it a spur server?");
    }
  } else {
    r.text = resp.body;
  }
  return r;
}

Result<api::Reply> Local(const GlobalOptions& g, const api::Call& c) {
  ASSIGN_OR_RETURN(auto pool, OpenPool(g));
  ASSIGN_OR_RETURN(auto audit, audit::AuditLog::Open(pool->layout().audit_log()));
  api::HeldPoolAccess access(*pool);
  api::ServiceOptions options;
  options.clock = &pool->clock();
  api::Service service(access, audit, options);
  service.AuditRepairs(pool->repairs());
  std::string user = LocalUser();
  return service.Handle(c, api::Principal{"local:" + user, api::Role::kAdmin, user});
}

Result<api::Reply> Invoke(const GlobalOptions& g, const std::string& method,
                          const std::string& path, const nlohmann::json& body,
                          const std::map<std::string, std::string>& query) {
  api::Call c;
  c.method = method;
  c.path = path;
  c.query = query;
  c.body = body.is_null() ? nlohmann::json::object() : body;
  std::string server = Server(g);
  if (!server.empty()) return Remote(g, server, c);
  return Local(g, c);
}

}  // namespace

Result<nlohmann::json> CallLocalDaemon(const GlobalOptions& g, const std::string& path) {
  const std::string socket = ResolvePoolDir(g) + "/spur.sock";
  if (!os::PathExists(socket)) return NotFound("no daemon runs on this pool");
  api::Call c;
  c.method = "GET";
  c.path = path;
  GlobalOptions local = g;
  local.token.clear();  // the socket knows who calls
  ASSIGN_OR_RETURN(auto reply, Remote(local, "unix://" + socket, c));
  RETURN_IF_ERROR(api::StatusFromReply(reply.status, reply.body));
  return reply.body;
}

std::string Seg(const std::string& name) { return http::UrlEncode(name); }

std::string LocalUser() {
  std::string user = Env("SUDO_USER");
  if (user.empty()) user = Env("USER");
  return user.empty() ? "root" : user;
}

Result<nlohmann::json> CallApi(const GlobalOptions& g, const std::string& method,
                               const std::string& path, const nlohmann::json& body,
                               const std::map<std::string, std::string>& query) {
  ASSIGN_OR_RETURN(auto reply, Invoke(g, method, path, body, query));
  RETURN_IF_ERROR(api::StatusFromReply(reply.status, reply.body));
  return reply.body;
}

Result<std::string> CallApiText(const GlobalOptions& g, const std::string& path) {
  ASSIGN_OR_RETURN(auto reply, Invoke(g, "GET", path, nullptr, {}));
  RETURN_IF_ERROR(api::StatusFromReply(reply.status, reply.body));
  return reply.text;
}

}  // namespace spur::cli
