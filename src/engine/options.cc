#include "engine/options.h"

#include <cstdlib>
#include <functional>

#include "common/units.h"
#include "common/untrusted_text.h"
#include "engine/pg_settings_policy.h"

namespace spur::engine {
namespace {

// Durations accept "0"/"off" for "never".
Result<int64_t> DurationOrOff(const std::string& v) {
  if (v == "0" || v == "off" || v == "never") return int64_t{0};
  return ParseDuration(v);
}

Result<double> Price(const std::string& v) { return ParseDecimal("price", v, 0, 1e6); }

struct OptionDef {
  const char* key;
  const char* fallback;
  const char* description;
  std::function<Status(PoolOptions&, const std::string&)> apply;
};

Status SetDuration(int64_t& field, const std::string& v) {
  ASSIGN_OR_RETURN(field, DurationOrOff(v));
  return Status::Ok();
}

Status SetPrice(double& field, const std::string& v) {
  ASSIGN_OR_RETURN(field, Price(v));
  return Status::Ok();
}

const std::vector<OptionDef>& Defs() {
  static const std::vector<OptionDef> kDefs = {
      {"warn_before", "1h", "record an expiry warning this long before a branch expires",
       [](PoolOptions& o, const std::string& v) { return SetDuration(o.warn_before, v); }},
      {"idle_suspend", "off", "stop a branch's postgres after this long with no connection",
       [](PoolOptions& o, const std::string& v) { return SetDuration(o.idle_suspend, v); }},
      {"default_ttl", "off", "TTL of branches created without --ttl",
       [](PoolOptions& o, const std::string& v) { return SetDuration(o.default_ttl, v); }},
      {"reaper_interval", "30s", "how often `spur serve` expires, suspends and schedules",
       [](PoolOptions& o, const std::string& v) {
         RETURN_IF_ERROR(SetDuration(o.reaper_interval, v));
         if (o.reaper_interval == 0) return InvalidArgument("reaper_interval cannot be off");
         return Status::Ok();
       }},
      {"price_gib_month", "0.10", "price of one GiB of exclusive storage for a month",
       [](PoolOptions& o, const std::string& v) { return SetPrice(o.price_gib_month, v); }},
      {"price_running_hour", "0.02", "price of one hour of a running branch",
       [](PoolOptions& o, const std::string& v) { return SetPrice(o.price_running_hour, v); }},
      {"allowed_settings", DefaultAdminSettings(),
       "postgres settings admins may set on branches, comma-separated (docs/settings.md)",
       [](PoolOptions& o, const std::string& v) -> Status {
         ASSIGN_OR_RETURN(o.allowed_settings, ParseAllowedSettings(v));
         return Status::Ok();
       }},
      {"currency", "USD", "currency the prices are in (three letters)",
       [](PoolOptions& o, const std::string& v) {
         bool ok = v.size() == 3;
         for (char c : v) ok = ok && c >= 'A' && c <= 'Z';
         if (!ok) return InvalidArgument("currency must be three capital letters, like EUR");
         o.currency = v;
         return Status::Ok();
       }},
  };
  return kDefs;
}

std::string Keys() {
  std::string out;
  for (const auto& d : Defs()) out += (out.empty() ? "" : ", ") + std::string(d.key);
  return out;
}

}  // namespace

Result<PoolOptions> LoadOptions(catalog::Store& store) {
  PoolOptions o;
  for (const auto& d : Defs()) {
    ASSIGN_OR_RETURN(auto stored, store.GetSetting(std::string("option.") + d.key));
    Status st = d.apply(o, stored.value_or(d.fallback));
    if (!st.ok()) return st.WithContext(std::string("pool option ") + d.key);
  }
  return o;
}

Result<std::vector<OptionInfo>> ListOptions(catalog::Store& store) {
  std::vector<OptionInfo> out;
  for (const auto& d : Defs()) {
    ASSIGN_OR_RETURN(auto stored, store.GetSetting(std::string("option.") + d.key));
    out.push_back({d.key, stored.value_or(d.fallback), d.description, !stored.has_value()});
  }
  return out;
}

Status SetOption(catalog::Store& store, const std::string& key, const std::string& value) {
  for (const auto& d : Defs()) {
    if (key != d.key) continue;
    PoolOptions scratch;
    Status st = d.apply(scratch, value);
    if (!st.ok()) return InvalidArgument(key + ": " + st.message());
    return store.SetSetting("option." + key, value);
  }
  return InvalidArgument("unknown option " + Quote(key) + "; known options: " + Keys());
}

}  // namespace spur::engine
