#include "core/metrics.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace hookgate::metrics {
namespace {

TEST(MetricsTest, CountersRenderOneSeriesPerLabelSet) {
  Registry registry;
  auto& requests = registry.counter("demo_requests_total", "Requests.", {"route", "status"});
  requests.inc({"a", "200"});
  requests.inc({"a", "200"});
  requests.inc({"b", "404"}, 3);
  EXPECT_EQ(requests.value({"a", "200"}), 2);
  EXPECT_EQ(requests.value({"c", "200"}), 0);
  EXPECT_EQ(registry.render(),
            "# HELP demo_requests_total Requests.\n"
            "# TYPE demo_requests_total counter\n"
            "demo_requests_total{route=\"a\",status=\"200\"} 2\n"
            "demo_requests_total{route=\"b\",status=\"404\"} 3\n");
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry registry;
  auto& latency = registry.histogram("demo_seconds", "Latency.", {}, {0.1, 1});
  latency.observe({}, 0.05);
  latency.observe({}, 0.5);
  latency.observe({}, 7);
  EXPECT_EQ(latency.count({}), 3u);
  EXPECT_EQ(registry.render(),
            "# HELP demo_seconds Latency.\n"
            "# TYPE demo_seconds histogram\n"
            "demo_seconds_bucket{le=\"0.1\"} 1\n"
            "demo_seconds_bucket{le=\"1\"} 2\n"
            "demo_seconds_bucket{le=\"+Inf\"} 3\n"
            "demo_seconds_sum 7.55\n"
            "demo_seconds_count 3\n");
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  EXPECT_EQ(series_name("m", {"path"}, {"a\"b\\c\nd"}), "m{path=\"a\\\"b\\\\c\\nd\"}");
}

TEST(MetricsTest, GaugesAreReadAtScrapeTimeAndAFailingReaderIsLeftOut) {
  Registry registry;
  double depth = 4;
  registry.gauge("demo_depth", "Depth.", {}, [&] { return std::vector<std::pair<Labels, double>>{{{}, depth}}; });
  registry.gauge("demo_broken", "Broken.", {}, []() -> std::vector<std::pair<Labels, double>> {
    throw std::runtime_error("database away");
  });
  EXPECT_NE(registry.render().find("demo_depth 4\n"), std::string::npos);
  depth = 9;
  auto text = registry.render();
  EXPECT_NE(text.find("demo_depth 9\n"), std::string::npos);
  EXPECT_EQ(text.find("demo_broken"), std::string::npos);
}

}  // namespace
}  // namespace hookgate::metrics
