#include "common/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace spur {
namespace {

TEST(MetricsFormat, PrintsNumbersTheWayPrometheusReadsThem) {
  EXPECT_EQ(FormatMetricValue(0), "0");
  EXPECT_EQ(FormatMetricValue(-0.0), "0");
  EXPECT_EQ(FormatMetricValue(42), "42");
  EXPECT_EQ(FormatMetricValue(-7), "-7");
  EXPECT_EQ(FormatMetricValue(1e6), "1000000");
  EXPECT_EQ(FormatMetricValue(123456789012345.0), "123456789012345");
  EXPECT_EQ(FormatMetricValue(0.25), "0.25");
  EXPECT_EQ(FormatMetricValue(0.1), "0.1");
  EXPECT_EQ(FormatMetricValue(2.5), "2.5");
  EXPECT_EQ(FormatMetricValue(0.005), "0.005");
  EXPECT_EQ(FormatMetricValue(1e300), "1e+300");
  EXPECT_EQ(FormatMetricValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatMetricValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatMetricValue(std::nan("")), "NaN");
}

TEST(Metrics, RendersNothingWhenEmpty) {
  Metrics m;
  EXPECT_EQ(m.Render(), "");
  m.Describe("spur_idle_total", MetricType::kCounter, "Never incremented");
  EXPECT_EQ(m.Render(), "");
}

TEST(Metrics, RendersCountersAndGaugesSortedByNameThenLabels) {
  Metrics m;
  m.Describe("spur_requests_total", MetricType::kCounter, "API requests by method and code");
  m.Describe("spur_branches", "gauge", "Branches by state");
  m.CounterAdd("spur_requests_total", {{"method", "POST"}, {"code", "201"}});
  m.CounterAdd("spur_requests_total", {{"method", "GET"}, {"code", "200"}}, 2);
  m.CounterAdd("spur_requests_total", {{"code", "200"}, {"method", "GET"}});
  m.GaugeSet("spur_branches", {{"state", "stopped"}}, 3);
  m.GaugeSet("spur_branches", {{"state", "running"}}, 5);
  m.GaugeSet("spur_bytes", {}, 1.5);  // no Describe: no HELP line
  EXPECT_EQ(m.Render(),
            "# HELP spur_branches Branches by state\n"
            "# TYPE spur_branches gauge\n"
            "spur_branches{state=\"running\"} 5\n"
            "spur_branches{state=\"stopped\"} 3\n"
            "# TYPE spur_bytes gauge\n"
            "spur_bytes 1.5\n"
            "# HELP spur_requests_total API requests by method and code\n"
            "# TYPE spur_requests_total counter\n"
            "spur_requests_total{code=\"200\",method=\"GET\"} 3\n"
            "spur_requests_total{code=\"201\",method=\"POST\"} 1\n");
}

TEST(Metrics, EscapesLabelValuesAndHelp) {
  Metrics m;
  m.Describe("spur_x", MetricType::kGauge, "a \\ b\nc \"quoted\"");
  m.GaugeSet("spur_x", {{"path", "C:\\dir\n\"q\""}}, 1);
  EXPECT_EQ(m.Render(),
            "# HELP spur_x a \\\\ b\\nc \"quoted\"\n"
            "# TYPE spur_x gauge\n"
            "spur_x{path=\"C:\\\\dir\\n\\\"q\\\"\"} 1\n");
}

TEST(Metrics, RendersCumulativeHistogramBuckets) {
  Metrics m;
  m.Describe("spur_create_seconds", MetricType::kHistogram, "Create latency", {1, 0.5, 2.5, 0.5});
  for (double v : {0.2, 0.5, 0.7, 3.0}) m.HistogramObserve("spur_create_seconds", {}, v);
  m.HistogramObserve("spur_create_seconds", {{"driver", "btrfs"}}, 1);
  EXPECT_EQ(m.Render(),
            "# HELP spur_create_seconds Create latency\n"
            "# TYPE spur_create_seconds histogram\n"
            "spur_create_seconds_bucket{le=\"0.5\"} 2\n"
            "spur_create_seconds_bucket{le=\"1\"} 3\n"
            "spur_create_seconds_bucket{le=\"2.5\"} 3\n"
            "spur_create_seconds_bucket{le=\"+Inf\"} 4\n"
            "spur_create_seconds_sum 4.4\n"
            "spur_create_seconds_count 4\n"
            "spur_create_seconds_bucket{driver=\"btrfs\",le=\"0.5\"} 0\n"
            "spur_create_seconds_bucket{driver=\"btrfs\",le=\"1\"} 1\n"
            "spur_create_seconds_bucket{driver=\"btrfs\",le=\"2.5\"} 1\n"
            "spur_create_seconds_bucket{driver=\"btrfs\",le=\"+Inf\"} 1\n"
            "spur_create_seconds_sum{driver=\"btrfs\"} 1\n"
            "spur_create_seconds_count{driver=\"btrfs\"} 1\n");
}

TEST(Metrics, HistogramsWithoutBucketsUseThePrometheusDefaults) {
  Metrics m;
  m.HistogramObserve("spur_h", {}, 0.03);
  EXPECT_EQ(m.Render(),
            "# TYPE spur_h histogram\n"
            "spur_h_bucket{le=\"0.005\"} 0\n"
            "spur_h_bucket{le=\"0.01\"} 0\n"
            "spur_h_bucket{le=\"0.025\"} 0\n"
            "spur_h_bucket{le=\"0.05\"} 1\n"
            "spur_h_bucket{le=\"0.1\"} 1\n"
            "spur_h_bucket{le=\"0.25\"} 1\n"
            "spur_h_bucket{le=\"0.5\"} 1\n"
            "spur_h_bucket{le=\"1\"} 1\n"
            "spur_h_bucket{le=\"2.5\"} 1\n"
            "spur_h_bucket{le=\"5\"} 1\n"
            "spur_h_bucket{le=\"10\"} 1\n"
            "spur_h_bucket{le=\"+Inf\"} 1\n"
            "spur_h_sum 0.03\n"
            "spur_h_count 1\n");
}

TEST(Metrics, GaugeClearDropsEveryLabelSetButKeepsTheDescription) {
  Metrics m;
  m.Describe("spur_branches", MetricType::kGauge, "Branches by state");
  m.GaugeSet("spur_branches", {{"state", "running"}}, 2);
  m.GaugeSet("spur_branches", {{"state", "suspended"}}, 1);
  m.GaugeClear("spur_branches");
  EXPECT_EQ(m.Render(), "");
  m.GaugeSet("spur_branches", {{"state", "running"}}, 1);
  EXPECT_EQ(m.Render(),
            "# HELP spur_branches Branches by state\n"
            "# TYPE spur_branches gauge\n"
            "spur_branches{state=\"running\"} 1\n");
}

TEST(Metrics, IgnoresCallsThatDoNotFitTheMetric) {
  Metrics m;
  m.Describe("spur_total", MetricType::kCounter, "A counter");
  m.GaugeSet("spur_total", {}, 5);               // wrong kind
  m.HistogramObserve("spur_total", {}, 5);       // wrong kind
  m.CounterAdd("spur_total", {}, -1);            // counters only go up
  m.CounterAdd("spur_total", {}, std::nan(""));  // not a number
  m.CounterAdd("9bad", {}, 1);                   // invalid metric name
  m.CounterAdd("spur_total", {{"bad-label", "x"}}, 1);
  m.CounterAdd("spur_total", {{"__reserved", "x"}}, 1);
  m.HistogramObserve("spur_h", {{"le", "1"}}, 1);  // le belongs to the buckets
  m.Describe("spur_y", "summary", "not supported");
  m.GaugeClear("spur_total");  // not a gauge: keeps its samples
  m.CounterAdd("spur_total", {}, 0.5);
  EXPECT_EQ(m.Render(),
            "# HELP spur_total A counter\n"
            "# TYPE spur_total counter\n"
            "spur_total 0.5\n");
}

TEST(Metrics, RedescribingWithAnotherKindDropsTheSamples) {
  Metrics m;
  m.CounterAdd("spur_x", {}, 3);
  m.Describe("spur_x", MetricType::kGauge, "now a gauge");
  EXPECT_EQ(m.Render(), "");
  m.GaugeSet("spur_x", {}, 7);
  m.Describe("spur_x", MetricType::kGauge, "help changed");  // same kind: samples stay
  EXPECT_EQ(m.Render(),
            "# HELP spur_x help changed\n"
            "# TYPE spur_x gauge\n"
            "spur_x 7\n");
}

TEST(Metrics, CountsEveryIncrementFromManyThreads) {
  Metrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&m, t] {
      for (int i = 0; i < 1000; ++i) {
        m.CounterAdd("spur_total", {{"kind", t % 2 ? "odd" : "even"}});
        m.HistogramObserve("spur_seconds", {}, 1);
        if (i % 100 == 0) (void)m.Render();
      }
    });
  }
  for (auto& t : threads) t.join();
  const std::string text = m.Render();
  EXPECT_NE(text.find("spur_total{kind=\"even\"} 4000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("spur_total{kind=\"odd\"} 4000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("spur_seconds_count 8000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("spur_seconds_sum 8000\n"), std::string::npos) << text;
}

// Issue 11, item 5: label values from outside must not make a series each.
TEST(Metrics, LabelValuesOutsideTheDeclaredSetAreOther) {
  Metrics m;
  m.DeclareLabel("spur_requests_total", "method", {"GET", "POST"});
  m.CounterAdd("spur_requests_total", {{"method", "GET"}});
  m.CounterAdd("spur_requests_total", {{"method", "BREW"}});
  m.CounterAdd("spur_requests_total", {{"method", std::string(4096, 'X')}});
  EXPECT_EQ(m.Render(),
            "# TYPE spur_requests_total counter\n"
            "spur_requests_total{method=\"GET\"} 1\n"
            "spur_requests_total{method=\"other\"} 2\n");
}

TEST(Metrics, SeriesPerMetricAreCappedWhateverIsDeclared) {
  Metrics m;
  for (int i = 0; i < 5000; ++i) {
    m.CounterAdd("spur_undeclared_total", {{"path", "/p" + std::to_string(i)}});
    m.HistogramObserve("spur_undeclared_seconds", {{"path", "/p" + std::to_string(i)}}, 0.1);
  }
  const std::string text = m.Render();
  EXPECT_EQ(text.find("/p" + std::to_string(kMaxSeriesPerMetric)), std::string::npos);
  EXPECT_NE(text.find("spur_undeclared_total{path=\"other\"} " +
                      std::to_string(5000 - kMaxSeriesPerMetric)),
            std::string::npos);
  // Series already there keep counting.
  m.CounterAdd("spur_undeclared_total", {{"path", "/p0"}});
  EXPECT_NE(m.Render().find("spur_undeclared_total{path=\"/p0\"} 2"), std::string::npos);
}

TEST(Metrics, CounterSetCopiesAValueKeptElsewhereAndCounterClearDropsItsSeries) {
  Metrics m;
  m.CounterSet("spur_copied_total", {{"branch", "a"}}, 5);
  m.CounterSet("spur_copied_total", {{"branch", "a"}}, 7);
  m.CounterSet("spur_copied_total", {{"branch", "b"}}, -1);  // counters are never negative
  m.GaugeSet("spur_gauge", {}, 3);
  m.CounterSet("spur_gauge", {}, 9);  // not a counter: ignored
  EXPECT_EQ(m.Render(),
            "# TYPE spur_copied_total counter\n"
            "spur_copied_total{branch=\"a\"} 7\n"
            "# TYPE spur_gauge gauge\n"
            "spur_gauge 3\n");
  m.CounterClear("spur_copied_total");
  m.CounterClear("spur_gauge");  // not a counter: kept
  EXPECT_EQ(m.Render(), "# TYPE spur_gauge gauge\nspur_gauge 3\n");
}

}  // namespace
}  // namespace spur
