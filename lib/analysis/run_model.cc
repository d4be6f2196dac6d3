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

// Reads the fields of one JSON object, remembering the first error (later reads then do
// nothing), so a parser reads every field in a row and checks once. Absent and null fields
// leave the target as it is.
class FieldReader {
 public:
  FieldReader(const json& object, std::string path) : object_(object), path_(std::move(path)) {
    if (!object_.is_object()) status_ = fieldError(path_, "must be an object");
  }

  const core::Status& status() const { return status_; }
  const std::string& path() const { return path_; }
  std::string at(const char* key) const { return path_ + "." + key; }

  // The field, or nullptr when absent, null, or after an error.
  const json* find(const char* key) const {
    if (!status_.ok()) return nullptr;
    auto it = object_.find(key);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }

  void string(const char* key, std::string& out) {
    if (const json* v = find(key)) {
      if (v->is_string()) {
        out = v->get<std::string>();
      } else {
        fail(key, "must be a string, not " + v->dump());
      }
    }
  }
  void required(const char* key, std::string& out) {
    string(key, out);
    if (status_.ok() && out.empty()) fail(key, "required");
  }
  void boolean(const char* key, bool& out) {
    if (const json* v = find(key)) {
      if (v->is_boolean()) {
        out = v->get<bool>();
      } else {
        fail(key, "must be a boolean, not " + v->dump());
      }
    }
  }
  void integer(const char* key, int& out) {
    if (const json* v = find(key)) {
      if (v->is_number_integer()) {
        out = v->get<int>();
      } else {
        fail(key, "must be an integer, not " + v->dump());
      }
    }
  }
  // Kubernetes' IntOrString: 3 or "3".
  void intOrString(const char* key, std::optional<int>& out) {
    if (const json* v = find(key)) {
      if (v->is_number_integer()) {
        out = v->get<int>();
      } else if (auto n = v->is_string() ? parseInt(v->get<std::string>()) : parseInt(""); n.ok()) {
        out = *n;
      } else {
        fail(key, "must be an integer or a string of one, not " + quoted(*v));
      }
    }
  }
  void duration(const char* key, std::optional<Duration>& out) {
    std::string text;
    string(key, text);
    if (text.empty()) return;
    if (auto d = parseGoDuration(text); d.ok()) {
      out = *d;
    } else {
      fail(key, "invalid duration \"" + text + "\"");
    }
  }
  void time(const char* key, std::optional<TimePoint>& out) {
    std::string text;
    string(key, text);
    if (text.empty()) return;
    if (auto t = core::parseRfc3339(text)) {
      out = *t;
    } else {
      fail(key, "invalid time \"" + text + "\"");
    }
  }
  void phase(Phase& out) {
    std::string text;
    string("phase", text);
    if (!status_.ok()) return;
    if (auto p = parsePhase(text); p.ok()) {
      out = *p;
    } else {
      fail("phase", p.status().message());
    }
  }
  void stringMap(const char* key, std::map<std::string, std::string>& out) {
    const json* v = find(key);
    if (v == nullptr) return;
    if (!v->is_object()) return fail(key, "must be an object");
    for (const auto& [name, value] : v->items()) {
      if (!value.is_string()) {
        return fail(key, "." + name + ": must be a string, not " + value.dump(), false);
      }
      out[name] = value.get<std::string>();
    }
  }
  // Parses each item of a list field with parse(item, "path.key[i]").
  template <typename T, typename Parse>
  void list(const char* key, std::vector<T>& out, Parse parse) {
    const json* v = find(key);
    if (v == nullptr) return;
    if (!v->is_array()) return fail(key, "must be a list");
    for (size_t i = 0; i < v->size(); ++i) {
      core::Result<T> item = parse((*v)[i], at(key) + "[" + std::to_string(i) + "]");
      if (!item.ok()) return adopt(item.status());
      out.push_back(std::move(*item));
    }
  }
  void fail(const char* key, const std::string& what, bool separate = true) {
    if (status_.ok()) {
      status_ = core::invalidError(at(key) + (separate ? ": " : "") + what);
    }
  }
  // Keeps a nested object's error as this reader's first.
  void adopt(const core::Status& status) {
    if (status_.ok()) status_ = status;
  }

 private:
  const json& object_;
  std::string path_;
  core::Status status_;
};

core::Result<Metric> parseMetric(const json& item, const std::string& path) {
  FieldReader r(item, path);
  Metric metric;
  r.required("name", metric.name);
  r.duration("interval", metric.interval);
  r.duration("initialDelay", metric.initial_delay);
  r.string("successCondition", metric.success_condition);
  r.string("failureCondition", metric.failure_condition);
  r.intOrString("count", metric.count);
  r.intOrString("failureLimit", metric.failure_limit);
  r.intOrString("inconclusiveLimit", metric.inconclusive_limit);
  r.intOrString("consecutiveErrorLimit", metric.consecutive_error_limit);
  r.intOrString("consecutiveSuccessLimit", metric.consecutive_success_limit);
  if (!r.status().ok()) return r.status();
  const json* provider = r.find("provider");
  if (provider == nullptr) return fieldError(r.at("provider"), "required");
  if (!provider->is_object()) return fieldError(r.at("provider"), "must be an object");
  if (provider->size() != 1) {
    std::string keys;
    for (const auto& [key, value] : provider->items()) keys += (keys.empty() ? "" : ", ") + key;
    return fieldError(r.at("provider"), "exactly one provider, found " +
                                            std::to_string(provider->size()) +
                                            (keys.empty() ? "" : " (" + keys + ")"));
  }
  if (!provider->begin()->is_object()) {
    return fieldError(r.at("provider") + "." + provider->begin().key(), "must be an object");
  }
  metric.provider = *provider;
  return metric;
}

core::Result<Argument> parseArgument(const json& item, const std::string& path) {
  FieldReader r(item, path);
  Argument arg;
  r.required("name", arg.name);
  if (const json* value = r.find("value")) {
    if (!value->is_string())
      return fieldError(r.at("value"), "must be a string, not " + value->dump());
    arg.value = value->get<std::string>();
  }
  const json* from = r.find("valueFrom");
  if (!r.status().ok()) return r.status();
  if (from == nullptr) return arg;
  FieldReader f(*from, r.at("valueFrom"));
  if (const json* ref = f.find("secretKeyRef")) {
    FieldReader s(*ref, f.at("secretKeyRef"));
    SecretKeyRef secret;
    s.required("name", secret.name);
    s.required("key", secret.key);
    if (!s.status().ok()) return s.status();
    arg.secret_key_ref = secret;
  }
  if (const json* ref = f.find("fieldRef")) {
    FieldReader s(*ref, f.at("fieldRef"));
    std::string field;
    s.required("fieldPath", field);
    if (!s.status().ok()) return s.status();
    arg.field_path = field;
  }
  std::string hash;
  f.string("podTemplateHashValue", hash);
  if (!f.status().ok()) return f.status();
  if (!hash.empty()) arg.pod_template_hash = hash;
  if ((arg.secret_key_ref ? 1 : 0) + (arg.field_path ? 1 : 0) + (arg.pod_template_hash ? 1 : 0) >
      1) {
    return fieldError(f.path(), "only one of secretKeyRef, fieldRef and podTemplateHashValue");
  }
  return arg;
}

core::Result<DryRunRule> parseDryRunRule(const json& item, const std::string& path) {
  FieldReader r(item, path);
  DryRunRule rule;
  r.required("metricName", rule.metric_name);
  if (!r.status().ok()) return r.status();
  return rule;
}

core::Result<RetentionRule> parseRetentionRule(const json& item, const std::string& path) {
  FieldReader r(item, path);
  RetentionRule rule;
  r.required("metricName", rule.metric_name);
  r.integer("limit", rule.limit);
  if (!r.status().ok()) return r.status();
  return rule;
}

void readSummary(FieldReader& parent, const char* key, std::optional<RunSummary>& out) {
  const json* object = parent.find(key);
  if (object == nullptr) return;
  FieldReader r(*object, parent.at(key));
  RunSummary s;
  r.integer("count", s.count);
  r.integer("successful", s.successful);
  r.integer("failed", s.failed);
  r.integer("inconclusive", s.inconclusive);
  r.integer("error", s.error);
  if (!r.status().ok()) return parent.adopt(r.status());
  out = s;
}

core::Result<Measurement> parseMeasurement(const json& item, const std::string& path) {
  FieldReader r(item, path);
  Measurement m;
  r.phase(m.phase);
  r.string("message", m.message);
  r.time("startedAt", m.started_at);
  r.time("finishedAt", m.finished_at);
  r.string("value", m.value);
  r.stringMap("metadata", m.metadata);
  r.time("resumeAt", m.resume_at);
  if (!r.status().ok()) return r.status();
  return m;
}

core::Result<MetricResult> parseMetricResult(const json& item, const std::string& path) {
  FieldReader r(item, path);
  MetricResult m;
  r.string("name", m.name);
  r.phase(m.phase);
  r.list("measurements", m.measurements, parseMeasurement);
  r.string("message", m.message);
  r.integer("count", m.count);
  r.integer("successful", m.successful);
  r.integer("failed", m.failed);
  r.integer("inconclusive", m.inconclusive);
  r.integer("error", m.error);
  r.integer("consecutiveError", m.consecutive_error);
  r.boolean("dryRun", m.dry_run);
  r.stringMap("metadata", m.metadata);
  r.integer("consecutiveSuccess", m.consecutive_success);
  if (!r.status().ok()) return r.status();
  return m;
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
    auto arg = parseArgument(args[i], std::string(path) + "[" + std::to_string(i) + "]");
    if (!arg.ok()) return arg.status();
    out.push_back(std::move(*arg));
  }
  return out;
}

core::Result<RunSpec> parseRunSpec(const json& spec) {
  FieldReader r(spec, "spec");
  RunSpec out;
  r.list("metrics", out.metrics, parseMetric);
  r.list("args", out.args, parseArgument);
  r.list("dryRun", out.dry_run, parseDryRunRule);
  r.list("measurementRetention", out.measurement_retention, parseRetentionRule);
  r.boolean("terminate", out.terminate);
  if (!r.status().ok()) return r.status();
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
  FieldReader r(status, "status");
  r.phase(out.phase);
  r.string("message", out.message);
  r.list("metricResults", out.metric_results, parseMetricResult);
  r.time("startedAt", out.started_at);
  std::optional<RunSummary> summary;
  readSummary(r, "runSummary", summary);
  out.run_summary = summary.value_or(RunSummary{});
  readSummary(r, "dryRunSummary", out.dry_run_summary);
  r.time("completedAt", out.completed_at);
  if (!r.status().ok()) return r.status();
  return out;
}

}  // namespace gitopsd::analysis
