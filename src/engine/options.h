// Pool options an operator tunes with `spur config set KEY VALUE`: lifecycle
// timings and prices. Stored as settings ("option.<key>") in the metadata
// store; unknown keys and bad values are refused before anything is written.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "catalog/store.h"
#include "common/status.h"

namespace spur::engine {

// The largest `max_branches` a quota may have (CLI and API alike).
inline constexpr int64_t kMaxQuotaBranches = 1'000'000;

struct PoolOptions {
  int64_t warn_before = 3600;        // expiry warning this long before (seconds)
  int64_t idle_suspend = 0;          // stop a branch idle this long; 0 = never
  int64_t default_ttl = 0;           // TTL for branches created without one; 0 = none
  int64_t reaper_interval = 30;      // how often `spur serve` runs the reaper
  double price_gib_month = 0.10;     // exclusive storage, per GiB-month
  double price_running_hour = 0.02;  // per hour a branch's postgres runs
  std::string currency = "USD";
  // Postgres settings admins may set on branches, beyond the ones every
  // developer may (engine/pg_settings_policy.h); the pool's operator widens
  // or narrows it with `spur config set allowed_settings a,b,c`.
  std::vector<std::string> allowed_settings;
};

// One option as shown by `spur config list`.
struct OptionInfo {
  std::string key;
  std::string value;  // as stored or the default, in input form
  std::string description;
  bool is_default = true;
};

Result<PoolOptions> LoadOptions(catalog::Store& store);
Result<std::vector<OptionInfo>> ListOptions(catalog::Store& store);
// Validates and stores `value` for `key`. InvalidArgument names the key and
// the accepted form; nothing is stored then.
Status SetOption(catalog::Store& store, const std::string& key, const std::string& value);

}  // namespace spur::engine
