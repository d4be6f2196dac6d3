// The AnalysisRun as the analysis engine sees it: the spec (metrics, args, dryRun,
// measurementRetention, terminate) parsed into types, and the status in Argo Rollouts' exact JSON
// shape (argoproj.io/v1alpha1). Pure; every function is safe from any thread.
//
// Metrics are parsed after their "{{args.NAME}}" templates are substituted (see args.h): a count
// such as "{{args.count}}" only means something once resolved, as in Argo Rollouts.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace gitopsd::analysis {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::milliseconds;

// Argo's AnalysisPhase. kNone is the empty phase of a run or result nobody has assessed yet.
enum class Phase { kNone, kPending, kRunning, kSuccessful, kFailed, kError, kInconclusive };

// "Successful", ...; "" for kNone.
std::string_view phaseName(Phase phase);
// The phase a name stands for; kInvalid naming the text for an unknown one ("" is kNone).
core::Result<Phase> parsePhase(std::string_view text);
// Successful, Failed, Error and Inconclusive are final.
bool phaseCompleted(Phase phase);

// Go's time.ParseDuration, as Argo's DurationString reads interval and initialDelay: one or more
// decimal numbers with a unit each (ns, us, µs, ms, s, m, h), an optional sign; "0" alone needs
// no unit. Sub-millisecond parts are truncated. kInvalid with the text for anything else ("5x",
// "30", "").
core::Result<Duration> parseGoDuration(std::string_view text);

struct Metric {
  std::string name;
  std::optional<Duration> interval;       // absent: measure once (unless count says otherwise)
  std::optional<Duration> initial_delay;  // from status.startedAt to the first measurement
  // The int-or-string fields, as integers ("3" and 3 alike). Absent means Argo's default:
  // count none, failureLimit 0, inconclusiveLimit 0, consecutiveErrorLimit 4,
  // consecutiveSuccessLimit 0 (disabled).
  std::optional<int> count;
  std::string success_condition;
  std::string failure_condition;
  std::optional<int> failure_limit;
  std::optional<int> inconclusive_limit;
  std::optional<int> consecutive_error_limit;
  std::optional<int> consecutive_success_limit;
  // The provider object as written, e.g. {"skywalking": {...}}: exactly one key.
  nlohmann::json provider = nlohmann::json::object();

  // The provider's key ("prometheus", "skywalking", "web", ...).
  std::string providerType() const;
  // Argo's EffectiveCount: count when given and non-zero; else 1 without an interval, and
  // nullopt (runs until stopped) with one.
  std::optional<int> effectiveCount() const;
  // consecutiveErrorLimit or its default, 4.
  int consecutiveErrorLimitOrDefault() const;
};

inline constexpr int kDefaultConsecutiveErrorLimit = 4;

struct SecretKeyRef {
  std::string name;
  std::string key;
};

// One argument. value wins; otherwise valueFrom names where the value lives. A
// podTemplateHashValue is resolved by the rollout engine when it creates the run, so a run that
// still carries one has an argument without a value.
struct Argument {
  std::string name;
  std::optional<std::string> value;
  std::optional<SecretKeyRef> secret_key_ref;    // valueFrom.secretKeyRef
  std::optional<std::string> field_path;         // valueFrom.fieldRef.fieldPath
  std::optional<std::string> pod_template_hash;  // valueFrom.podTemplateHashValue
};

// metricName is a regular expression matched anywhere in the name (".*" for every metric).
struct DryRunRule {
  std::string metric_name;
};
struct RetentionRule {
  std::string metric_name;
  int limit = 0;  // 0 or less: the default, 10
};

struct RunSpec {
  std::vector<Metric> metrics;
  std::vector<Argument> args;
  std::vector<DryRunRule> dry_run;
  std::vector<RetentionRule> measurement_retention;
  bool terminate = false;
};

// Parses an AnalysisRun's spec object. kInvalid naming the field path for a missing or
// ill-typed field, e.g. `spec.metrics[1].interval: invalid duration "5x"`,
// `spec.metrics[0].provider: exactly one provider, found 2 (prometheus, web)`.
// Unknown fields (ttlStrategy, ...) are ignored.
core::Result<RunSpec> parseRunSpec(const nlohmann::json& spec);
// The args array alone (the "args" field of a spec); path prefixes the messages.
core::Result<std::vector<Argument>> parseArguments(const nlohmann::json& args,
                                                   std::string_view path = "spec.args");

// Argo's own checks of a run's metrics (ValidateMetrics, GetDryRunMetrics,
// GetMeasurementRetentionMetrics), with Argo's messages: "no metrics specified",
// "metrics[0]: duplicate name 'x'", "metrics[1]: interval must be specified when count > 1",
// "dryRun[0]: Rule didn't match any metric name(s)", .... kInvalid on the first problem.
core::Status validateRunSpec(const RunSpec& spec);

// Names of the metrics a dryRun rule matches.
std::map<std::string, bool> dryRunMetrics(const RunSpec& spec);
// How many measurements each metric keeps: the last matching measurementRetention rule's limit
// when above 0, else 10 (Argo's DefaultMeasurementHistoryLimit).
int measurementLimit(const RunSpec& spec, const std::string& metric);
inline constexpr int kDefaultMeasurementHistoryLimit = 10;

// --- status ---

struct Measurement {
  Phase phase = Phase::kNone;
  std::string message;
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> finished_at;
  std::optional<TimePoint> resume_at;  // an in-flight measurement to look at again then
  std::string value;
  std::map<std::string, std::string> metadata;
};

struct MetricResult {
  std::string name;
  Phase phase = Phase::kNone;
  std::vector<Measurement> measurements;
  std::string message;
  int count = 0;  // completed measurements other than errors
  int successful = 0;
  int failed = 0;
  int inconclusive = 0;
  int error = 0;
  int consecutive_error = 0;
  int consecutive_success = 0;
  bool dry_run = false;
  std::map<std::string, std::string> metadata;
};

struct RunSummary {
  int count = 0;
  int successful = 0;
  int failed = 0;
  int inconclusive = 0;
  int error = 0;
  friend bool operator==(const RunSummary&, const RunSummary&) = default;
};

struct RunStatus {
  Phase phase = Phase::kNone;
  std::string message;
  std::vector<MetricResult> metric_results;
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> completed_at;
  RunSummary run_summary;
  std::optional<RunSummary> dry_run_summary;

  const MetricResult* result(std::string_view metric) const;
  MetricResult* result(std::string_view metric);
};

// The status object exactly as Argo Rollouts writes it (Go's omitempty rules: "phase" always,
// "runSummary" always, zero counters and empty lists left out, times in RFC 3339 seconds).
nlohmann::json toJson(const RunStatus& status);
nlohmann::json toJson(const Measurement& measurement);
// Parses a status object (null or absent fields are zero); kInvalid naming the field path, e.g.
// `status.metricResults[0].measurements[2].startedAt: invalid time "yesterday"`.
// parseRunStatus(toJson(s)) == s, and toJson(parseRunStatus(j)) == j for any status JSON Argo
// writes.
core::Result<RunStatus> parseRunStatus(const nlohmann::json& status);

}  // namespace gitopsd::analysis
