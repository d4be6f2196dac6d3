#include "analysis/run_model.h"

#include <array>
#include <charconv>
#include <regex>

#include "core/time_text.h"

namespace gitopsd::analysis {

using nlohmann::json;

namespace {

constexpr std::array<std::string_view, 7> kPhaseNames = {
    "", "Pending", "Running", "Successful", "Failed", "Error", "Inconclusive"};

std::string quoted(const json& value) {
  return value.is_string() ? "\"" + value.get<std::string>() + "\"" : value.dump();
}

core::Status fieldError(std::string_view path, std::string_view what) {
  return core::invalidError(std::string(path) + ": " + std::string(what));
}

// A field that must be a string when present; "" when absent or null.
core::Result<std::string> optionalString(const json& object, const char* key,
                                         const std::string& path) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::string();
  if (!it->is_string()) return fieldError(path + "." + key, "must be a string, not " + it->dump());
  return it->get<std::string>();
}

core::Result<bool> optionalBool(const json& object, const char* key, const std::string& path) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return false;
  if (!it->is_boolean())
    return fieldError(path + "." + key, "must be a boolean, not " + it->dump());
  return it->get<bool>();
}

core::Result<int> parseInt(std::string_view text) {
  int value = 0;
  const char* begin = text.data();
  const char* end = begin + text.size();
  if (!text.empty() && *begin == '+') ++begin;
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return core::invalidError("not an integer");
  }
  return value;
}

// Kubernetes' IntOrString: 3 or "3".
core::Result<std::optional<int>> optionalIntOrString(const json& object, const char* key,
                                                     const std::string& path) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::optional<int>();
  if (it->is_number_integer()) return std::optional<int>(it->get<int>());
  if (it->is_string()) {
    auto value = parseInt(it->get<std::string>());
    if (value.ok()) return std::optional<int>(*value);
  }
  return fieldError(path + "." + key, "must be an integer or a string of one, not " + quoted(*it));
}

core::Result<int> optionalInt(const json& object, const char* key, const std::string& path) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return 0;
  if (!it->is_number_integer()) {
    return fieldError(path + "." + key, "must be an integer, not " + it->dump());
  }
  return it->get<int>();
}

core::Result<std::optional<Duration>> optionalDuration(const json& object, const char* key,
                                                       const std::string& path) {
  auto text = optionalString(object, key, path);
  if (!text.ok()) return text.status();
  if (text->empty()) return std::optional<Duration>();
  auto duration = parseGoDuration(*text);
  if (!duration.ok()) return fieldError(path + "." + key, "invalid duration \"" + *text + "\"");
  return std::optional<Duration>(*duration);
}

const json& arrayField(const json& object, const char* key) {
  static const json kEmpty = json::array();
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? kEmpty : *it;
}

core::Result<Metric> parseMetric(const json& item, const std::string& path) {
  if (!item.is_object()) return fieldError(path, "must be an object");
  Metric metric;
  auto name = optionalString(item, "name", path);
  if (!name.ok()) return name.status();
  if (name->empty()) return fieldError(path + ".name", "required");
  metric.name = *name;
  auto interval = optionalDuration(item, "interval", path);
  if (!interval.ok()) return interval.status();
  metric.interval = *interval;
  auto delay = optionalDuration(item, "initialDelay", path);
  if (!delay.ok()) return delay.status();
  metric.initial_delay = *delay;
  auto success = optionalString(item, "successCondition", path);
  if (!success.ok()) return success.status();
  metric.success_condition = *success;
  auto failure = optionalString(item, "failureCondition", path);
  if (!failure.ok()) return failure.status();
  metric.failure_condition = *failure;
  const std::pair<const char*, std::optional<int>*> limits[] = {
      {"count", &metric.count},
      {"failureLimit", &metric.failure_limit},
      {"inconclusiveLimit", &metric.inconclusive_limit},
      {"consecutiveErrorLimit", &metric.consecutive_error_limit},
      {"consecutiveSuccessLimit", &metric.consecutive_success_limit}};
  for (const auto& [key, target] : limits) {
    auto value = optionalIntOrString(item, key, path);
    if (!value.ok()) return value.status();
    *target = *value;
  }
  auto provider = item.find("provider");
  if (provider == item.end() || provider->is_null()) {
    return fieldError(path + ".provider", "required");
  }
  if (!provider->is_object()) return fieldError(path + ".provider", "must be an object");
  if (provider->size() != 1) {
    std::string keys;
    for (const auto& [key, value] : provider->items()) keys += (keys.empty() ? "" : ", ") + key;
    return fieldError(path + ".provider", "exactly one provider, found " +
                                              std::to_string(provider->size()) +
                                              (keys.empty() ? "" : " (" + keys + ")"));
  }
  if (!provider->begin()->is_object()) {
    return fieldError(path + ".provider." + provider->begin().key(), "must be an object");
  }
  metric.provider = *provider;
  return metric;
}

core::Result<std::optional<TimePoint>> optionalTime(const json& object, const char* key,
                                                    const std::string& path) {
  auto text = optionalString(object, key, path);
  if (!text.ok()) return text.status();
  if (text->empty()) return std::optional<TimePoint>();
  auto time = core::parseRfc3339(*text);
  if (!time) return fieldError(path + "." + key, "invalid time \"" + *text + "\"");
  return std::optional<TimePoint>(*time);
}

core::Result<Phase> phaseField(const json& object, const std::string& path) {
  auto text = optionalString(object, "phase", path);
  if (!text.ok()) return text.status();
  auto phase = parsePhase(*text);
  if (!phase.ok()) return fieldError(path + ".phase", phase.status().message());
  return *phase;
}

core::Result<std::map<std::string, std::string>> stringMap(const json& object, const char* key,
                                                           const std::string& path) {
  std::map<std::string, std::string> out;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return out;
  if (!it->is_object()) return fieldError(path + "." + key, "must be an object");
  for (const auto& [name, value] : it->items()) {
    if (!value.is_string()) {
      return fieldError(path + "." + key + "." + name, "must be a string, not " + value.dump());
    }
    out[name] = value.get<std::string>();
  }
  return out;
}

// The counters of a metric result and of a run summary.
core::Status readCounters(const json& object, const std::string& path,
                          std::initializer_list<std::pair<const char*, int*>> fields) {
  for (const auto& [key, target] : fields) {
    auto value = optionalInt(object, key, path);
    if (!value.ok()) return value.status();
    *target = *value;
  }
  return {};
}

core::Result<RunSummary> parseSummary(const json& object, const std::string& path) {
  RunSummary summary;
  if (object.is_null()) return summary;
  if (!object.is_object()) return fieldError(path, "must be an object");
  core::Status status = readCounters(object, path,
                                     {{"count", &summary.count},
                                      {"successful", &summary.successful},
                                      {"failed", &summary.failed},
                                      {"inconclusive", &summary.inconclusive},
                                      {"error", &summary.error}});
  if (!status.ok()) return status;
  return summary;
}

core::Result<Measurement> parseMeasurement(const json& item, const std::string& path) {
  if (!item.is_object()) return fieldError(path, "must be an object");
  Measurement m;
  auto phase = phaseField(item, path);
  if (!phase.ok()) return phase.status();
  m.phase = *phase;
  auto message = optionalString(item, "message", path);
  if (!message.ok()) return message.status();
  m.message = *message;
  auto value = optionalString(item, "value", path);
  if (!value.ok()) return value.status();
  m.value = *value;
  const std::pair<const char*, std::optional<TimePoint>*> times[] = {
      {"startedAt", &m.started_at}, {"finishedAt", &m.finished_at}, {"resumeAt", &m.resume_at}};
  for (const auto& [key, target] : times) {
    auto time = optionalTime(item, key, path);
    if (!time.ok()) return time.status();
    *target = *time;
  }
  auto metadata = stringMap(item, "metadata", path);
  if (!metadata.ok()) return metadata.status();
  m.metadata = std::move(*metadata);
  return m;
}

core::Result<MetricResult> parseMetricResult(const json& item, const std::string& path) {
  if (!item.is_object()) return fieldError(path, "must be an object");
  MetricResult r;
  auto name = optionalString(item, "name", path);
  if (!name.ok()) return name.status();
  r.name = *name;
  auto phase = phaseField(item, path);
  if (!phase.ok()) return phase.status();
  r.phase = *phase;
  auto message = optionalString(item, "message", path);
  if (!message.ok()) return message.status();
  r.message = *message;
  core::Status counters = readCounters(item, path,
                                       {{"count", &r.count},
                                        {"successful", &r.successful},
                                        {"failed", &r.failed},
                                        {"inconclusive", &r.inconclusive},
                                        {"error", &r.error},
                                        {"consecutiveError", &r.consecutive_error},
                                        {"consecutiveSuccess", &r.consecutive_success}});
  if (!counters.ok()) return counters;
  auto dry_run = optionalBool(item, "dryRun", path);
  if (!dry_run.ok()) return dry_run.status();
  r.dry_run = *dry_run;
  auto metadata = stringMap(item, "metadata", path);
  if (!metadata.ok()) return metadata.status();
  r.metadata = std::move(*metadata);
  const json& measurements = arrayField(item, "measurements");
  if (!measurements.is_array()) return fieldError(path + ".measurements", "must be a list");
  for (size_t i = 0; i < measurements.size(); ++i) {
    auto m = parseMeasurement(measurements[i], path + ".measurements[" + std::to_string(i) + "]");
    if (!m.ok()) return m.status();
    r.measurements.push_back(std::move(*m));
  }
  return r;
}

void putTime(json& out, const char* key, const std::optional<TimePoint>& time) {
  if (time) out[key] = core::formatRfc3339(*time);
}

void putString(json& out, const char* key, const std::string& value) {
  if (!value.empty()) out[key] = value;
}

void putCount(json& out, const char* key, int value) {
  if (value != 0) out[key] = value;
}

void putMap(json& out, const char* key, const std::map<std::string, std::string>& values) {
  if (!values.empty()) out[key] = values;
}

json summaryJson(const RunSummary& s) {
  json out = json::object();
  putCount(out, "count", s.count);
  putCount(out, "successful", s.successful);
  putCount(out, "failed", s.failed);
  putCount(out, "inconclusive", s.inconclusive);
  putCount(out, "error", s.error);
  return out;
}

bool ruleMatches(const std::string& pattern, const std::string& name) {
  try {
    return std::regex_search(name, std::regex(pattern));
  } catch (const std::regex_error&) {
    return false;  // as Argo: a pattern that does not compile matches nothing
  }
}

}  // namespace

std::string_view phaseName(Phase phase) { return kPhaseNames[static_cast<size_t>(phase)]; }

core::Result<Phase> parsePhase(std::string_view text) {
  for (size_t i = 0; i < kPhaseNames.size(); ++i) {
    if (kPhaseNames[i] == text) return static_cast<Phase>(i);
  }
  return core::invalidError("unknown phase \"" + std::string(text) + "\"");
}

bool phaseCompleted(Phase phase) {
  return phase == Phase::kSuccessful || phase == Phase::kFailed || phase == Phase::kError ||
         phase == Phase::kInconclusive;
}

core::Result<Duration> parseGoDuration(std::string_view text) {
  const std::string original(text);
  auto bad = [&] { return core::invalidError("invalid duration \"" + original + "\""); };
  bool negative = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text == "0") return Duration(0);
  if (text.empty()) return bad();
  long double total_ns = 0;
  while (!text.empty()) {
    size_t digits = 0;
    while (digits < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[digits])) != 0 || text[digits] == '.')) {
      ++digits;
    }
    const std::string number(text.substr(0, digits));
    if (number.empty() || number == "." || std::count(number.begin(), number.end(), '.') > 1) {
      return bad();
    }
    text.remove_prefix(digits);
    size_t unit_length = 0;
    while (unit_length < text.size() && text[unit_length] != '.' &&
           std::isdigit(static_cast<unsigned char>(text[unit_length])) == 0) {
      ++unit_length;
    }
    const std::string_view unit = text.substr(0, unit_length);
    text.remove_prefix(unit_length);
    long double scale = 0;
    if (unit == "ns") {
      scale = 1;
    } else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") {
      scale = 1e3L;
    } else if (unit == "ms") {
      scale = 1e6L;
    } else if (unit == "s") {
      scale = 1e9L;
    } else if (unit == "m") {
      scale = 60e9L;
    } else if (unit == "h") {
      scale = 3600e9L;
    } else {
      return bad();
    }
    total_ns += std::stold(number) * scale;
  }
  const auto ms = static_cast<long long>(total_ns / 1e6L);
  return Duration(negative ? -ms : ms);
}

std::string Metric::providerType() const {
  return provider.is_object() && !provider.empty() ? provider.begin().key() : std::string();
}

std::optional<int> Metric::effectiveCount() const {
  if (!count || *count == 0) {
    if (!interval) return 1;
    return std::nullopt;
  }
  return count;
}

int Metric::consecutiveErrorLimitOrDefault() const {
  return consecutive_error_limit.value_or(kDefaultConsecutiveErrorLimit);
}

core::Result<std::vector<Argument>> parseArguments(const json& args, std::string_view path) {
  std::vector<Argument> out;
  if (args.is_null()) return out;
  if (!args.is_array()) return fieldError(path, "must be a list");
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string at = std::string(path) + "[" + std::to_string(i) + "]";
    const json& item = args[i];
    if (!item.is_object()) return fieldError(at, "must be an object");
    Argument arg;
    auto name = optionalString(item, "name", at);
    if (!name.ok()) return name.status();
    if (name->empty()) return fieldError(at + ".name", "required");
    arg.name = *name;
    if (auto value = item.find("value"); value != item.end() && !value->is_null()) {
      if (!value->is_string()) {
        return fieldError(at + ".value", "must be a string, not " + value->dump());
      }
      arg.value = value->get<std::string>();
    }
    auto from = item.find("valueFrom");
    if (from != item.end() && !from->is_null()) {
      const std::string from_path = at + ".valueFrom";
      if (!from->is_object()) return fieldError(from_path, "must be an object");
      if (auto ref = from->find("secretKeyRef"); ref != from->end() && !ref->is_null()) {
        if (!ref->is_object()) return fieldError(from_path + ".secretKeyRef", "must be an object");
        auto secret = optionalString(*ref, "name", from_path + ".secretKeyRef");
        if (!secret.ok()) return secret.status();
        auto key = optionalString(*ref, "key", from_path + ".secretKeyRef");
        if (!key.ok()) return key.status();
        if (secret->empty()) return fieldError(from_path + ".secretKeyRef.name", "required");
        if (key->empty()) return fieldError(from_path + ".secretKeyRef.key", "required");
        arg.secret_key_ref = SecretKeyRef{*secret, *key};
      }
      if (auto ref = from->find("fieldRef"); ref != from->end() && !ref->is_null()) {
        if (!ref->is_object()) return fieldError(from_path + ".fieldRef", "must be an object");
        auto field = optionalString(*ref, "fieldPath", from_path + ".fieldRef");
        if (!field.ok()) return field.status();
        if (field->empty()) return fieldError(from_path + ".fieldRef.fieldPath", "required");
        arg.field_path = *field;
      }
      auto hash = optionalString(*from, "podTemplateHashValue", from_path);
      if (!hash.ok()) return hash.status();
      if (!hash->empty()) arg.pod_template_hash = *hash;
      const int sources =
          (arg.secret_key_ref ? 1 : 0) + (arg.field_path ? 1 : 0) + (arg.pod_template_hash ? 1 : 0);
      if (sources > 1)
        return fieldError(from_path,
                          "only one of secretKeyRef, fieldRef and "
                          "podTemplateHashValue");
    }
    out.push_back(std::move(arg));
  }
  return out;
}

core::Result<RunSpec> parseRunSpec(const json& spec) {
  if (!spec.is_object()) return fieldError("spec", "must be an object");
  RunSpec out;
  const json& metrics = arrayField(spec, "metrics");
  if (!metrics.is_array()) return fieldError("spec.metrics", "must be a list");
  for (size_t i = 0; i < metrics.size(); ++i) {
    auto metric = parseMetric(metrics[i], "spec.metrics[" + std::to_string(i) + "]");
    if (!metric.ok()) return metric.status();
    out.metrics.push_back(std::move(*metric));
  }
  auto args = parseArguments(arrayField(spec, "args"), "spec.args");
  if (!args.ok()) return args.status();
  out.args = std::move(*args);
  const json& dry_run = arrayField(spec, "dryRun");
  if (!dry_run.is_array()) return fieldError("spec.dryRun", "must be a list");
  for (size_t i = 0; i < dry_run.size(); ++i) {
    const std::string at = "spec.dryRun[" + std::to_string(i) + "]";
    if (!dry_run[i].is_object()) return fieldError(at, "must be an object");
    auto name = optionalString(dry_run[i], "metricName", at);
    if (!name.ok()) return name.status();
    if (name->empty()) return fieldError(at + ".metricName", "required");
    out.dry_run.push_back({*name});
  }
  const json& retention = arrayField(spec, "measurementRetention");
  if (!retention.is_array()) return fieldError("spec.measurementRetention", "must be a list");
  for (size_t i = 0; i < retention.size(); ++i) {
    const std::string at = "spec.measurementRetention[" + std::to_string(i) + "]";
    if (!retention[i].is_object()) return fieldError(at, "must be an object");
    auto name = optionalString(retention[i], "metricName", at);
    if (!name.ok()) return name.status();
    if (name->empty()) return fieldError(at + ".metricName", "required");
    auto limit = optionalInt(retention[i], "limit", at);
    if (!limit.ok()) return limit.status();
    out.measurement_retention.push_back({*name, *limit});
  }
  auto terminate = optionalBool(spec, "terminate", "spec");
  if (!terminate.ok()) return terminate.status();
  out.terminate = *terminate;
  return out;
}

namespace {

core::Status validateMetric(const Metric& metric) {
  const int count = metric.count.value_or(0);
  const int failure_limit = metric.failure_limit.value_or(0);
  const int success_limit = metric.consecutive_success_limit.value_or(0);
  const int inconclusive_limit = metric.inconclusive_limit.value_or(0);
  if (success_limit < 0) return core::invalidError("consecutiveSuccessLimit must be >= 0");
  if (failure_limit < -1) {
    return core::invalidError("failureLimit must be >= 0, or -1 to be disabled");
  }
  if (success_limit == 0 && failure_limit == -1) {
    return core::invalidError("failureLimit and consecutiveSuccessLimit cannot both be disabled");
  }
  if (inconclusive_limit < 0) return core::invalidError("inconclusiveLimit must be >= 0");
  if (metric.consecutive_error_limit && *metric.consecutive_error_limit < 0) {
    return core::invalidError("consecutiveErrorLimit must be >= 0");
  }
  if (count > 0) {
    if (failure_limit >= 0 && count < failure_limit + success_limit) {
      return core::invalidError("count (" + std::to_string(count) +
                                ") must be >= failureLimit + consecutiveSuccessLimit (" +
                                std::to_string(failure_limit) + " + " +
                                std::to_string(success_limit) + ") if both >= 0");
    }
    if (failure_limit < 0 && count < success_limit) {
      return core::invalidError("count must be >= consecutiveSuccessLimit");
    }
    if (count < inconclusive_limit) return core::invalidError("count must be >= inconclusiveLimit");
  }
  if (count > 1 && !metric.interval) {
    return core::invalidError("interval must be specified when count > 1");
  }
  if (metric.provider.empty()) return core::invalidError("no provider specified");
  return {};
}

}  // namespace

core::Status validateRunSpec(const RunSpec& spec) {
  if (spec.metrics.empty()) return core::invalidError("no metrics specified");
  for (size_t i = 0; i < spec.metrics.size(); ++i) {
    const std::string at = "metrics[" + std::to_string(i) + "]";
    for (size_t j = 0; j < i; ++j) {
      if (spec.metrics[j].name == spec.metrics[i].name) {
        return core::invalidError(at + ": duplicate name '" + spec.metrics[i].name + "'");
      }
    }
    core::Status status = validateMetric(spec.metrics[i]);
    if (!status.ok()) return core::invalidError(at + ": " + status.message());
  }
  auto every_rule_matches = [&](const auto& rules, const char* field) -> core::Status {
    for (size_t i = 0; i < rules.size(); ++i) {
      const bool any = std::any_of(spec.metrics.begin(), spec.metrics.end(), [&](const Metric& m) {
        return ruleMatches(rules[i].metric_name, m.name);
      });
      if (!any) {
        return core::invalidError(std::string(field) + "[" + std::to_string(i) +
                                  "]: Rule didn't match any metric name(s)");
      }
    }
    return {};
  };
  core::Status dry_run = every_rule_matches(spec.dry_run, "dryRun");
  if (!dry_run.ok()) return dry_run;
  return every_rule_matches(spec.measurement_retention, "measurementRetention");
}

std::map<std::string, bool> dryRunMetrics(const RunSpec& spec) {
  std::map<std::string, bool> out;
  for (const auto& rule : spec.dry_run) {
    for (const auto& metric : spec.metrics) {
      if (ruleMatches(rule.metric_name, metric.name)) out[metric.name] = true;
    }
  }
  return out;
}

int measurementLimit(const RunSpec& spec, const std::string& metric) {
  const RetentionRule* chosen = nullptr;
  for (const auto& rule : spec.measurement_retention) {
    if (ruleMatches(rule.metric_name, metric)) chosen = &rule;
  }
  return chosen != nullptr && chosen->limit > 0 ? chosen->limit : kDefaultMeasurementHistoryLimit;
}

const MetricResult* RunStatus::result(std::string_view metric) const {
  for (const auto& r : metric_results) {
    if (r.name == metric) return &r;
  }
  return nullptr;
}

MetricResult* RunStatus::result(std::string_view metric) {
  for (auto& r : metric_results) {
    if (r.name == metric) return &r;
  }
  return nullptr;
}

json toJson(const Measurement& m) {
  json out = {{"phase", phaseName(m.phase)}};
  putString(out, "message", m.message);
  putTime(out, "startedAt", m.started_at);
  putTime(out, "finishedAt", m.finished_at);
  putString(out, "value", m.value);
  putMap(out, "metadata", m.metadata);
  putTime(out, "resumeAt", m.resume_at);
  return out;
}

json toJson(const RunStatus& status) {
  json out = {{"phase", phaseName(status.phase)}};
  putString(out, "message", status.message);
  if (!status.metric_results.empty()) {
    json results = json::array();
    for (const auto& r : status.metric_results) {
      json item = {{"name", r.name}, {"phase", phaseName(r.phase)}};
      if (!r.measurements.empty()) {
        json measurements = json::array();
        for (const auto& m : r.measurements) measurements.push_back(toJson(m));
        item["measurements"] = std::move(measurements);
      }
      putString(item, "message", r.message);
      putCount(item, "count", r.count);
      putCount(item, "successful", r.successful);
      putCount(item, "failed", r.failed);
      putCount(item, "inconclusive", r.inconclusive);
      putCount(item, "error", r.error);
      putCount(item, "consecutiveError", r.consecutive_error);
      if (r.dry_run) item["dryRun"] = true;
      putMap(item, "metadata", r.metadata);
      putCount(item, "consecutiveSuccess", r.consecutive_success);
      results.push_back(std::move(item));
    }
    out["metricResults"] = std::move(results);
  }
  putTime(out, "startedAt", status.started_at);
  out["runSummary"] = summaryJson(status.run_summary);
  if (status.dry_run_summary) out["dryRunSummary"] = summaryJson(*status.dry_run_summary);
  putTime(out, "completedAt", status.completed_at);
  return out;
}

core::Result<RunStatus> parseRunStatus(const json& status) {
  RunStatus out;
  if (status.is_null()) return out;
  const std::string path = "status";
  if (!status.is_object()) return fieldError(path, "must be an object");
  auto phase = phaseField(status, path);
  if (!phase.ok()) return phase.status();
  out.phase = *phase;
  auto message = optionalString(status, "message", path);
  if (!message.ok()) return message.status();
  out.message = *message;
  auto started = optionalTime(status, "startedAt", path);
  if (!started.ok()) return started.status();
  out.started_at = *started;
  auto completed = optionalTime(status, "completedAt", path);
  if (!completed.ok()) return completed.status();
  out.completed_at = *completed;
  auto summary = parseSummary(status.value("runSummary", json()), path + ".runSummary");
  if (!summary.ok()) return summary.status();
  out.run_summary = *summary;
  if (auto it = status.find("dryRunSummary"); it != status.end() && !it->is_null()) {
    auto dry = parseSummary(*it, path + ".dryRunSummary");
    if (!dry.ok()) return dry.status();
    out.dry_run_summary = *dry;
  }
  const json& results = arrayField(status, "metricResults");
  if (!results.is_array()) return fieldError(path + ".metricResults", "must be a list");
  for (size_t i = 0; i < results.size(); ++i) {
    auto r = parseMetricResult(results[i], path + ".metricResults[" + std::to_string(i) + "]");
    if (!r.ok()) return r.status();
    out.metric_results.push_back(std::move(*r));
  }
  return out;
}

}  // namespace gitopsd::analysis
