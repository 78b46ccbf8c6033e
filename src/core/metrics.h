#pragma once
// A small Prometheus registry: labelled counters and histograms updated from
// any thread, gauges read at scrape time, rendered in the text exposition
// format (version 0.0.4). No I/O here.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace hookgate::metrics {

using Labels = std::vector<std::string>;  // values, in the family's label order

class CounterFamily {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> label_names);
  void inc(const Labels& labels, double amount = 1);
  double value(const Labels& labels) const;
  void render(std::string& out) const;

 private:
  std::string name_, help_;
  std::vector<std::string> label_names_;
  mutable std::mutex mutex_;
  std::map<Labels, double> values_;
};

class HistogramFamily {
 public:
  // `bounds` are the buckets' upper bounds, ascending; +Inf is implied.
  HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> bounds);
  void observe(const Labels& labels, double value);
  std::uint64_t count(const Labels& labels) const;
  void render(std::string& out) const;

 private:
  struct Series {
    std::vector<std::uint64_t> buckets;  // per bound, not cumulative
    std::uint64_t count = 0;
    double sum = 0;
  };
  std::string name_, help_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::map<Labels, Series> series_;
};

// Values read when scraped (pool sizes, queue depth): each call returns the
// series to print.
using GaugeReader = std::function<std::vector<std::pair<Labels, double>>()>;

class Registry {
 public:
  CounterFamily& counter(std::string name, std::string help, std::vector<std::string> label_names = {});
  HistogramFamily& histogram(std::string name, std::string help, std::vector<std::string> label_names,
                             std::vector<double> bounds);
  void gauge(std::string name, std::string help, std::vector<std::string> label_names, GaugeReader read);

  // Families in registration order; a gauge whose reader throws is left out.
  std::string render() const;

 private:
  struct Gauge {
    std::string name, help;
    std::vector<std::string> label_names;
    GaugeReader read;
  };
  mutable std::mutex mutex_;
  std::vector<std::function<void(std::string&)>> renderers_;
  std::vector<std::unique_ptr<CounterFamily>> counters_;
  std::vector<std::unique_ptr<HistogramFamily>> histograms_;
  std::vector<std::unique_ptr<Gauge>> gauges_;
};

// Latency buckets in seconds, 1 ms to 30 s.
std::vector<double> latency_buckets();

// `name{a="x",b="y"}` with values escaped as the format requires.
std::string series_name(const std::string& name, const std::vector<std::string>& label_names, const Labels& labels,
                        const std::string& extra_label = "", const std::string& extra_value = "");

}  // namespace hookgate::metrics
