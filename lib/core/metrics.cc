#include "core/metrics.h"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>
#include <variant>

namespace gitopsd::core {
namespace {

void addTo(std::atomic<double>& target, double amount) {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + amount, std::memory_order_relaxed)) {
  }
}

bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool validMetricName(std::string_view name) {
  if (name.empty() || !(isAlpha(name[0]) || name[0] == ':')) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return isAlpha(c) || isDigit(c) || c == ':'; });
}

bool validLabelName(std::string_view name) {
  if (name.empty() || !isAlpha(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return isAlpha(c) || isDigit(c); });
}

std::string_view typeName(MetricType type) {
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

[[noreturn]] void refuse(std::string_view name, const std::string& why) {
  throw std::invalid_argument("metric " + std::string(name) + ": " + why);
}

template <typename Names>
void checkFamily(MetricType type, std::string_view name, const Names& label_names) {
  if (!validMetricName(name)) refuse(name, "invalid metric name");
  if (type == MetricType::kCounter && !name.ends_with("_total")) {
    refuse(name, "a counter's name must end in _total");
  }
  std::set<std::string_view> seen;
  for (const auto& label : label_names) {
    const std::string_view text(label);
    if (!validLabelName(text) || text.starts_with("__")) {
      refuse(name, "invalid label name \"" + std::string(text) + "\"");
    }
    if (type == MetricType::kHistogram && text == "le") {
      refuse(name, "a histogram cannot have a label named le");
    }
    if (!seen.insert(text).second) refuse(name, "label " + std::string(text) + " given twice");
  }
}

void appendNumber(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    std::array<char, 32> buffer{};
    constexpr double kExactIntegers = 9007199254740992.0;  // 2^53
    std::to_chars_result result{};
    if (value == std::trunc(value) && std::fabs(value) < kExactIntegers) {
      result = std::to_chars(buffer.data(), buffer.data() + buffer.size(),
                             static_cast<std::int64_t>(value));
    } else {
      result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    }
    out.append(buffer.data(), result.ptr);
  }
}

void appendNumber(std::string& out, std::uint64_t value) {
  std::array<char, 24> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  out.append(buffer.data(), result.ptr);
}

// `{a="x",b="y"}` (with an extra `le` for histogram buckets); nothing for no labels.
void appendLabels(std::string& out, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, std::string_view le = {}) {
  if (names.empty() && le.empty()) return;
  out += '{';
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out.append(names[i]).append("=\"").append(escapeLabelValue(values[i])).append("\"");
  }
  if (!le.empty()) {
    if (!names.empty()) out += ',';
    out.append("le=\"").append(le).append("\"");
  }
  out += '}';
}

void appendSample(std::string& out, std::string_view name, std::string_view suffix,
                  const std::vector<std::string>& names, const std::vector<std::string>& values,
                  double value) {
  out.append(name).append(suffix);
  appendLabels(out, names, values);
  out += ' ';
  appendNumber(out, value);
  out += '\n';
}

void appendHistogram(std::string& out, std::string_view name, const std::vector<std::string>& names,
                     const std::vector<std::string>& values, const Histogram& histogram) {
  const Histogram::Snapshot snapshot = histogram.snapshot();
  const auto& bounds = histogram.bounds();
  for (size_t i = 0; i <= bounds.size(); ++i) {
    std::string le;
    if (i < bounds.size()) {
      appendNumber(le, bounds[i]);
    } else {
      le = "+Inf";
    }
    out.append(name).append("_bucket");
    appendLabels(out, names, values, le);
    out += ' ';
    appendNumber(out, snapshot.cumulative[i]);
    out += '\n';
  }
  appendSample(out, name, "_sum", names, values, snapshot.sum);
  out.append(name).append("_count");
  appendLabels(out, names, values);
  out += ' ';
  appendNumber(out, snapshot.count);
  out += '\n';
}

void appendHeader(std::string& out, std::string_view name, std::string_view help, MetricType type) {
  out.append("# HELP ").append(name).append(" ").append(escapeHelp(help)).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(typeName(type)).append("\n");
}

}  // namespace

void Counter::inc(double amount) {
  if (std::isnan(amount)) return;
  if (amount < 0) throw std::invalid_argument("a counter cannot be decreased");
  addTo(value_, amount);
}

void Gauge::inc(double amount) { addTo(value_, amount); }

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::observe(double value) {
  if (std::isnan(value)) return;
  const auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  buckets_[static_cast<size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
  addTo(sum_, value);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot out;
  out.cumulative.reserve(bounds_.size() + 1);
  std::uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
    out.cumulative.push_back(total);
  }
  out.count = total;
  out.sum = sum_.load(std::memory_order_relaxed);
  return out;
}

std::vector<double> defaultSecondsBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

template <typename Metric>
MetricFamily<Metric>::MetricFamily(std::string name, std::string help,
                                   std::vector<std::string> label_names, Factory factory)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      factory_(std::move(factory)) {}

template <typename Metric>
Metric& MetricFamily<Metric>::labels(std::initializer_list<std::string_view> values) {
  return child(std::span<const std::string_view>(values.begin(), values.size()));
}

template <typename Metric>
Metric& MetricFamily<Metric>::labels(const std::vector<std::string>& values) {
  const std::vector<std::string_view> views(values.begin(), values.end());
  return child(views);
}

template <typename Metric>
Metric& MetricFamily<Metric>::child(std::span<const std::string_view> values) {
  if (values.size() != label_names_.size()) {
    refuse(name_, std::to_string(values.size()) + " label values given, " +
                      std::to_string(label_names_.size()) + " expected");
  }
  {
    const std::shared_lock lock(mutex_);
    if (const auto found = children_.find(values); found != children_.end()) {
      return *found->second;
    }
  }
  const std::unique_lock lock(mutex_);
  if (const auto found = children_.find(values); found != children_.end()) return *found->second;
  std::vector<std::string> key(values.begin(), values.end());
  return *children_.emplace(std::move(key), factory_()).first->second;
}

template <typename Metric>
void MetricFamily<Metric>::forEach(
    const std::function<void(const std::vector<std::string>&, const Metric&)>& visit) const {
  const std::shared_lock lock(mutex_);
  for (const auto& [values, metric] : children_) visit(values, *metric);
}

template class MetricFamily<Counter>;
template class MetricFamily<Gauge>;
template class MetricFamily<Histogram>;

namespace detail {

struct RegisteredFamily {
  MetricType type;
  std::string help;
  std::vector<std::string> label_names;
  std::vector<double> buckets;
  std::variant<std::unique_ptr<CounterFamily>, std::unique_ptr<GaugeFamily>,
               std::unique_ptr<HistogramFamily>>
      family;
};

struct CollectedFamily {
  MetricType type;
  std::string help;
  std::vector<std::string> label_names;
  std::map<std::vector<std::string>, double, LabelValuesLess> samples;
};

}  // namespace detail

void Emitter::gauge(std::string_view name, std::string_view help,
                    std::initializer_list<std::string_view> label_names,
                    std::initializer_list<std::string_view> label_values, double value) {
  add(MetricType::kGauge, name, help, label_names, label_values, value);
}

void Emitter::counter(std::string_view name, std::string_view help,
                      std::initializer_list<std::string_view> label_names,
                      std::initializer_list<std::string_view> label_values, double value) {
  add(MetricType::kCounter, name, help, label_names, label_values, value);
}

void Emitter::add(MetricType type, std::string_view name, std::string_view help,
                  std::initializer_list<std::string_view> label_names,
                  std::initializer_list<std::string_view> label_values, double value) {
  auto family = families_.find(name);
  if (family == families_.end()) {
    checkFamily(type, name, label_names);
    if (registered_.contains(name)) refuse(name, "collected under the name of a registered family");
    detail::CollectedFamily created{
        type,
        std::string(help),
        std::vector<std::string>(label_names.begin(), label_names.end()),
        {}};
    family = families_.emplace(std::string(name), std::move(created)).first;
  } else if (family->second.type != type || family->second.help != help ||
             !std::equal(label_names.begin(), label_names.end(), family->second.label_names.begin(),
                         family->second.label_names.end())) {
    refuse(name, "collected with different type, help or label names");
  }
  if (label_values.size() != label_names.size()) {
    refuse(name, std::to_string(label_values.size()) + " label values given, " +
                     std::to_string(label_names.size()) + " expected");
  }
  const std::span<const std::string_view> values(label_values.begin(), label_values.size());
  if (family->second.samples.find(values) != family->second.samples.end()) {
    refuse(name, "the same label values collected twice");
  }
  family->second.samples.emplace(std::vector<std::string>(values.begin(), values.end()), value);
}

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

template <typename Metric>
MetricFamily<Metric>& MetricsRegistry::add(MetricType type, std::string_view name,
                                           std::string_view help,
                                           std::vector<std::string> label_names,
                                           std::vector<double> buckets) {
  checkFamily(type, name, label_names);
  if (type == MetricType::kHistogram) {
    if (!buckets.empty() && std::isinf(buckets.back()) && buckets.back() > 0) buckets.pop_back();
    for (size_t i = 0; i < buckets.size(); ++i) {
      if (!std::isfinite(buckets[i]) || (i > 0 && buckets[i] <= buckets[i - 1])) {
        refuse(name, "histogram buckets must be finite and strictly increasing");
      }
    }
  }
  const std::lock_guard lock(families_mutex_);
  if (const auto found = families_.find(name); found != families_.end()) {
    const detail::RegisteredFamily& existing = *found->second;
    if (existing.type != type || existing.help != help || existing.label_names != label_names ||
        existing.buckets != buckets) {
      refuse(name, "already registered with a different type, help, labels or buckets");
    }
    return *std::get<std::unique_ptr<MetricFamily<Metric>>>(existing.family);
  }
  // A histogram's series names must not collide with other families.
  static constexpr std::array<std::string_view, 3> kSuffixes = {"_bucket", "_sum", "_count"};
  for (const auto suffix : kSuffixes) {
    if (type == MetricType::kHistogram &&
        families_.contains(std::string(name) + std::string(suffix))) {
      refuse(name,
             "its series would collide with family " + std::string(name) + std::string(suffix));
    }
    if (name.ends_with(suffix)) {
      const auto base = families_.find(name.substr(0, name.size() - suffix.size()));
      if (base != families_.end() && base->second->type == MetricType::kHistogram) {
        refuse(name, "collides with a series of histogram " + base->first);
      }
    }
  }
  typename MetricFamily<Metric>::Factory factory;
  if constexpr (std::is_same_v<Metric, Histogram>) {
    factory = [bounds = buckets] { return std::make_unique<Histogram>(bounds); };
  } else {
    factory = [] { return std::make_unique<Metric>(); };
  }
  std::unique_ptr<MetricFamily<Metric>> family(
      new MetricFamily<Metric>(std::string(name), std::string(help), label_names, factory));
  MetricFamily<Metric>& out = *family;
  auto entry = std::make_unique<detail::RegisteredFamily>(detail::RegisteredFamily{
      type, std::string(help), std::move(label_names), std::move(buckets), std::move(family)});
  families_.emplace(std::string(name), std::move(entry));
  if (out.labelNames().empty()) out.get();  // shown (as 0) from the start
  return out;
}

CounterFamily& MetricsRegistry::counter(std::string_view name, std::string_view help,
                                        std::vector<std::string> label_names) {
  return add<Counter>(MetricType::kCounter, name, help, std::move(label_names), {});
}

GaugeFamily& MetricsRegistry::gauge(std::string_view name, std::string_view help,
                                    std::vector<std::string> label_names) {
  return add<Gauge>(MetricType::kGauge, name, help, std::move(label_names), {});
}

HistogramFamily& MetricsRegistry::histogram(std::string_view name, std::string_view help,
                                            std::vector<std::string> label_names,
                                            std::vector<double> buckets) {
  return add<Histogram>(MetricType::kHistogram, name, help, std::move(label_names),
                        std::move(buckets));
}

CollectorId MetricsRegistry::addCollector(std::function<void(Emitter&)> collect) {
  const std::lock_guard lock(collectors_mutex_);
  const CollectorId id = next_collector_++;
  collectors_.emplace(id, std::move(collect));
  return id;
}

void MetricsRegistry::removeCollector(CollectorId id) {
  const std::lock_guard lock(collectors_mutex_);
  collectors_.erase(id);
}

std::string MetricsRegistry::exposition() const {
  detail::RegisteredView registered;
  {
    const std::lock_guard lock(families_mutex_);
    for (const auto& [name, family] : families_) registered.emplace(name, family.get());
  }
  detail::CollectedFamilies collected;
  {
    const std::lock_guard lock(collectors_mutex_);
    Emitter emitter(collected, registered);
    for (const auto& [id, collect] : collectors_) collect(emitter);
  }

  // Both maps are sorted and their names disjoint: merge them in name order.
  std::string out;
  std::string body;
  auto renderRegistered = [&](std::string_view name, const detail::RegisteredFamily& family) {
    body.clear();
    std::visit(
        [&](const auto& metrics) {
          metrics->forEach([&](const std::vector<std::string>& values, const auto& metric) {
            using Metric = std::decay_t<decltype(metric)>;
            if constexpr (std::is_same_v<Metric, Histogram>) {
              appendHistogram(body, name, family.label_names, values, metric);
            } else {
              appendSample(body, name, "", family.label_names, values, metric.value());
            }
          });
        },
        family.family);
    if (body.empty()) return;
    appendHeader(out, name, family.help, family.type);
    out += body;
  };
  auto renderCollected = [&](std::string_view name, const detail::CollectedFamily& family) {
    if (family.samples.empty()) return;
    appendHeader(out, name, family.help, family.type);
    for (const auto& [values, value] : family.samples) {
      appendSample(out, name, "", family.label_names, values, value);
    }
  };
  auto next_registered = registered.begin();
  auto next_collected = collected.begin();
  while (next_registered != registered.end() || next_collected != collected.end()) {
    if (next_collected == collected.end() ||
        (next_registered != registered.end() &&
         next_registered->first < std::string_view(next_collected->first))) {
      renderRegistered(next_registered->first, *next_registered->second);
      ++next_registered;
    } else {
      renderCollected(next_collected->first, next_collected->second);
      ++next_collected;
    }
  }
  return out;
}

MetricsRegistry& defaultMetrics() {
  static MetricsRegistry* const registry = new MetricsRegistry();
  return *registry;
}

std::string escapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (const char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace gitopsd::core
