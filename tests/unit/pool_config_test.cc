#include "engine/pool_config.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/untrusted_text.h"

namespace spur::engine {
namespace {

using Settings = std::map<std::string, std::string>;

std::unique_ptr<catalog::Store> OpenMemoryStore() {
  Result<std::unique_ptr<catalog::Store>> opened = catalog::Store::Open(":memory:");
  EXPECT_TRUE(opened.ok()) << opened.status().message();
  return opened.ok() ? std::move(opened).value() : nullptr;
}

TEST(ParseSettings, AcceptsNameEqualsValue) {
  Result<Settings> r = ParseSettings({"shared_buffers=256MB", "log_min_duration_statement=0",
                                      "auto_explain.log_min_duration=1s", "search_path=a,b",
                                      "application_name=x=y"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, (Settings{{"shared_buffers", "256MB"},
                          {"log_min_duration_statement", "0"},
                          {"auto_explain.log_min_duration", "1s"},
                          {"search_path", "a,b"},
                          {"application_name", "x=y"}}));
}

TEST(ParseSettings, LaterValuesWin) {
  Result<Settings> r = ParseSettings({"work_mem=4MB", "work_mem=8MB"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (Settings{{"work_mem", "8MB"}}));
}

TEST(ParseSettings, EmptyListIsEmptyMap) {
  Result<Settings> r = ParseSettings({});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(ParseSettings, RejectsMalformedAndNamesTheCulprit) {
  const std::vector<std::string> bads = {
      "=x",       "noequals", "bad name=1", "a=",
      "a=b\nc=d", "a=b\r",    "a;b=1",      std::string(64, 'a') + "=1"};
  for (const std::string& bad : bads) {
    Result<Settings> r = ParseSettings({"work_mem=4MB", bad});
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message().find(Quote(bad)), std::string::npos) << r.status().message();
    EXPECT_EQ(r.status().message().find('\n'), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("NAME=VALUE"), std::string::npos);
  }
}

TEST(SettingsJson, RoundTrips) {
  Settings s = {{"shared_buffers", "256MB"},
                {"search_path", "\"$user\", public"},
                {"note", "tab\there, newline\nthere, ü"}};
  std::string json = SettingsToJson(s);
  EXPECT_EQ(SettingsFromJson(json), s);
  EXPECT_EQ(SettingsToJson({}), "{}");
  EXPECT_TRUE(SettingsFromJson("{}").empty());
}

TEST(SettingsJson, JunkGivesAnEmptyMap) {
  for (const char* junk : {"", "junk", "{", "[]", "[\"a\"]", "42", "null", "\"str\""}) {
    EXPECT_TRUE(SettingsFromJson(junk).empty()) << junk;
  }
}

TEST(SettingsJson, NonStringValuesAreDropped) {
  EXPECT_EQ(SettingsFromJson(R"({"a":"1","b":2,"c":null,"d":{"e":"f"}})"), (Settings{{"a", "1"}}));
}

TEST(PoolConfig, SaveThenLoadRoundTrips) {
  auto store = OpenMemoryStore();
  ASSERT_NE(store, nullptr);
  PoolConfig c;
  c.driver = "reflink";
  c.image = true;
  c.run_as = "postgres";
  c.pg_bindir = "/usr/lib/postgresql/17/bin";
  c.app_role = "web";
  c.listen_addresses = "0.0.0.0";
  c.advertise_host = "db.internal";
  c.port_base = 6000;
  c.port_count = 50;
  c.pg_settings = {{"shared_buffers", "128MB"}, {"fsync", "off"}};
  ASSERT_TRUE(SaveConfig(*store, c).ok());

  Result<PoolConfig> r = LoadConfig(*store);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->driver, "reflink");
  EXPECT_TRUE(r->image);
  EXPECT_EQ(r->run_as, "postgres");
  EXPECT_EQ(r->pg_bindir, "/usr/lib/postgresql/17/bin");
  EXPECT_EQ(r->app_role, "web");
  EXPECT_EQ(r->listen_addresses, "0.0.0.0");
  EXPECT_EQ(r->advertise_host, "db.internal");
  EXPECT_EQ(r->port_base, 6000);
  EXPECT_EQ(r->port_count, 50);
  EXPECT_EQ(r->pg_settings, c.pg_settings);
}

TEST(PoolConfig, LoadFillsDefaultsForUnsetKeys) {
  auto store = OpenMemoryStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->SetSetting("driver", "copy").ok());
  Result<PoolConfig> r = LoadConfig(*store);
  ASSERT_TRUE(r.ok()) << r.status().message();
  PoolConfig defaults;
  EXPECT_EQ(r->driver, "copy");
  EXPECT_FALSE(r->image);
  EXPECT_EQ(r->app_role, defaults.app_role);
  EXPECT_EQ(r->listen_addresses, defaults.listen_addresses);
  EXPECT_EQ(r->port_base, defaults.port_base);
  EXPECT_EQ(r->port_count, defaults.port_count);
  EXPECT_TRUE(r->pg_settings.empty());
}

TEST(PoolConfig, LoadOnAnEmptyStoreIsFailedPrecondition) {
  auto store = OpenMemoryStore();
  ASSERT_NE(store, nullptr);
  Result<PoolConfig> r = LoadConfig(*store);
  EXPECT_EQ(r.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("spur init"), std::string::npos) << r.status().message();
}

TEST(PoolConfig, LoadWithACorruptPortIsAnErrorNotAnException) {
  auto store = OpenMemoryStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->SetSetting("driver", "copy").ok());
  ASSERT_TRUE(store->SetSetting("port_base", "not-a-port").ok());
  Result<PoolConfig> r = LoadConfig(*store);
  EXPECT_FALSE(r.ok());
}

TEST(PoolConfig, DefaultPgSettingsOnlyUseWhatTheServerVersionKnows) {
  EXPECT_EQ(PoolConfig::DefaultPgSettings(15).count("recovery_init_sync_method"), 1u);
  EXPECT_EQ(PoolConfig::DefaultPgSettings(13).count("recovery_init_sync_method"), 0u);
  EXPECT_EQ(PoolConfig::DefaultPgSettings(13).count("shared_buffers"), 1u);
}

TEST(PoolConfig, DefaultPgSettingsAreValidSettings) {
  Settings defaults = PoolConfig::DefaultPgSettings(15);
  ASSERT_FALSE(defaults.empty());
  std::vector<std::string> kvs;
  for (const auto& [k, v] : defaults) kvs.push_back(k + "=" + v);
  Result<Settings> parsed = ParseSettings(kvs);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(*parsed, defaults);
}

}  // namespace
}  // namespace spur::engine
