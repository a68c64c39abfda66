// Pool options (`spur config`): validation, storage, defaults.
#include "engine/options.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include "catalog/store.h"

namespace spur::engine {
namespace {

class OptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = catalog::Store::Open(":memory:");
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(*store);
  }

  // key -> value as ListOptions reports them.
  std::map<std::string, OptionInfo> Listed() {
    auto list = ListOptions(*store_);
    EXPECT_TRUE(list.ok()) << list.status().message();
    std::map<std::string, OptionInfo> out;
    if (list.ok()) {
      for (const auto& o : *list) out[o.key] = o;
    }
    return out;
  }

  PoolOptions Loaded() {
    auto o = LoadOptions(*store_);
    EXPECT_TRUE(o.ok()) << o.status().message();
    return o.ok() ? *o : PoolOptions{};
  }

  // Expects `value` to be refused for `key`, naming the key, with nothing stored.
  void ExpectRefused(const std::string& key, const std::string& value) {
    auto before = Listed();
    Status st = SetOption(*store_, key, value);
    EXPECT_EQ(st.code(), Code::kInvalidArgument) << key << "=" << value;
    EXPECT_NE(st.message().find(key), std::string::npos) << st.message();
    auto after = Listed();
    ASSERT_EQ(before.size(), after.size());
    for (const auto& [k, o] : before) {
      EXPECT_EQ(after[k].value, o.value) << key << "=" << value << " changed " << k;
      EXPECT_EQ(after[k].is_default, o.is_default) << k;
    }
    auto stored = store_->GetSetting("option." + key);
    ASSERT_TRUE(stored.ok());
    if (before.count(key) && !before[key].is_default) {
      EXPECT_EQ(stored->value_or(""), before[key].value);
    } else {
      EXPECT_FALSE(stored->has_value()) << key << " stored " << stored->value_or("");
    }
  }

  std::unique_ptr<catalog::Store> store_;
};

TEST_F(OptionsTest, DefaultsWhenNothingIsSet) {
  PoolOptions o = Loaded();
  EXPECT_EQ(o.warn_before, 3600);
  EXPECT_EQ(o.idle_suspend, 0);
  EXPECT_EQ(o.default_ttl, 0);
  EXPECT_EQ(o.reaper_interval, 30);
  EXPECT_DOUBLE_EQ(o.price_gib_month, 0.10);
  EXPECT_DOUBLE_EQ(o.price_running_hour, 0.02);
  EXPECT_EQ(o.currency, "USD");
  EXPECT_NE(std::find(o.allowed_settings.begin(), o.allowed_settings.end(), "shared_buffers"),
            o.allowed_settings.end());
  auto listed = Listed();
  EXPECT_EQ(listed.size(), 8u);
  for (const auto& [k, info] : listed) {
    EXPECT_TRUE(info.is_default) << k;
    EXPECT_FALSE(info.description.empty()) << k;
  }
  EXPECT_EQ(listed["warn_before"].value, "1h");
  EXPECT_EQ(listed["idle_suspend"].value, "off");
}

TEST_F(OptionsTest, ValidValuesAreStoredAndLoaded) {
  ASSERT_TRUE(SetOption(*store_, "warn_before", "2h").ok());
  ASSERT_TRUE(SetOption(*store_, "idle_suspend", "30m").ok());
  ASSERT_TRUE(SetOption(*store_, "default_ttl", "3d").ok());
  ASSERT_TRUE(SetOption(*store_, "reaper_interval", "10s").ok());
  ASSERT_TRUE(SetOption(*store_, "price_gib_month", "0.25").ok());
  ASSERT_TRUE(SetOption(*store_, "price_running_hour", "1").ok());
  ASSERT_TRUE(SetOption(*store_, "currency", "EUR").ok());
  PoolOptions o = Loaded();
  EXPECT_EQ(o.warn_before, 7200);
  EXPECT_EQ(o.idle_suspend, 1800);
  EXPECT_EQ(o.default_ttl, 3 * 86400);
  EXPECT_EQ(o.reaper_interval, 10);
  EXPECT_DOUBLE_EQ(o.price_gib_month, 0.25);
  EXPECT_DOUBLE_EQ(o.price_running_hour, 1.0);
  EXPECT_EQ(o.currency, "EUR");
  auto listed = Listed();
  EXPECT_EQ(listed["default_ttl"].value, "3d") << "shown in the form it was given";
  EXPECT_FALSE(listed["default_ttl"].is_default);
  EXPECT_EQ(*store_->GetSetting("option.idle_suspend"), std::optional<std::string>("30m"));
  // Setting again replaces.
  ASSERT_TRUE(SetOption(*store_, "warn_before", "15m").ok());
  EXPECT_EQ(Loaded().warn_before, 900);
}

TEST_F(OptionsTest, OffAndZeroMeanZeroForDurations) {
  for (const char* key : {"warn_before", "idle_suspend", "default_ttl"}) {
    for (const char* off : {"off", "0"}) {
      ASSERT_TRUE(SetOption(*store_, key, "5m").ok());
      ASSERT_TRUE(SetOption(*store_, key, off).ok()) << key << "=" << off;
      PoolOptions o = Loaded();
      int64_t v = std::string(key) == "warn_before"    ? o.warn_before
                  : std::string(key) == "idle_suspend" ? o.idle_suspend
                                                       : o.default_ttl;
      EXPECT_EQ(v, 0) << key << "=" << off;
    }
  }
}

TEST_F(OptionsTest, ReaperIntervalCannotBeOff) {
  ASSERT_TRUE(SetOption(*store_, "reaper_interval", "1m").ok());
  ExpectRefused("reaper_interval", "off");
  ExpectRefused("reaper_interval", "0");
  EXPECT_EQ(Loaded().reaper_interval, 60);
}

TEST_F(OptionsTest, UnknownKeyIsRefusedNamingItAndTheKnownOnes) {
  Status st = SetOption(*store_, "colour", "red");
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_NE(st.message().find("\"colour\""), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("idle_suspend"), std::string::npos) << st.message();
  EXPECT_FALSE(store_->GetSetting("option.colour")->has_value());
  ExpectRefused("Warn_Before", "1h");
  ExpectRefused("", "1h");
}

TEST_F(OptionsTest, BadValuesAreRefusedNamingTheKeyAndNothingIsStored) {
  for (const char* key : {"warn_before", "idle_suspend", "default_ttl", "reaper_interval"}) {
    for (const char* bad : {"soon", "3 days", "-1h", "1y", "", "1.5h", "h"}) {
      ExpectRefused(key, bad);
    }
  }
  for (const char* key : {"price_gib_month", "price_running_hour"}) {
    for (const char* bad : {"abc", "-1", "", "0.1.2", "1e9", "2$", "inf"}) {
      ExpectRefused(key, bad);
    }
  }
  for (const char* bad : {"eur", "EURO", "EU", "", "E1R"}) ExpectRefused("currency", bad);
  // A stored value survives a refused replacement.
  ASSERT_TRUE(SetOption(*store_, "idle_suspend", "45m").ok());
  ExpectRefused("idle_suspend", "later");
  EXPECT_EQ(Loaded().idle_suspend, 2700);
}

// Regression: strtod accepts "nan", and NaN passed a `d < 0 || d > 1e6` check,
// making every cost NaN.
TEST_F(OptionsTest, NanIsNotAPrice) {
  ExpectRefused("price_gib_month", "nan");
  ExpectRefused("price_running_hour", "NaN");
}

TEST_F(OptionsTest, LoadOptionsNamesAnOptionStoredBadlyBehindItsBack) {
  ASSERT_TRUE(store_->SetSetting("option.warn_before", "whenever").ok());
  auto o = LoadOptions(*store_);
  EXPECT_EQ(o.status().code(), Code::kInvalidArgument);
  EXPECT_NE(o.status().message().find("warn_before"), std::string::npos) << o.status().message();
}

}  // namespace
}  // namespace spur::engine
