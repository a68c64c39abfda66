// A small Prometheus registry: counters, gauges and histograms with labels,
// rendered in the text exposition format 0.0.4 for GET /metrics.
//
// Metrics come into being on first use (or with Describe, which also sets the
// help text and histogram buckets). A call that does not fit the metric —
// the wrong kind for its name, an invalid metric or label name, a negative
// counter increment — is a programming error and is ignored, so that a bad
// metric can never break a request or the scrape.
//
// Thread-safety: every method may be called from any thread at any time.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace spur {

enum class MetricType { kCounter, kGauge, kHistogram };

// Label name -> value; ordered, so series render in a stable order.
using Labels = std::map<std::string, std::string>;

class Metrics {
 public:
  // Sets the kind and help text of `name`; for histograms also the upper
  // bounds of the buckets (sorted for you; +Inf is implied; empty means the
  // Prometheus defaults .005 to 10). Changing the kind or the buckets of a
  // metric drops the samples it had.
  void Describe(const std::string& name, MetricType type, const std::string& help,
                std::vector<double> buckets = {});
  // The same with the kind as written in a # TYPE line: "counter", "gauge" or
  // "histogram"; any other kind is ignored.
  void Describe(const std::string& name, std::string_view type, const std::string& help,
                std::vector<double> buckets = {});

  // Adds `v` (>= 0) to the counter series `name{labels}`.
  void CounterAdd(const std::string& name, const Labels& labels, double v = 1);

  // Sets the gauge series `name{labels}` to `v`.
  void GaugeSet(const std::string& name, const Labels& labels, double v);

  // Drops every series of gauge `name` (its description stays): for gauges
  // recomputed at each scrape, so that vanished label sets disappear.
  void GaugeClear(const std::string& name);

  // Records `v` in the histogram series `name{labels}`.
  void HistogramObserve(const std::string& name, const Labels& labels, double v);

  // Everything, as exposition text: metrics by name, series by labels.
  // Metrics without samples are left out.
  std::string Render() const;

 private:
  struct Histogram {
    std::vector<uint64_t> counts;  // per bucket, not cumulative; last is +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  struct Family {
    MetricType type = MetricType::kCounter;
    std::string help;
    std::vector<double> buckets;      // histograms: finite upper bounds, ascending
    std::map<Labels, double> values;  // counters and gauges
    std::map<Labels, Histogram> histograms;
  };

  // The family `name` of kind `type`, created when missing; nullptr when the
  // name is invalid or the family has another kind. Requires mu_.
  Family* FamilyFor(const std::string& name, MetricType type);

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

// A sample value as Prometheus writes it: "42", "0.25", "1e+300", "+Inf", "NaN".
std::string FormatMetricValue(double v);

}  // namespace spur
