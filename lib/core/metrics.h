// Prometheus metrics: counters, gauges and histograms in families with labels, plus collectors
// that report values read at scrape time, rendered in the Prometheus text format 0.0.4. Pure:
// no I/O, no clock; the HTTP side (/metrics) lives in lib/server.
//
//   auto& requests = core::defaultMetrics().counter(
//       "gitopsd_kube_requests_total", "Kubernetes API requests.", {"verb", "code"});
//   requests.labels({"get", "200"}).inc();              // child created on first use
//   auto& took = registry.histogram("gitopsd_sync_duration_seconds", "Sync duration.", {"app"});
//   took.labels({app}).observe(1.25);
//   core::ScopedCollector info(registry, [&](core::Emitter& out) {
//     for (const auto& app : apps) {
//       out.gauge("gitopsd_app_info", "Applications.", {"name", "project"}, {app.name,
//       app.project},
//                 1);
//     }
//   });                                                 // removed again when `info` goes away
//   std::string text = registry.exposition();
//
// Families: a name (`[a-zA-Z_:][a-zA-Z0-9_:]*`; counters must end in `_total`), help text and
// label names (`[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`, no duplicates, and no `le` for
// histograms). Registering a name again with the same type, help, label names (and buckets)
// returns the existing family, so libraries may register from function-local statics;
// anything else with that name is refused. A family without labels has its one child from the
// start (exposed as 0); a labelled family shows the children that exist.
//
// Programming errors throw std::invalid_argument: an invalid name or label name, a conflicting
// registration, a wrong number of label values, a negative counter increment, invalid buckets,
// and the same mistakes made through an Emitter (those surface from exposition()). They are
// caught by the first test that registers or scrapes, never by users' input: never put user
// input in metric or label names (label values may be anything).
//
// Thread safety: everything may be called from any thread. inc/set/observe are lock-free
// atomics; labels() takes a shared lock (an exclusive one only to create a child). References
// returned by counter()/gauge()/histogram()/labels() stay valid for the registry's life;
// children are never removed. Label values must not carry secrets or unbounded values (URLs,
// object names of every object): each distinct set is a series kept for the process's life.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gitopsd::core {

// A value that only goes up (resets only with the process).
class Counter {
 public:
  // amount must be >= 0 (std::invalid_argument otherwise; NaN is ignored).
  void inc(double amount = 1.0);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// A value that goes up and down.
class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void inc(double amount = 1.0);
  void dec(double amount = 1.0) { inc(-amount); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Observations counted into fixed buckets (upper bounds inclusive, as Prometheus' `le`), with
// their sum and count.
class Histogram {
 public:
  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // per bound, then +Inf (== count)
    double sum = 0.0;
    std::uint64_t count = 0;
  };

  // bounds: finite, strictly increasing (the registry checks them); +Inf is implicit.
  explicit Histogram(std::vector<double> bounds);

  // NaN is ignored.
  void observe(double value);
  const std::vector<double>& bounds() const { return bounds_; }
  // Counts read bucket by bucket; count is always the +Inf bucket, so a snapshot taken while
  // others observe stays consistent (the sum may lag by those observations).
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // per bound, then +Inf; not cumulative
  std::atomic<double> sum_{0.0};
};

// 0.005 s to 60 s: request and sync durations.
std::vector<double> defaultSecondsBuckets();

enum class MetricType { kCounter, kGauge, kHistogram };

namespace detail {
// Orders label value lists so a lookup with string_views allocates nothing.
struct LabelValuesLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return std::lexicographical_compare(
        a.begin(), a.end(), b.begin(), b.end(),
        [](const auto& x, const auto& y) { return std::string_view(x) < std::string_view(y); });
  }
};
}  // namespace detail

// One metric name with its children by label values. Created by MetricsRegistry only.
template <typename Metric>
class MetricFamily {
 public:
  MetricFamily(const MetricFamily&) = delete;
  MetricFamily& operator=(const MetricFamily&) = delete;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& labelNames() const { return label_names_; }

  // The child for these label values (in labelNames() order), created on first use. Keep the
  // reference for hot paths. A wrong number of values throws std::invalid_argument.
  Metric& labels(std::initializer_list<std::string_view> values);
  Metric& labels(const std::vector<std::string>& values);
  // The one child of a family without labels.
  Metric& get() { return labels({}); }

  // Calls visit for every child in label-value order, under the family's lock: visit must not
  // call labels() of this family.
  void forEach(const std::function<void(const std::vector<std::string>& values,
                                        const Metric& metric)>& visit) const;

 private:
  friend class MetricsRegistry;
  using Factory = std::function<std::unique_ptr<Metric>()>;
  MetricFamily(std::string name, std::string help, std::vector<std::string> label_names,
               Factory factory);
  Metric& child(std::span<const std::string_view> values);

  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
  const Factory factory_;
  mutable std::shared_mutex mutex_;  // guards the map; the children are atomics
  std::map<std::vector<std::string>, std::unique_ptr<Metric>, detail::LabelValuesLess> children_;
};

using CounterFamily = MetricFamily<Counter>;
using GaugeFamily = MetricFamily<Gauge>;
using HistogramFamily = MetricFamily<Histogram>;

namespace detail {
struct CollectedFamily;
struct RegisteredFamily;
using CollectedFamilies = std::map<std::string, CollectedFamily, std::less<>>;
using RegisteredView = std::map<std::string_view, const RegisteredFamily*>;
}  // namespace detail

// What a collector writes into during one exposition. Samples of one name may come from several
// collectors (e.g. one per cluster); the name's help, type and label names must then agree, must
// not clash with a registered family, and no label value set may repeat (std::invalid_argument).
class Emitter {
 public:
  void gauge(std::string_view name, std::string_view help,
             std::initializer_list<std::string_view> label_names,
             std::initializer_list<std::string_view> label_values, double value);
  // For values that only go up but are kept elsewhere (name must end in `_total`).
  void counter(std::string_view name, std::string_view help,
               std::initializer_list<std::string_view> label_names,
               std::initializer_list<std::string_view> label_values, double value);

 private:
  friend class MetricsRegistry;
  Emitter(detail::CollectedFamilies& families, const detail::RegisteredView& registered)
      : families_(families), registered_(registered) {}
  void add(MetricType type, std::string_view name, std::string_view help,
           std::initializer_list<std::string_view> label_names,
           std::initializer_list<std::string_view> label_values, double value);

  detail::CollectedFamilies& families_;
  const detail::RegisteredView& registered_;
};

using CollectorId = std::uint64_t;

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  CounterFamily& counter(std::string_view name, std::string_view help,
                         std::vector<std::string> label_names = {});
  GaugeFamily& gauge(std::string_view name, std::string_view help,
                     std::vector<std::string> label_names = {});
  HistogramFamily& histogram(std::string_view name, std::string_view help,
                             std::vector<std::string> label_names = {},
                             std::vector<double> buckets = defaultSecondsBuckets());

  // collect runs during every exposition(), one collector at a time, and writes samples read
  // at that moment. It must not add or remove collectors, and should be quick (it holds up the
  // scrape). After removeCollector(id) returns, collect is not running and never runs again;
  // an unknown id is ignored.
  CollectorId addCollector(std::function<void(Emitter&)> collect);
  void removeCollector(CollectorId id);

  // The text format 0.0.4: families sorted by name, each with `# HELP` and `# TYPE`, children in
  // label-value order, histograms as cumulative `_bucket{le=...}` (with `+Inf`), `_sum`,
  // `_count`. Families without samples are left out. Ends with a newline unless empty.
  std::string exposition() const;

 private:
  template <typename Metric>
  MetricFamily<Metric>& add(MetricType type, std::string_view name, std::string_view help,
                            std::vector<std::string> label_names, std::vector<double> buckets);

  mutable std::mutex families_mutex_;
  std::map<std::string, std::unique_ptr<detail::RegisteredFamily>, std::less<>> families_;
  mutable std::mutex collectors_mutex_;  // held while collectors run
  std::map<CollectorId, std::function<void(Emitter&)>> collectors_;
  CollectorId next_collector_ = 1;
};

// A collector registered for this object's lifetime (move-only). Declare it after whatever the
// collector reads, so it is removed before those are destroyed.
class ScopedCollector {
 public:
  ScopedCollector() = default;
  ScopedCollector(MetricsRegistry& registry, std::function<void(Emitter&)> collect)
      : registry_(&registry), id_(registry.addCollector(std::move(collect))) {}
  ScopedCollector(ScopedCollector&& other) noexcept
      : registry_(std::exchange(other.registry_, nullptr)), id_(other.id_) {}
  ScopedCollector& operator=(ScopedCollector&& other) noexcept {
    if (this != &other) {
      reset();
      registry_ = std::exchange(other.registry_, nullptr);
      id_ = other.id_;
    }
    return *this;
  }
  ~ScopedCollector() { reset(); }

  // Removes the collector now (waits for a running exposition to finish with it).
  void reset() {
    if (registry_ != nullptr) std::exchange(registry_, nullptr)->removeCollector(id_);
  }

 private:
  MetricsRegistry* registry_ = nullptr;
  CollectorId id_ = 0;
};

// The process-wide registry the libraries instrument themselves with; never destroyed.
MetricsRegistry& defaultMetrics();

// Exposed for tests: the text format's escaping of label values (backslash, double quote,
// newline) and of help text (backslash, newline).
std::string escapeLabelValue(std::string_view value);
std::string escapeHelp(std::string_view help);

}  // namespace gitopsd::core
