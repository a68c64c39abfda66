// api::Service in-process over the fake pool, for every API unit test (service,
// validation, access, role matrix, webhook replay): the pool, an audit log in
// a fresh /tmp file (removed afterwards), calls as any principal and the
// pool's state as one JSON value for "nothing changed" checks.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/call.h"
#include "api/pool_access.h"
#include "api/service.h"
#include "audit/log.h"
#include "common/metrics.h"
#include "fake_pool.h"

namespace spur::test {

inline const api::Principal kTestAdmin{"token:1(root)", api::Role::kAdmin, "root"};

class ApiHarness {
 public:
  // `configure` may replace ServiceOptions members (fake command runner,
  // fake comment poster) before the service is made.
  explicit ApiHarness(Metrics* metrics = nullptr,
                      const std::function<void(api::ServiceOptions&)>& configure = nullptr) {
    static std::atomic<int> counter{0};
    path_ = "/tmp/spur_api_harness." + std::to_string(::getpid()) + "." +
            std::to_string(counter++) + ".audit";
    std::remove(path_.c_str());
    auto fp = FakePool::Make();
    if (!fp.ok()) {
      ADD_FAILURE() << fp.status().message();
      return;
    }
    fp_ = std::move(*fp);
    auto log = audit::AuditLog::Open(path_);
    if (!log.ok()) {
      ADD_FAILURE() << log.status().message();
      return;
    }
    audit_.emplace(std::move(*log));
    access_ = std::make_unique<api::HeldPoolAccess>(fp_->pool());
    api::ServiceOptions options;
    options.metrics = metrics;
    if (configure) configure(options);
    service_ = std::make_unique<api::Service>(*access_, *audit_, options);
  }
  ~ApiHarness() { std::remove(path_.c_str()); }
  ApiHarness(const ApiHarness&) = delete;
  ApiHarness& operator=(const ApiHarness&) = delete;

  bool ready() const { return service_ != nullptr; }

  api::Reply Do(const std::string& method, const std::string& path, const api::Principal& who,
                nlohmann::json body = nlohmann::json::object(),
                std::map<std::string, std::string> query = {}) {
    api::Call c;
    c.method = method;
    c.path = path;
    c.query = std::move(query);
    c.body = std::move(body);
    // Bodies built in tests may hold bytes no parsed body could (non-UTF-8).
    c.raw_body = c.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return service_->Handle(c, who);
  }

  // A webhook delivery: raw body and lower-case headers as received.
  api::Reply Hook(const std::string& forge, const std::string& raw,
                  std::map<std::string, std::string> headers) {
    api::Call c;
    c.method = "POST";
    c.path = "/hooks/" + forge;
    c.headers = std::move(headers);
    c.raw_body = raw;
    c.body = nlohmann::json::parse(raw, nullptr, false);
    return service_->Handle(c, api::Principal{"", api::Role::kViewer, ""});
  }

  // Everything an admin can read, plus what the fakes hold (data directories
  // and running instances), for "nothing changed" checks.
  nlohmann::json State() {
    nlohmann::json s = nlohmann::json::object();
    for (const char* path : {"/branches", "/snapshots", "/tokens", "/quotas", "/schedules",
                             "/config", "/repos", "/deliveries"}) {
      api::Reply r = Do("GET", path, kTestAdmin);
      EXPECT_EQ(r.status, 200) << path << ": " << r.body.dump();
      s[path] = r.body;
    }
    auto branches = fp_->store().ListBranches();
    if (branches.ok()) {
      for (const auto& b : *branches) {
        const std::string data = fp_->Data(b.name);
        nlohmann::json files = nlohmann::json::object();
        auto names = fp_->driver().ListFiles(data);
        for (const auto& rel : names.ok() ? *names : std::vector<std::string>{}) {
          auto bytes = fp_->driver().ReadFile(data, rel);
          files[rel] = bytes.ok() ? *bytes : "";
        }
        s["data"][b.name] = {{"running", fp_->control().IsRunning(data)}, {"files", files}};
      }
    }
    return s;
  }

  size_t AuditCount() {
    auto r = audit_->List({});
    return r.ok() ? r->size() : 0;
  }

  std::vector<audit::AuditRecord> Records() {
    auto r = audit_->List({});
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : std::vector<audit::AuditRecord>{};
  }

  FakePool& fp() { return *fp_; }
  engine::Pool& pool() { return fp_->pool(); }
  catalog::Store& store() { return fp_->store(); }
  api::Service& service() { return *service_; }
  audit::AuditLog& audit() { return *audit_; }
  const std::string& audit_path() const { return path_; }

 private:
  std::string path_;
  std::unique_ptr<FakePool> fp_;
  std::optional<audit::AuditLog> audit_;
  std::unique_ptr<api::HeldPoolAccess> access_;
  std::unique_ptr<api::Service> service_;
};

}  // namespace spur::test
