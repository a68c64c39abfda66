// JSON request bodies through the API's validation: api::Service over the
// fake pool of tests/unit/fake_pool.h (no disk, process or clock; the audit
// log is a file in /dev/shm), a fresh one per input so runs repeat.
//
// Input: "<role> <METHOD> <target>" on the first line (role admin, developer
// or viewer; anything else is an anonymous caller), the body after it, which
// is parsed as `spur serve` does. Properties: Handle returns an HTTP status
// that is not 500 (bad input is the caller's error, never an internal one);
// the reply serializes the way the daemon sends it; a refused call (4xx)
// changes nothing an admin can read.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api/pool_access.h"
#include "api/service.h"
#include "audit/log.h"
#include "common/untrusted_json.h"
#include "fuzz_target.h"
#include "http/message.h"
#include "unit/fake_pool.h"

namespace spur::fuzz {
namespace {

using nlohmann::json;

api::Principal PrincipalFor(std::string_view role) {
  if (role == "admin") return {"token:1(root)", api::Role::kAdmin, "root"};
  if (role == "developer") return {"token:2(alice)", api::Role::kDeveloper, "alice"};
  if (role == "viewer") return {"token:3(victor)", api::Role::kViewer, "victor"};
  return {"", api::Role::kViewer, ""};
}

// One fake pool, audit log and Service.
class World {
 public:
  static std::unique_ptr<World> Make() {
    std::unique_ptr<World> w(new World());
    w->path_ = "/dev/shm/spur-fuzz-api." + std::to_string(::getpid()) + ".audit";
    std::remove(w->path_.c_str());
    auto fp = test::FakePool::Make();
    SPUR_FUZZ_CHECK(fp.ok());
    w->fp_ = std::move(*fp);
    // A branch of the developer's, so her routes have something to act on.
    SPUR_FUZZ_CHECK(w->fp_->Create("alice-1", std::nullopt, "alice").ok());
    auto log = audit::AuditLog::Open(w->path_);
    SPUR_FUZZ_CHECK(log.ok());
    w->audit_.emplace(std::move(*log));
    w->access_ = std::make_unique<api::HeldPoolAccess>(w->fp_->pool());
    w->service_ = std::make_unique<api::Service>(*w->access_, *w->audit_, api::ServiceOptions{});
    return w;
  }
  ~World() { std::remove(path_.c_str()); }

  api::Service& service() { return *service_; }

  // Everything an admin can read but the audit log.
  json State() {
    const api::Principal admin = PrincipalFor("admin");
    json s = json::object();
    for (const char* path : {"/branches", "/snapshots", "/tokens", "/quotas", "/schedules",
                             "/config", "/repos", "/deliveries"}) {
      api::Call c;
      c.method = "GET";
      c.path = path;
      api::Reply r = service_->Handle(c, admin, false);
      s[path] = r.body;
    }
    return s;
  }

 private:
  World() = default;
  std::string path_;
  std::unique_ptr<test::FakePool> fp_;
  std::optional<audit::AuditLog> audit_;
  std::unique_ptr<api::HeldPoolAccess> access_;
  std::unique_ptr<api::Service> service_;
};

}  // namespace

int FuzzApiRequest(const uint8_t* data, size_t size) {
  std::string_view in = AsText(data, size);
  size_t nl = in.find('\n');
  std::string_view line = in.substr(0, nl);
  std::string_view body = nl == std::string_view::npos ? "" : in.substr(nl + 1);
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return 0;
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return 0;
  std::string_view role = line.substr(0, sp1);
  std::string target(line.substr(sp2 + 1));
  if (target.empty() || target[0] != '/') return 0;

  // As `spur serve` builds the Call from an HTTP request.
  api::Call call;
  call.method = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  size_t q = target.find('?');
  call.path = target.substr(0, q);
  if (q != std::string::npos) {
    // The query as the HTTP parser decodes it (keys and values, '+' a space).
    std::string_view query = std::string_view(target).substr(q + 1);
    while (!query.empty()) {
      std::string_view pair = query.substr(0, query.find('&'));
      query.remove_prefix(std::min(query.size(), pair.size() + 1));
      size_t eq = pair.find('=');
      auto k = http::PercentDecode(pair.substr(0, eq), true);
      auto v = http::PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
      if (!k || !v) return 0;  // the HTTP parser answers 400 before the API
      call.query[*k] = *v;
    }
  }
  call.raw_body = std::string(body);
  const bool hook = call.path.rfind("/hooks/", 0) == 0;
  if (!body.empty() && !hook) {
    auto parsed = ParseUntrustedJson(body, "request body");  // as daemon/serve.cc does
    if (!parsed.ok()) return 0;                              // the daemon answers 400 itself
    call.body = std::move(*parsed);
  }

  auto world = World::Make();
  const json before = world->State();  // this world's: times differ between worlds
  api::Reply reply = world->service().Handle(call, PrincipalFor(role));
  SPUR_FUZZ_CHECK(reply.status >= 200 && reply.status <= 599);
  SPUR_FUZZ_CHECK(reply.status != 500);
  // ToHttp in daemon/serve.cc: throws (a 500 from the server) on bytes JSON cannot hold.
  if (reply.text.empty()) (void)reply.body.dump(2);
  if (reply.status >= 400) SPUR_FUZZ_CHECK(world->State() == before);
  return 0;
}

}  // namespace spur::fuzz

SPUR_FUZZ_TARGET(FuzzApiRequest)
