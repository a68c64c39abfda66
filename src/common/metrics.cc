#include "common/metrics.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>

namespace spur {
namespace {

const std::vector<double> kDefaultBuckets = {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10};

bool ValidName(std::string_view name, bool allow_colon) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (allow_colon && c == ':');
  });
}

bool ValidLabels(const Labels& labels, MetricType type) {
  for (const auto& [name, value] : labels) {
    if (!ValidName(name, false) || name.rfind("__", 0) == 0) return false;
    if (type == MetricType::kHistogram && name == "le") return false;
  }
  return true;
}

const char* TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// Help text escapes backslash and newline; label values also the double quote.
std::string Escape(std::string_view s, bool quote) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quote)
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

// `{a="x",b="y"}` with an optional extra label last (le for buckets); "" when empty.
std::string LabelText(const Labels& labels, const char* extra_name = nullptr,
                      const std::string& extra_value = "") {
  std::string out;
  auto add = [&](const std::string& name, const std::string& value) {
    out += out.empty() ? "{" : ",";
    out += name + "=\"" + Escape(value, true) + "\"";
  };
  for (const auto& [name, value] : labels) add(name, value);
  if (extra_name != nullptr) add(extra_name, extra_value);
  if (!out.empty()) out += "}";
  return out;
}

std::vector<double> NormalizeBuckets(std::vector<double> buckets) {
  if (buckets.empty()) return kDefaultBuckets;
  buckets.erase(
      std::remove_if(buckets.begin(), buckets.end(), [](double b) { return !std::isfinite(b); }),
      buckets.end());
  std::sort(buckets.begin(), buckets.end());
  buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());
  return buckets;
}

}  // namespace

std::string FormatMetricValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Whole numbers that a double holds exactly print without a fraction or exponent.
  if (v == std::trunc(v) && std::fabs(v) <= 9007199254740992.0) {
    return std::to_string(static_cast<int64_t>(v));
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

Metrics::Family* Metrics::FamilyFor(const std::string& name, MetricType type) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    if (!ValidName(name, true)) return nullptr;
    Family f;
    f.type = type;
    if (type == MetricType::kHistogram) f.buckets = kDefaultBuckets;
    it = families_.emplace(name, std::move(f)).first;
  }
  return it->second.type == type ? &it->second : nullptr;
}

void Metrics::Describe(const std::string& name, MetricType type, const std::string& help,
                       std::vector<double> buckets) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!ValidName(name, true)) return;
  Family& f = families_[name];
  std::vector<double> normalized =
      type == MetricType::kHistogram ? NormalizeBuckets(std::move(buckets)) : std::vector<double>{};
  if (f.type != type || f.buckets != normalized) {
    f.values.clear();
    f.histograms.clear();
  }
  f.type = type;
  f.help = help;
  f.buckets = std::move(normalized);
}

void Metrics::Describe(const std::string& name, std::string_view type, const std::string& help,
                       std::vector<double> buckets) {
  for (MetricType t : {MetricType::kCounter, MetricType::kGauge, MetricType::kHistogram}) {
    if (type == TypeName(t)) Describe(name, t, help, std::move(buckets));
  }
}

void Metrics::DeclareLabel(const std::string& name, const std::string& label,
                           std::vector<std::string> values) {
  std::lock_guard<std::mutex> lock(mu_);
  std::sort(values.begin(), values.end());
  declared_[name][label] = std::move(values);
}

Labels Metrics::Bounded(const std::string& name, const Family& f, const Labels& labels) const {
  Labels out = labels;
  auto declared = declared_.find(name);
  for (auto& [label, value] : out) {
    if (declared == declared_.end()) break;
    auto allowed = declared->second.find(label);
    if (allowed != declared->second.end() &&
        !std::binary_search(allowed->second.begin(), allowed->second.end(), value)) {
      value = kOtherLabelValue;
    }
  }
  const size_t series = f.values.size() + f.histograms.size();
  if (series >= kMaxSeriesPerMetric && !f.values.count(out) && !f.histograms.count(out)) {
    for (auto& [label, value] : out) value = kOtherLabelValue;
  }
  return out;
}

void Metrics::CounterAdd(const std::string& name, const Labels& labels, double v) {
  if (!(v >= 0)) return;  // counters only go up; also rejects NaN
  std::lock_guard<std::mutex> lock(mu_);
  Family* f = FamilyFor(name, MetricType::kCounter);
  if (f == nullptr || !ValidLabels(labels, MetricType::kCounter)) return;
  f->values[Bounded(name, *f, labels)] += v;
}

void Metrics::SetValue(const std::string& name, MetricType type, const Labels& labels, double v) {
  std::lock_guard<std::mutex> lock(mu_);
  Family* f = FamilyFor(name, type);
  if (f == nullptr || !ValidLabels(labels, type)) return;
  f->values[Bounded(name, *f, labels)] = v;
}

void Metrics::ClearValues(const std::string& name, MetricType type) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end() && it->second.type == type) it->second.values.clear();
}

void Metrics::CounterSet(const std::string& name, const Labels& labels, double v) {
  if (v >= 0) SetValue(name, MetricType::kCounter, labels, v);  // also rejects NaN
}

void Metrics::CounterClear(const std::string& name) { ClearValues(name, MetricType::kCounter); }

void Metrics::GaugeSet(const std::string& name, const Labels& labels, double v) {
  SetValue(name, MetricType::kGauge, labels, v);
}

void Metrics::GaugeClear(const std::string& name) { ClearValues(name, MetricType::kGauge); }

void Metrics::HistogramObserve(const std::string& name, const Labels& labels, double v) {
  std::lock_guard<std::mutex> lock(mu_);
  Family* f = FamilyFor(name, MetricType::kHistogram);
  if (f == nullptr || !ValidLabels(labels, MetricType::kHistogram)) return;
  Histogram& h = f->histograms[Bounded(name, *f, labels)];
  if (h.counts.empty()) h.counts.assign(f->buckets.size() + 1, 0);
  // The first bucket whose upper bound is >= v; NaN lands in +Inf.
  size_t i = static_cast<size_t>(std::lower_bound(f->buckets.begin(), f->buckets.end(), v) -
                                 f->buckets.begin());
  if (std::isnan(v)) i = f->buckets.size();
  ++h.counts[i];
  h.sum += v;
  ++h.count;
}

std::string Metrics::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    if (f.values.empty() && f.histograms.empty()) continue;
    if (!f.help.empty()) out += "# HELP " + name + " " + Escape(f.help, false) + "\n";
    out += "# TYPE " + name + " " + TypeName(f.type) + "\n";
    for (const auto& [labels, v] : f.values) {
      out += name + LabelText(labels) + " " + FormatMetricValue(v) + "\n";
    }
    for (const auto& [labels, h] : f.histograms) {
      uint64_t cumulative = 0;
      for (size_t i = 0; i < f.buckets.size(); ++i) {
        cumulative += h.counts[i];
        out += name + "_bucket" + LabelText(labels, "le", FormatMetricValue(f.buckets[i])) + " " +
               std::to_string(cumulative) + "\n";
      }
      out +=
          name + "_bucket" + LabelText(labels, "le", "+Inf") + " " + std::to_string(h.count) + "\n";
      out += name + "_sum" + LabelText(labels) + " " + FormatMetricValue(h.sum) + "\n";
      out += name + "_count" + LabelText(labels) + " " + std::to_string(h.count) + "\n";
    }
  }
  return out;
}

}  // namespace spur
