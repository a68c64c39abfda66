#include "engine/pool_config.h"

#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/names.h"
#include "common/untrusted_text.h"

namespace spur::engine {
namespace {

Result<std::string> Get(catalog::Store& store, const std::string& key, const std::string& dflt) {
  ASSIGN_OR_RETURN(auto v, store.GetSetting(key));
  return v.value_or(dflt);
}

Result<int> ParsePort(const std::string& text, const std::string& key) {
  int v = 0;
  if (text.empty() || text.size() > 5) v = -1;
  for (char c : text) {
    if (c < '0' || c > '9') v = -1;
    if (v >= 0) v = v * 10 + (c - '0');
  }
  if (v <= 0 || v > 65535) {
    return FailedPrecondition("pool setting " + key + " is \"" + text +
                              "\", not a number from 1 to 65535; fix it in spur.db's settings");
  }
  return v;
}

bool ValidSettingName(const std::string& k) {
  if (k.empty() || k.size() > 63) return false;
  for (char c : k) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) return false;
  }
  return true;
}

}  // namespace

std::map<std::string, std::string> PoolConfig::DefaultPgSettings(int pg_major) {
  std::map<std::string, std::string> settings = {
      {"shared_buffers", "64MB"},        {"work_mem", "4MB"},
      {"maintenance_work_mem", "64MB"},  {"max_connections", "50"},
      {"effective_cache_size", "512MB"}, {"max_wal_size", "1GB"}};
  if (pg_major >= 14) {
    // A branch made from a running parent starts with crash recovery, which
    // first makes the whole data directory durable. One syncfs(2) does that
    // far faster than an fsync per cloned file.
    settings["recovery_init_sync_method"] = "syncfs";
  }
  return settings;
}

std::vector<std::string> ListenAddresses(const PoolConfig& config) {
  std::vector<std::string> out;
  const std::string& all = config.listen_addresses;
  for (size_t start = 0; start <= all.size();) {
    size_t comma = all.find(',', start);
    if (comma == std::string::npos) comma = all.size();
    std::string a = all.substr(start, comma - start);
    a.erase(0, a.find_first_not_of(' '));
    a.erase(a.find_last_not_of(' ') + 1);
    if (!a.empty()) out.push_back(std::move(a));
    start = comma + 1;
  }
  return out;
}

Result<PoolConfig> LoadConfig(catalog::Store& store) {
  PoolConfig c;
  ASSIGN_OR_RETURN(c.driver, Get(store, "driver", ""));
  if (c.driver.empty()) return FailedPrecondition("pool has no driver recorded; re-run spur init");
  ASSIGN_OR_RETURN(std::string image, Get(store, "image", "0"));
  c.image = image == "1";
  ASSIGN_OR_RETURN(c.run_as, Get(store, "run_as", ""));
  ASSIGN_OR_RETURN(c.pg_bindir, Get(store, "pg_bindir", ""));
  ASSIGN_OR_RETURN(std::string major, Get(store, "pg_major", "0"));
  c.pg_major = std::atoi(major.c_str());
  ASSIGN_OR_RETURN(c.app_role, Get(store, "app_role", "app"));
  ASSIGN_OR_RETURN(c.listen_addresses, Get(store, "listen_addresses", "127.0.0.1"));
  ASSIGN_OR_RETURN(c.advertise_host, Get(store, "advertise_host", "127.0.0.1"));
  ASSIGN_OR_RETURN(std::string base, Get(store, "port_base", "5500"));
  ASSIGN_OR_RETURN(std::string count, Get(store, "port_count", "1000"));
  ASSIGN_OR_RETURN(c.port_base, ParsePort(base, "port_base"));
  ASSIGN_OR_RETURN(c.port_count, ParsePort(count, "port_count"));
  ASSIGN_OR_RETURN(std::string settings, Get(store, "pg_settings", "{}"));
  c.pg_settings = SettingsFromJson(settings);
  ASSIGN_OR_RETURN(std::string tls, Get(store, "tls", "0"));
  c.tls = tls == "1";
  return c;
}

Status SaveConfig(catalog::Store& store, const PoolConfig& c) {
  RETURN_IF_ERROR(store.SetSetting("driver", c.driver));
  RETURN_IF_ERROR(store.SetSetting("image", c.image ? "1" : "0"));
  RETURN_IF_ERROR(store.SetSetting("tls", c.tls ? "1" : "0"));
  RETURN_IF_ERROR(store.SetSetting("run_as", c.run_as));
  RETURN_IF_ERROR(store.SetSetting("pg_bindir", c.pg_bindir));
  RETURN_IF_ERROR(store.SetSetting("pg_major", std::to_string(c.pg_major)));
  RETURN_IF_ERROR(store.SetSetting("app_role", c.app_role));
  RETURN_IF_ERROR(store.SetSetting("listen_addresses", c.listen_addresses));
  RETURN_IF_ERROR(store.SetSetting("advertise_host", c.advertise_host));
  RETURN_IF_ERROR(store.SetSetting("port_base", std::to_string(c.port_base)));
  RETURN_IF_ERROR(store.SetSetting("port_count", std::to_string(c.port_count)));
  RETURN_IF_ERROR(store.SetSetting("pg_settings", SettingsToJson(c.pg_settings)));
  return Status::Ok();
}

Result<std::map<std::string, std::string>> ParseSettings(const std::vector<std::string>& kvs) {
  std::map<std::string, std::string> out;
  for (const auto& kv : kvs) {
    auto eq = kv.find('=');
    std::string key = eq == std::string::npos ? kv : kv.substr(0, eq);
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (eq == std::string::npos || !ValidSettingName(key) || eq + 1 == kv.size() ||
        kv.find_first_of(std::string("\n\r\0", 3)) != std::string::npos) {
      return InvalidArgument("invalid postgres setting " + Quote(kv) +
                             "; use NAME=VALUE, like work_mem=64MB");
    }
    out[key] = kv.substr(eq + 1);
  }
  return out;
}

Result<std::map<std::string, std::string>> ParseLabels(const std::vector<std::string>& kvs) {
  std::map<std::string, std::string> out;
  for (const auto& kv : kvs) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) {
      return InvalidArgument("invalid label " + Quote(kv) + "; use KEY=VALUE, like team=payments");
    }
    RETURN_IF_ERROR(ValidateLabel(kv.substr(0, eq), kv.substr(eq + 1)));
    out[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return out;
}

std::string SettingsToJson(const std::map<std::string, std::string>& settings) {
  return nlohmann::json(settings).dump();
}

std::map<std::string, std::string> SettingsFromJson(const std::string& json) {
  auto j = nlohmann::json::parse(json, nullptr, false);
  std::map<std::string, std::string> out;
  if (!j.is_object()) return out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.value().is_string()) out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

}  // namespace spur::engine
