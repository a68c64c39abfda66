// Hostile input through api::Service over the fake pool: branch postgres
// settings by role, bounded and strict JSON, durations and numbers parsed in
// one place, non-UTF-8 text and control characters in errors. Every refusal
// is one line and changes nothing (issue 11).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/call.h"
#include "api/pool_access.h"
#include "api/service.h"
#include "api_harness.h"
#include "audit/log.h"
#include "common/untrusted_text.h"
#include "fake_pool.h"
#include "pg/instance.h"

namespace spur::api {
namespace {

using nlohmann::json;
using test::FakePool;

const Principal kAdmin{"token:1(root)", Role::kAdmin, "root"};
const Principal kAlice{"token:2(alice)", Role::kDeveloper, "alice"};
const Principal kNobody{"", Role::kViewer, ""};

class ApiValidationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    h_ = std::make_unique<test::ApiHarness>();
    ASSERT_TRUE(h_->ready());
    fp_ = &h_->fp();
    service_ = &h_->service();
  }
  void TearDown() override { h_.reset(); }

  Reply Do(const std::string& method, const std::string& path, const Principal& who,
           json body = json::object()) {
    return h_->Do(method, path, who, std::move(body));
  }
  // Everything an admin can read and what the fakes hold: "nothing changed".
  json State() { return h_->State(); }
  size_t AuditRecords() { return h_->AuditCount(); }
  static std::string Message(const Reply& r) {
    return r.body.contains("error") ? r.body["error"].value("message", "") : "";
  }
  // `r` is a refusal with `status`, one line of valid UTF-8, no internals.
  static void ExpectOneLine(const Reply& r, int status) {
    EXPECT_EQ(r.status, status) << r.body.dump();
    std::string m = Message(r);
    EXPECT_FALSE(m.empty()) << r.body.dump();
    EXPECT_TRUE(IsValidUtf8(m)) << m;
    for (char c : m) EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20) << m;
    EXPECT_EQ(m.find("exception"), std::string::npos) << m;
  }
  // Creating "x" with `pg` as `who` is refused with `status`; nothing changed.
  void ExpectSettingsRefused(const Principal& who, json pg, int status) {
    json before = State();
    Reply r = Do("POST", "/branches", who, {{"name", "x"}, {"pg", pg}});
    ExpectOneLine(r, status);
    EXPECT_FALSE(fp_->Exists("x"));
    EXPECT_EQ(State(), before);
  }

  std::unique_ptr<test::ApiHarness> h_;
  FakePool* fp_ = nullptr;
  Service* service_ = nullptr;
};

// --- Item 1: postgres settings by role -------------------------------------------

TEST_F(ApiValidationTest, DeveloperCannotSetArchiveCommand) {
  ExpectSettingsRefused(
      kAlice, {{"archive_mode", "on"}, {"archive_command", "id > /tmp/x; psql -h /pool/run"}}, 403);
  ExpectSettingsRefused(kAlice, {{"ARCHIVE_COMMAND", "id"}}, 403);
  ExpectSettingsRefused(kAdmin, {{"archive_command", "id"}}, 403);
  ExpectSettingsRefused(kAlice, {{"restore_command", "id"}}, 403);
  ExpectSettingsRefused(kAlice, {{"shared_preload_libraries", "/tmp/evil.so"}}, 403);
}

TEST_F(ApiValidationTest, DeveloperCannotSetUnixSocketDirectories) {
  ExpectSettingsRefused(kAlice, {{"unix_socket_directories", "/tmp"}}, 403);
  ExpectSettingsRefused(kAlice, {{"unix_socket_permissions", "0777"}}, 403);
  ExpectSettingsRefused(kAdmin, {{"unix_socket_directories", "/tmp"}}, 403);
}

TEST_F(ApiValidationTest, DeveloperCannotSetListenAddresses) {
  ExpectSettingsRefused(kAlice, {{"listen_addresses", "0.0.0.0"}}, 403);
  ExpectSettingsRefused(kAlice, {{"port", "5432"}}, 403);
  ExpectSettingsRefused(kAdmin, {{"listen_addresses", "*"}}, 403);
  ExpectSettingsRefused(kAdmin, {{"hba_file", "/tmp/hba"}}, 403);
}

TEST_F(ApiValidationTest, UnknownSettingRefused) {
  ExpectSettingsRefused(kAlice, {{"no_such_setting", "1"}}, 400);
  ExpectSettingsRefused(kAdmin, {{"my.custom", "1"}}, 400);
  ExpectSettingsRefused(kAlice, {{"work_mem", "lots"}}, 400);
  ExpectSettingsRefused(kAlice, {{"work_mem", 64}}, 400);
}

TEST_F(ApiValidationTest, SettingValueCannotBreakOutOfSpurConf) {
  ExpectSettingsRefused(kAlice, {{"work_mem", "64MB'\narchive_command = 'id > /tmp/x'"}}, 400);
  ExpectSettingsRefused(kAlice, {{"timezone", "UTC'\nlisten_addresses='*"}}, 400);
  ExpectSettingsRefused(kAdmin, {{"work_mem", "64MB\\'"}}, 400);
  ExpectSettingsRefused(kAdmin, {{"work_mem", std::string("64MB\0x", 6)}}, 400);
  ExpectSettingsRefused(kAdmin, {{"work_mem", "64MB # comment"}}, 400);
  ExpectSettingsRefused(kAdmin, {{"work_mem\nport", "1"}}, 400);

  // The writer quotes defensively too, and spur's own lines come last.
  pg::InstanceSpec spec;
  spec.pgdata = "/pool/branches/1";
  spec.socket_dir = "/pool/run/1";
  spec.port = 5501;
  spec.settings = {{"work_mem", "1'\narchive_command = 'id'"},
                   {"timezone", "a\\'b\r\x01"},
                   {"port = 1\nx", "1"},
                   {"port", "6000"}};
  std::string conf = pg::SpurConf(spec);
  EXPECT_EQ(conf.find("\narchive_command"), std::string::npos) << conf;
  EXPECT_NE(conf.find("work_mem = '1''\\narchive_command = ''id'''"), std::string::npos) << conf;
  EXPECT_NE(conf.find("timezone = 'a\\\\''b\\r'"), std::string::npos) << conf;
  EXPECT_EQ(conf.find("port = 1"), std::string::npos) << conf;
  EXPECT_GT(conf.rfind("port = 5501"), conf.find("port = '6000'")) << "spur's own line wins";
}

TEST_F(ApiValidationTest, AdminLimitedToOperatorAllowlist) {
  ExpectSettingsRefused(kAlice, {{"shared_buffers", "256MB"}}, 403);
  ExpectSettingsRefused(kAdmin, {{"fsync", "off"}}, 403);
  Reply ok =
      Do("POST", "/branches", kAdmin, {{"name", "a1"}, {"pg", {{"shared_buffers", "256mb"}}}});
  ASSERT_EQ(ok.status, 201) << ok.body.dump();
  EXPECT_EQ(ok.body["settings"]["shared_buffers"], "256MB");

  // The operator widens the list; forbidden settings can never join it.
  Reply widen = Do("PUT", "/config/allowed_settings", kAdmin, {{"value", "shared_buffers,fsync"}});
  ASSERT_EQ(widen.status, 200) << widen.body.dump();
  EXPECT_EQ(Do("POST", "/branches", kAdmin, {{"name", "a2"}, {"pg", {{"fsync", "off"}}}}).status,
            201);
  ExpectSettingsRefused(kAdmin, {{"max_connections", "20"}}, 403);
  json before = State();
  Reply evil = Do("PUT", "/config/allowed_settings", kAdmin, {{"value", "fsync,archive_command"}});
  ExpectOneLine(evil, 400);
  EXPECT_EQ(State(), before);
}

TEST_F(ApiValidationTest, DeveloperSetsPerSessionSettingsCanonically) {
  Reply r = Do("POST", "/branches", kAlice,
               {{"name", "a1"},
                {"pg", {{"Work_Mem", "64mb"}, {"statement_timeout", "30s"}, {"jit", "no"}}}});
  ASSERT_EQ(r.status, 201) << r.body.dump();
  EXPECT_EQ(r.body["settings"],
            json({{"work_mem", "64MB"}, {"statement_timeout", "30s"}, {"jit", "off"}}));
}

// --- Item 9: durations -----------------------------------------------------------

TEST_F(ApiValidationTest, HugeTtlRefusedNotExpired) {
  Reply made = Do("POST", "/branches", kAlice, {{"name", "a1"}, {"ttl", "1d"}});
  ASSERT_EQ(made.status, 201) << made.body.dump();
  json before = State();
  const json huge[] = {json(std::numeric_limits<int64_t>::max()),
                       json(std::numeric_limits<uint64_t>::max()),
                       json(1e30),
                       json("9223372036854775807"),
                       json("1e30"),
                       json("36501d"),
                       json(int64_t{36501} * 86400)};
  for (const auto& ttl : huge) {
    SCOPED_TRACE(ttl.dump());
    Reply create = Do("POST", "/branches", kAlice, {{"name", "a2"}, {"ttl", ttl}});
    ExpectOneLine(create, 400);
    Reply patch = Do("PATCH", "/branches/a1", kAlice, {{"ttl", ttl}});
    ExpectOneLine(patch, 400);
    Reply extend = Do("POST", "/branches/a1/extend", kAlice, {{"ttl", ttl}});
    ExpectOneLine(extend, 400);
    Reply idle = Do("PATCH", "/branches/a1", kAlice, {{"idle_expiry", ttl}});
    ExpectOneLine(idle, 400);
    if (!ttl.is_number()) {
      EXPECT_NE(Message(create).find("36500d"), std::string::npos) << Message(create);
    }
  }
  EXPECT_EQ(State(), before);
  ASSERT_TRUE(service_->RunReaper().ok());
  EXPECT_TRUE(fp_->Exists("a1")) << "a huge TTL must not wrap into the past";

  // The largest allowed TTL works and expires far in the future.
  Reply longest = Do("POST", "/branches/a1/extend", kAlice, {{"ttl", "36500d"}});
  ASSERT_EQ(longest.status, 200) << longest.body.dump();
  EXPECT_GT(*fp_->Get("a1")->expires_at, fp_->now());
  ASSERT_TRUE(service_->RunReaper().ok());
  EXPECT_TRUE(fp_->Exists("a1"));
}

// --- Item 11: numbers, UTF-8, messages -------------------------------------------

TEST_F(ApiValidationTest, QuotaMaxBranchesNotAWholeNumberRefused) {
  json before = State();
  for (const json& n :
       {json(1e3), json(1.5), json("1e3"), json(std::numeric_limits<uint64_t>::max()), json(-1),
        json(int64_t{10'000'000})}) {
    ExpectOneLine(Do("PUT", "/quotas", kAdmin, {{"max_branches", n}}), 400);
  }
  EXPECT_EQ(State(), before);
}

TEST_F(ApiValidationTest, ConfigPriceZeroXTenRefused) {
  json before = State();
  for (const char* v : {"0x10", "1e3", "inf", "nan", " 1", "-0.5"}) {
    ExpectOneLine(Do("PUT", "/config/price_running_hour", kAdmin, {{"value", v}}), 400);
  }
  EXPECT_EQ(State(), before);
  EXPECT_EQ(Do("PUT", "/config/price_running_hour", kAdmin, {{"value", "0.5"}}).status, 200);
}

TEST_F(ApiValidationTest, NonUtf8PathIsFourHundredNotInternalError) {
  for (const char* path : {"/branches/%FF", "/branches/\xff\xfe", "/%C0%AF", "/branches/a%ZZ"}) {
    SCOPED_TRACE(path);
    for (const Principal* who : {&kAdmin, &kNobody}) {
      Reply r = Do("GET", path, *who);
      ExpectOneLine(r, 400);
      EXPECT_NO_THROW(r.body.dump());
    }
    ExpectOneLine(Do("DELETE", path, kAdmin), 400);
  }
}

TEST_F(ApiValidationTest, NonUtf8LabelRefusedBeforeAnythingIsRecorded) {
  json before = State();
  size_t records = AuditRecords();
  for (const json& body : {json{{"name", "a1"}, {"labels", {{"team", "\xff"}}}},
                           json{{"name", "a1"}, {"labels", {{"t\xc3", "x"}}}},
                           json{{"name", "a\xff"}}, json{{"name", "a1"}, {"owner", "\xe2\x82"}}}) {
    Reply r = Do("POST", "/branches", kAdmin, body);
    ExpectOneLine(r, 400);
  }
  EXPECT_EQ(State(), before);
  EXPECT_EQ(AuditRecords(), records) << "refused before the audit record, not after a throw";
}

TEST_F(ApiValidationTest, ErrorMessageNeverCarriesRawNewlineFromInput) {
  Reply name = Do("POST", "/branches", kAdmin, {{"name", "a\nb"}});
  ExpectOneLine(name, 400);
  Reply field = Do("POST", "/branches", kAdmin, {{"name", "a1"}, {"x\ny", 1}});
  ExpectOneLine(field, 400);
  Reply route = Do("GET", "/nowhere%0Aat%0Dall", kAdmin);
  ExpectOneLine(route, 404);
  Reply method = Do("BREW\nX", "/branches", kAdmin);
  ExpectOneLine(method, 400);
  Reply option = Do("PUT", "/config/a%0Ab", kAdmin, {{"value", "1"}});
  ExpectOneLine(option, 400);
  Reply ttl = Do("POST", "/branches", kAdmin, {{"name", "a1"}, {"ttl", "1\n2d"}});
  ExpectOneLine(ttl, 400);
}

TEST_F(ApiValidationTest, DeeplyNestedWebhookPayloadIsRefusedNotCrash) {
  std::string raw;
  for (int i = 0; i < 100000; ++i) raw += "{\"a\":";
  raw += "1";
  for (int i = 0; i < 100000; ++i) raw += "}";
  Call c;
  c.method = "POST";
  c.path = "/hooks/github";
  c.headers = {{"x-github-event", "pull_request"},
               {"x-github-delivery", "d1"},
               {"x-hub-signature-256", "sha256=00"}};
  c.raw_body = raw;
  Reply r = service_->Handle(c, kNobody);
  EXPECT_EQ(r.status, 401) << r.body.dump();  // unreadable: it cannot name a secret
  EXPECT_TRUE(fp_->store().ListDeliveries(10)->empty());
}

}  // namespace
}  // namespace spur::api
