#include "core/metrics.h"

#include <cmath>
#include <cstdio>

namespace hookgate::metrics {

namespace {

std::string escape_label_value(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string format_value(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value)) return "NaN";
  if (value == std::floor(value) && std::fabs(value) < 1e15) return std::to_string(static_cast<long long>(value));
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.9g", value);
  return buffer;
}

void header(std::string& out, const std::string& name, const std::string& help, const char* type) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

std::string series_name(const std::string& name, const std::vector<std::string>& label_names, const Labels& labels,
                        const std::string& extra_label, const std::string& extra_value) {
  std::string out = name;
  bool any = !label_names.empty() || !extra_label.empty();
  if (!any) return out;
  out += '{';
  for (std::size_t i = 0; i < label_names.size(); ++i) {
    if (i > 0) out += ',';
    out += label_names[i] + "=\"" + escape_label_value(i < labels.size() ? labels[i] : "") + '"';
  }
  if (!extra_label.empty()) {
    if (!label_names.empty()) out += ',';
    out += extra_label + "=\"" + escape_label_value(extra_value) + '"';
  }
  out += '}';
  return out;
}

std::vector<double> latency_buckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}

CounterFamily::CounterFamily(std::string name, std::string help, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

void CounterFamily::inc(const Labels& labels, double amount) {
  std::lock_guard lock(mutex_);
  values_[labels] += amount;
}

double CounterFamily::value(const Labels& labels) const {
  std::lock_guard lock(mutex_);
  auto it = values_.find(labels);
  return it == values_.end() ? 0 : it->second;
}

void CounterFamily::render(std::string& out) const {
  header(out, name_, help_, "counter");
  std::lock_guard lock(mutex_);
  for (const auto& [labels, value] : values_) {
    out += series_name(name_, label_names_, labels) + ' ' + format_value(value) + '\n';
  }
}

HistogramFamily::HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                                 std::vector<double> bounds)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)), bounds_(std::move(bounds)) {}

void HistogramFamily::observe(const Labels& labels, double value) {
  std::lock_guard lock(mutex_);
  auto& series = series_[labels];
  if (series.buckets.empty()) series.buckets.assign(bounds_.size(), 0);
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (value <= bounds_[i]) {
      ++series.buckets[i];
      break;
    }
  }
  ++series.count;
  series.sum += value;
}

std::uint64_t HistogramFamily::count(const Labels& labels) const {
  std::lock_guard lock(mutex_);
  auto it = series_.find(labels);
  return it == series_.end() ? 0 : it->second.count;
}

void HistogramFamily::render(std::string& out) const {
  header(out, name_, help_, "histogram");
  std::lock_guard lock(mutex_);
  for (const auto& [labels, series] : series_) {
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += series.buckets[i];
      out += series_name(name_ + "_bucket", label_names_, labels, "le", format_value(bounds_[i])) + ' ' +
             std::to_string(cumulative) + '\n';
    }
    out += series_name(name_ + "_bucket", label_names_, labels, "le", "+Inf") + ' ' + std::to_string(series.count) +
           '\n';
    out += series_name(name_ + "_sum", label_names_, labels) + ' ' + format_value(series.sum) + '\n';
    out += series_name(name_ + "_count", label_names_, labels) + ' ' + std::to_string(series.count) + '\n';
  }
}

CounterFamily& Registry::counter(std::string name, std::string help, std::vector<std::string> label_names) {
  std::lock_guard lock(mutex_);
  counters_.push_back(std::make_unique<CounterFamily>(std::move(name), std::move(help), std::move(label_names)));
  auto* family = counters_.back().get();
  renderers_.emplace_back([family](std::string& out) { family->render(out); });
  return *family;
}

HistogramFamily& Registry::histogram(std::string name, std::string help, std::vector<std::string> label_names,
                                     std::vector<double> bounds) {
  std::lock_guard lock(mutex_);
  histograms_.push_back(std::make_unique<HistogramFamily>(std::move(name), std::move(help), std::move(label_names),
                                                          std::move(bounds)));
  auto* family = histograms_.back().get();
  renderers_.emplace_back([family](std::string& out) { family->render(out); });
  return *family;
}

void Registry::gauge(std::string name, std::string help, std::vector<std::string> label_names, GaugeReader read) {
  std::lock_guard lock(mutex_);
  gauges_.push_back(std::make_unique<Gauge>(Gauge{std::move(name), std::move(help), std::move(label_names),
                                                  std::move(read)}));
  auto* gauge = gauges_.back().get();
  renderers_.emplace_back([gauge](std::string& out) {
    std::vector<std::pair<Labels, double>> series;
    try {
      series = gauge->read();
    } catch (const std::exception&) {
      return;  // e.g. the database is away: the scrape still answers
    }
    header(out, gauge->name, gauge->help, "gauge");
    for (const auto& [labels, value] : series) {
      out += series_name(gauge->name, gauge->label_names, labels) + ' ' + format_value(value) + '\n';
    }
  });
}

std::string Registry::render() const {
  std::vector<std::function<void(std::string&)>> renderers;
  {
    std::lock_guard lock(mutex_);
    renderers = renderers_;
  }
  std::string out;
  for (const auto& render : renderers) render(out);
  return out;
}

}  // namespace hookgate::metrics
