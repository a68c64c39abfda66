// engine/pg_settings_policy: an allowlist by caller, values parsed by kind,
// canonical output that cannot break out of spur.conf.
#include "engine/pg_settings_policy.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace spur::engine {
namespace {

using Settings = std::map<std::string, std::string>;
const std::vector<std::string> kNoAdminExtras;

Result<Settings> Dev(Settings s) {
  return CheckSettings(s, SettingsCaller::kDeveloper, kNoAdminExtras);
}

TEST(PgSettingsPolicy, DeveloperSetsPerSessionKnobsCanonically) {
  auto r = Dev({{"work_mem", "64mb"},
                {"Statement_Timeout", "30s"},
                {"log_statement", "DDL"},
                {"jit", "false"},
                {"random_page_cost", "1.1"},
                {"TimeZone", "Europe/Paris"},
                {"log_min_duration_statement", "-1"}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, (Settings{{"work_mem", "64MB"},
                          {"statement_timeout", "30s"},
                          {"log_statement", "ddl"},
                          {"jit", "off"},
                          {"random_page_cost", "1.1"},
                          {"timezone", "Europe/Paris"},
                          {"log_min_duration_statement", "-1"}}));
}

TEST(PgSettingsPolicy, ForbiddenSettingsAreRefusedToEveryone) {
  for (const char* name : {"archive_command", "ARCHIVE_COMMAND", "archive_mode", "restore_command",
                           "shared_preload_libraries", "unix_socket_directories",
                           "listen_addresses", "port", "hba_file", "data_directory", "ssl_key_file",
                           "log_directory", "primary_conninfo", "include"}) {
    for (auto caller :
         {SettingsCaller::kDeveloper, SettingsCaller::kAdmin, SettingsCaller::kOperator}) {
      auto r = CheckSettings({{name, "x"}}, caller, {"archive_command"});
      EXPECT_EQ(r.status().code(), Code::kPermissionDenied) << name;
      EXPECT_NE(r.status().message().find("never"), std::string::npos) << r.status().message();
    }
    EXPECT_TRUE(IsForbiddenSetting(name)) << name;
  }
  EXPECT_FALSE(ParseAllowedSettings("shared_buffers,archive_command").ok());
}

TEST(PgSettingsPolicy, UnknownSettingRefused) {
  for (const char* name : {"no_such_setting", "plpgsql.variable_conflict", "work_mem x", ""}) {
    auto r = CheckSettings({{name, "1"}}, SettingsCaller::kOperator, {});
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << name;
  }
  EXPECT_FALSE(ParseAllowedSettings("shared_buffers,bogus").ok());
}

TEST(PgSettingsPolicy, AdminLimitedToOperatorAllowlist) {
  EXPECT_EQ(Dev({{"shared_buffers", "128MB"}}).status().code(), Code::kPermissionDenied);
  auto allowed = ParseAllowedSettings(DefaultAdminSettings());
  ASSERT_TRUE(allowed.ok()) << allowed.status().message();
  EXPECT_TRUE(CheckSettings({{"shared_buffers", "128MB"}}, SettingsCaller::kAdmin, *allowed).ok());
  auto fsync = CheckSettings({{"fsync", "off"}}, SettingsCaller::kAdmin, *allowed);
  EXPECT_EQ(fsync.status().code(), Code::kPermissionDenied);
  EXPECT_NE(fsync.status().message().find("allowed_settings"), std::string::npos);
  EXPECT_TRUE(CheckSettings({{"fsync", "off"}}, SettingsCaller::kAdmin, {"fsync"}).ok());
  EXPECT_TRUE(CheckSettings({{"fsync", "off"}}, SettingsCaller::kOperator, {}).ok());
}

TEST(PgSettingsPolicy, SettingValueCannotBreakOutOfSpurConf) {
  for (std::string value :
       {std::string("64MB'\narchive_command = 'id'"), std::string("64MB\n"),
        std::string("64MB # x"), std::string("64MB\\"), std::string("64\0MB", 5),
        std::string("'64MB'"), std::string("Europe/Paris'\nport=1"), std::string("")}) {
    for (const char* name : {"work_mem", "timezone", "log_statement", "jit", "random_page_cost",
                             "statement_timeout", "default_statistics_target"}) {
      auto r = Dev({{name, value}});
      EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << name << "=" << value;
      EXPECT_EQ(r.status().message().find('\n'), std::string::npos) << r.status().message();
    }
  }
}

TEST(PgSettingsPolicy, ValuesAreRangeChecked) {
  for (Settings bad : std::vector<Settings>{{{"work_mem", "9999TB"}},
                                            {{"work_mem", "1"}},
                                            {{"work_mem", "-1"}},
                                            {{"work_mem", "1.5MB"}},
                                            {{"statement_timeout", "99999999999999999999"}},
                                            {{"statement_timeout", "1fortnight"}},
                                            {{"default_statistics_target", "1e3"}},
                                            {{"random_page_cost", "0x10"}},
                                            {{"random_page_cost", "nan"}},
                                            {{"jit", "maybe"}}}) {
    EXPECT_EQ(Dev(bad).status().code(), Code::kInvalidArgument) << bad.begin()->first;
  }
  EXPECT_TRUE(Dev({{"log_temp_files", "-1"}}).ok());
  EXPECT_TRUE(Dev({{"temp_buffers", "1024"}}).ok());  // 1024 blocks of 8kB
}

TEST(PgSettingsPolicy, EveryDefaultAndInternalSettingIsKnown) {
  // What spur itself writes into every branch must pass the operator's check.
  for (const char* name : {"shared_buffers", "work_mem", "maintenance_work_mem", "max_connections",
                           "effective_cache_size", "max_wal_size", "recovery_init_sync_method"}) {
    bool found = false;
    for (const auto& [n, level] : KnownSettings()) found = found || (n == name && level != "never");
    EXPECT_TRUE(found) << name;
  }
}

}  // namespace
}  // namespace spur::engine
