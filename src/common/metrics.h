// A small Prometheus registry: counters, gauges and histograms with labels,
// rendered in the text exposition format 0.0.4 for GET /metrics.
//
// Metrics come into being on first use (or with Describe, which also sets the
// help text and histogram buckets). A call that does not fit the metric —
// the wrong kind for its name, an invalid metric or label name, a negative
// counter increment — is a programming error and is ignored, so that a bad
// metric can never break a request or the scrape.
//
// Bounded by construction: label values often come from outside (an HTTP
// method, a path), and every distinct value is a series kept forever. So a
// label may be given its set of values with DeclareLabel; any other value is
// recorded as kOtherLabelValue ("other"). And whatever is declared, a metric
// holds at most kMaxSeriesPerMetric series: once full, a sample with a new
// label set goes to the series whose every label is "other". Memory and the
// size of Render() therefore do not grow with the number of distinct inputs.
//
// Thread-safety: every method may be called from any thread at any time.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace spur {

// What a label value outside its declared set, or a series past the cap, becomes.
inline constexpr char kOtherLabelValue[] = "other";
// Series per metric (label sets); the next new one is folded into "other".
inline constexpr size_t kMaxSeriesPerMetric = 500;

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

  // From now on, label `label` of metric `name` takes only `values`; any
  // other value is recorded as "other" (which is always allowed). Samples
  // already recorded are kept. Declaring again replaces the set.
  void DeclareLabel(const std::string& name, const std::string& label,
                    std::vector<std::string> values);

  // Adds `v` (>= 0) to the counter series `name{labels}`.
  void CounterAdd(const std::string& name, const Labels& labels, double v = 1);

  // Sets the counter series `name{labels}` to `v` (>= 0): for counters kept
  // elsewhere and copied in at each scrape (the proxy's connection table),
  // which only ever go up there.
  void CounterSet(const std::string& name, const Labels& labels, double v);
  // Drops every series of counter `name`: for counters copied in at each
  // scrape whose label sets can vanish (a deleted branch).
  void CounterClear(const std::string& name);

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
  // The series `name{labels}` of a counter or gauge set to `v`; every
  // series of `name` dropped when it is of kind `type`.
  void SetValue(const std::string& name, MetricType type, const Labels& labels, double v);
  void ClearValues(const std::string& name, MetricType type);

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
  // `labels` with undeclared values folded, and folded entirely to "other"
  // when `f` is full and they would make a new series. Requires mu_.
  Labels Bounded(const std::string& name, const Family& f, const Labels& labels) const;

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
  // metric -> label -> its declared values, sorted
  std::map<std::string, std::map<std::string, std::vector<std::string>>> declared_;
};

// A sample value as Prometheus writes it: "42", "0.25", "1e+300", "+Inf", "NaN".
std::string FormatMetricValue(double v);

}  // namespace spur
