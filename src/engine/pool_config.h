// Pool-wide configuration, stored as settings in the metadata store.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "catalog/store.h"
#include "common/status.h"

namespace spur::engine {

struct PoolConfig {
  std::string driver;            // btrfs | reflink | copy
  bool image = false;            // data/ is a loop-mounted pool.img
  std::string run_as;            // OS user postgres runs as when spur is root ("" = self)
  std::string pg_bindir;         // resolved at init; re-resolved if it disappears
  int pg_major = 0;              // its major version, so commands need not ask postgres
  std::string app_role = "app";  // the login role applications use
  std::string listen_addresses = "127.0.0.1";
  std::string advertise_host = "127.0.0.1";  // host part of printed URIs
  int port_base = 5500;
  int port_count = 1000;
  std::map<std::string, std::string> pg_settings;  // defaults for every branch
  // Branches speak TLS on TCP (and refuse it without) with the pool's server
  // certificate (engine/tls.h); their URIs say sslmode=require.
  bool tls = false;

  // Built-in per-branch postgres defaults for server major version
  // `pg_major`: small, so dozens of branches fit.
  static std::map<std::string, std::string> DefaultPgSettings(int pg_major);
};

// The addresses of `listen_addresses` ("127.0.0.1, 10.0.0.5" or "*"),
// spaces trimmed, empty ones left out, in order.
std::vector<std::string> ListenAddresses(const PoolConfig& config);

Result<PoolConfig> LoadConfig(catalog::Store& store);
Status SaveConfig(catalog::Store& store, const PoolConfig& config);

// "k=v" strings into a map (names lower-cased); InvalidArgument names the bad
// one. Syntax only: which settings and values are allowed is
// engine/pg_settings_policy.h's CheckSettings.
Result<std::map<std::string, std::string>> ParseSettings(const std::vector<std::string>& kvs);
// "key=value" labels; keys follow the name rule, values are one printable
// line of at most 200 characters.
Result<std::map<std::string, std::string>> ParseLabels(const std::vector<std::string>& kvs);
std::string SettingsToJson(const std::map<std::string, std::string>& settings);
std::map<std::string, std::string> SettingsFromJson(const std::string& json);

}  // namespace spur::engine
