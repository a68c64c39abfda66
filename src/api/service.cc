#include "api/service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>
#include <sstream>

#include "api/body.h"
#include "audit/record.h"
#include "audit/summary.h"
#include "common/metrics.h"
#include "common/untrusted_text.h"
#include "http/message.h"

namespace spur::api {
namespace {

// Splits "/a/b%2Fc" into {"a", "b/c"}: split first, then decode each
// segment, so an encoded '/' stays inside its segment. Empty segments are
// kept ("/branches//x" has an empty name); a malformed escape gives nullopt.
std::optional<std::vector<std::string>> Segments(const std::string& path) {
  std::vector<std::string> out;
  size_t start = path.empty() || path[0] != '/' ? 0 : 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    auto part = http::PercentDecode(std::string_view(path).substr(start, slash - start), false);
    if (!part) return std::nullopt;
    out.push_back(*part);
    start = slash + 1;
  }
  if (out.size() > 1 && out.back().empty()) out.pop_back();  // trailing slash
  return out;
}

// `got`: the request path's decoded segments.
bool Match(const std::string& pattern, const std::vector<std::string>& got,
           Service::Params& params) {
  auto want = *Segments(pattern);
  if (want.size() != got.size()) return false;
  Service::Params found;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].size() > 2 && want[i].front() == '{' && want[i].back() == '}') {
      found[want[i].substr(1, want[i].size() - 2)] = got[i];
    } else if (want[i] != got[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

// What the audit log records of a request: never the body, only its size,
// SHA-256 and a bounded summary without secrets (audit/summary.h), with the
// query and path parameters.
nlohmann::json AuditDetail(const Call& call, const Service::Params& params) {
  std::map<std::string, std::string> extra;
  for (const auto& [k, v] : call.query) extra["query." + k] = v;
  for (const auto& [k, v] : params) extra[k] = v;
  return audit::RequestDetail(call.body, call.raw_body, extra);
}

std::string Target(const Call& call, const Service::Params& params) {
  for (const char* k : {"name", "id", "key"}) {
    if (auto it = params.find(k); it != params.end()) return it->second;
  }
  for (const char* k : {"name", "branch", "repo", "owner"}) {
    if (call.body.is_object() && call.body.contains(k) && call.body[k].is_string()) {
      return call.body[k].get<std::string>();
    }
  }
  if (call.body.is_object() && call.body.contains("pr")) {
    return "pr " + audit::CanonicalJson(call.body["pr"]);  // never throws on bad UTF-8
  }
  return "";
}

}  // namespace

Service::Service(PoolAccess& pool, audit::AuditLog& audit, ServiceOptions options)
    : pool_(pool), audit_(audit), options_(std::move(options)) {
  if (options_.metrics) DescribeMetrics(*options_.metrics);
  if (!options_.comment_poster) {
    own_poster_ = forge::MakeHttpCommentPoster();
    options_.comment_poster = own_poster_.get();
  }
  if (!options_.command_runner) {
    own_runner_ = pr::MakeShellCommandRunner();
    options_.command_runner = own_runner_.get();
  }
  pr::FlowParts parts;
  parts.with_pool = pool_.AsWithPool();
  parts.audit = [this](const std::string& actor, const std::string& action,
                       const std::string& target, const std::string& result,
                       const nlohmann::json& detail) {
    return AuditAppend(actor, action, target, result, detail);
  };
  parts.commands = options_.command_runner;
  parts.poster = options_.comment_poster;
  parts.data_replaced = [this](int64_t branch_id) { ForgetUsage(branch_id); };
  flow_ = std::make_unique<pr::Flow>(std::move(parts));
}

Result<nlohmann::json> Service::ApplyPullRequest(const hooks::PullRequestEvent& event,
                                                 const Principal& who, bool migrate,
                                                 pr::IfExists if_exists) {
  return flow_->Apply({event, who, migrate, if_exists});
}

const std::vector<Service::Route>& Service::Routes() {
  using R = Role;
  static const std::vector<Route> kRoutes = {
      {"GET", "/status", R::kViewer, nullptr, &Service::Status_},
      {"GET", "/cost", R::kViewer, nullptr, &Service::Cost},
      {"GET", "/branches", R::kViewer, nullptr, &Service::ListBranches},
      {"POST", "/branches", R::kDeveloper, "branch.create", &Service::CreateBranch},
      {"GET", "/branches/{name}", R::kViewer, nullptr, &Service::ShowBranch},
      {"PATCH", "/branches/{name}", R::kDeveloper, "branch.update", &Service::PatchBranch},
      {"DELETE", "/branches/{name}", R::kDeveloper, "branch.delete", &Service::DeleteBranch},
      {"POST", "/branches/{name}/reset", R::kDeveloper, "branch.reset", &Service::ResetBranch},
      {"POST", "/branches/{name}/start", R::kDeveloper, "branch.start", &Service::StartBranch},
      {"POST", "/branches/{name}/suspend", R::kDeveloper, "branch.suspend",
       &Service::SuspendBranch},
      {"POST", "/branches/{name}/stop", R::kDeveloper, "branch.stop", &Service::StopBranch},
      {"POST", "/branches/{name}/extend", R::kDeveloper, "branch.extend", &Service::ExtendBranch},
      {"GET", "/branches/{name}/connection", R::kViewer, nullptr, &Service::Connection},
      {"POST", "/branches/{name}/diff", R::kDeveloper, "branch.diff", &Service::DiffBranch},
      {"GET", "/branches/{name}/comment", R::kViewer, nullptr, &Service::Comment},
      {"GET", "/snapshots", R::kViewer, nullptr, &Service::ListSnapshots},
      {"POST", "/snapshots", R::kDeveloper, "snapshot.create", &Service::CreateSnapshot},
      {"DELETE", "/snapshots/{name}", R::kAdmin, "snapshot.delete", &Service::DeleteSnapshot},
      {"GET", "/tokens", R::kAdmin, nullptr, &Service::ListTokens},
      {"POST", "/tokens", R::kAdmin, "token.create", &Service::CreateToken},
      {"DELETE", "/tokens/{id}", R::kAdmin, "token.revoke", &Service::RevokeToken},
      {"GET", "/quotas", R::kViewer, nullptr, &Service::ListQuotas},
      {"PUT", "/quotas", R::kAdmin, "quota.set", &Service::PutQuota},
      {"DELETE", "/quotas", R::kAdmin, "quota.delete", &Service::DeleteQuota},
      {"GET", "/schedules", R::kViewer, nullptr, &Service::ListSchedules},
      {"PUT", "/schedules/{name}", R::kAdmin, "schedule.set", &Service::PutSchedule},
      {"DELETE", "/schedules/{name}", R::kAdmin, "schedule.delete", &Service::DeleteSchedule},
      {"GET", "/config", R::kViewer, nullptr, &Service::ListConfig},
      {"PUT", "/config/{key}", R::kAdmin, "config.set", &Service::SetConfig},
      {"GET", "/audit", R::kAdmin, nullptr, &Service::ListAudit},
      {"GET", "/repos", R::kViewer, nullptr, &Service::ListRepos},
      {"PUT", "/repos", R::kAdmin, "repo.set", &Service::PutRepo},
      {"DELETE", "/repos", R::kAdmin, "repo.delete", &Service::DeleteRepo},
      {"GET", "/deliveries", R::kAdmin, nullptr, &Service::ListDeliveries},
      {"POST", "/ci/up", R::kDeveloper, "ci.up", &Service::CiUp},
      {"POST", "/ci/down", R::kDeveloper, "ci.down", &Service::CiDown},
      {"POST", "/hooks/github", R::kViewer, nullptr, &Service::GitHubHook, true},
      {"POST", "/hooks/gitlab", R::kViewer, nullptr, &Service::GitLabHook, true},
  };
  return kRoutes;
}

Reply Service::Handle(const Call& call, const Principal& who, bool count) {
  Reply reply;
  try {
    reply = Dispatch(call, who);
  } catch (const std::exception& e) {  // a third-party throw must not kill the server
    // The text is for the operator's log only: it may name internals.
    spdlog::error("{} {}: unexpected exception: {}", ValidUtf8(call.method.substr(0, 16)),
                  ValidUtf8(call.path.substr(0, 200)), ValidUtf8(e.what()));
    reply = ErrorReply(Internal("internal error; the server's log has the details"));
  } catch (...) {
    spdlog::error("{} {}: unexpected non-standard exception", ValidUtf8(call.method.substr(0, 16)),
                  ValidUtf8(call.path.substr(0, 200)));
    reply = ErrorReply(Internal("internal error; the server's log has the details"));
  }
  if (count) CountRequest(call.method, call.path, reply.status);
  return reply;
}

namespace {
const char* const kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};
}  // namespace

void Service::DescribeMetrics(Metrics& m) {
  m.Describe(kRequestsMetric, MetricType::kCounter,
             "API requests by method, route (its template) and HTTP status");
  m.DeclareLabel(kRequestsMetric, "method", {std::begin(kMethods), std::end(kMethods)});
  std::vector<std::string> routes = {"unmatched"};
  for (const auto& route : Routes()) routes.push_back(route.pattern);
  m.DeclareLabel(kRequestsMetric, "route", routes);
  std::vector<std::string> codes;
  for (int code = 100; code <= 599; ++code) codes.push_back(std::to_string(code));
  m.DeclareLabel(kRequestsMetric, "code", codes);
}

void Service::CountRequest(const std::string& method, const std::string& path, int status) {
  if (!options_.metrics) return;
  std::string route = "unmatched";
  if (auto segments = Segments(path)) {
    for (const auto& r : Routes()) {
      Params ignored;
      if (Match(r.pattern, *segments, ignored)) {
        route = r.pattern;
        break;
      }
    }
  }
  // The Metrics declarations fold anything else to "other"; this keeps the
  // raw method out of even the argument.
  bool known = std::find(std::begin(kMethods), std::end(kMethods), method) != std::end(kMethods);
  options_.metrics->CounterAdd(kRequestsMetric, {{"method", known ? method : kOtherLabelValue},
                                                 {"route", route},
                                                 {"code", std::to_string(status)}});
}

Reply Service::Dispatch(const Call& call, const Principal& who) {
  bool path_known = false;
  auto decoded = Segments(call.path);
  if (!decoded) return ErrorReply(InvalidArgument("request path has a malformed %-escape"));
  for (const auto& segment : *decoded) {
    if (!IsValidUtf8(segment)) {
      return ErrorReply(InvalidArgument("request path is not valid UTF-8; names are ASCII"));
    }
  }
  // Outside text reaches the handlers (and the audit log) only as UTF-8.
  if (Status utf8 = CheckUtf8(call.body); !utf8.ok()) return ErrorReply(utf8);
  const auto& segments = *decoded;
  for (const auto& route : Routes()) {
    Params params;
    if (!Match(route.pattern, segments, params)) continue;
    path_known = true;
    if (call.method != route.method) continue;
    if (!route.token_free && static_cast<int>(who.role) < static_cast<int>(route.min_role)) {
      return ErrorReply(PermissionDenied(std::string(ToString(who.role)) + " tokens may not " +
                                         route.method + " " + route.pattern + "; it needs " +
                                         ToString(route.min_role)));
    }
    auto result = route.action ? Audited(route, call, who, params)
                               : (this->*route.handler)(call, who, params);
    if (!result.ok()) return ErrorReply(result.status());
    return *result;
  }
  if (path_known) {
    return ErrorReply(InvalidArgument("method " + Quote(call.method, 16) + " is not allowed on " +
                                      Quote(call.path)));
  }
  Reply r = ErrorReply(NotFound("no API route " + Quote(call.method, 16) + " " + Quote(call.path) +
                                "; see docs/api.md"));
  return r;
}

Result<Reply> Service::Audited(const Route& route, const Call& call, const Principal& who,
                               const Params& params) {
  std::string target = Target(call, params);
  nlohmann::json detail = AuditDetail(call, params);
  // "started" first: a crash in the middle still leaves a record of the
  // attempt; what reconciliation repairs afterwards is recorded by actor
  // "reconcile" (AuditRepairs).
  std::optional<Reply> reply;
  RETURN_IF_ERROR(RunAudited(who.actor, route.action, target, detail, [&]() -> Status {
    ASSIGN_OR_RETURN(reply, (this->*route.handler)(call, who, params));
    return Status::Ok();
  }));
  return std::move(*reply);
}

Status Service::RunAudited(const std::string& actor, const std::string& action,
                           const std::string& target, const nlohmann::json& detail,
                           const std::function<Status()>& fn) {
  RETURN_IF_ERROR(AuditAppend(actor, action, target, "started", detail));
  // Whatever happens in `fn`, the started record gets its outcome: a throw
  // (from a third-party library) becomes an error here, not above us.
  Status result;
  try {
    result = fn();
  } catch (const std::exception& e) {
    result = Internal(std::string("unexpected error: ") + e.what());
  } catch (...) {
    result = Internal("unexpected error");
  }
  std::string outcome = result.ok() ? "ok" : "error: " + result.message();
  Status logged = AuditAppend(actor, action, target, outcome, detail);
  if (!logged.ok()) spdlog::error("audit log: {}", logged.message());
  return result;
}

void Service::AuditRepairs(const std::vector<std::string>& repairs) {
  for (const auto& r : repairs) {
    AuditAppend("reconcile", "pool.repair", "", "ok", {{"repair", r}}).IgnoreError();
  }
}

Status Service::AuditAppend(const std::string& actor, const std::string& action,
                            const std::string& target, const std::string& result,
                            const nlohmann::json& detail) {
  audit::AuditRecord r;
  r.time = (options_.clock ? *options_.clock : os::SystemClock()).NowSeconds();
  r.actor = actor;
  r.action = action;
  r.target = target;
  r.result = result;
  r.detail = detail;
  auto appended = audit_.Append(r);
  return appended.status();
}

}  // namespace spur::api
