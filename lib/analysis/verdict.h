// The verdict rules of an AnalysisRun, as Argo Rollouts' analysis controller applies them:
// a measurement's phase from the success and failure conditions, a metric's phase from its
// counters and limits, the run's phase as the worst of its metrics (dryRun metrics aside), when
// each metric is due again, and how many measurements are kept. Pure: no I/O and no clock (the
// caller passes "now"); the conditions are evaluated by an injected ConditionEvaluator. Every
// function is safe from any thread; RunStatus arguments are not synchronised.
//
// A controller's pass over one run, as Argo's reconcile:
//   Decision d = decide(spec, status, now);
//   for each name in d.metrics_to_measure: ask the provider, then
//       recordMeasurement(spec, status, name, measurementFromOutcome(...), now);
//   for each name in d.metrics_to_resume: look at the in-flight measurement again (or end it
//       when d.terminating) and record it the same way (it replaces the in-flight one);
//   conclude(spec, status, now);             // phases, messages, summaries, retention
//   requeue at decide(spec, status, now).next_due, unless completed.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analysis/run_model.h"
#include "core/status.h"

namespace gitopsd::analysis {

// Evaluates one condition (e.g. "result[0] >= 0.9") with env = {"result": <provider result>}.
// An error (a bad expression, a type mismatch) makes the measurement an Error with its message.
using ConditionEvaluator =
    std::function<core::Result<bool>(std::string_view expression, const nlohmann::json& env)>;

// Argo's evaluate.EvaluateResult: both conditions are evaluated when set (an evaluator error
// wins); with none the measurement is Successful; with only a success condition it is Failed
// when that is false; with only a failure condition Successful when that is false; with both,
// failure true → Failed, success true → Successful, neither → Inconclusive.
core::Result<Phase> evaluateConditions(const Metric& metric, const nlohmann::json& result,
                                       const ConditionEvaluator& evaluate);

// What a provider returned for one measurement.
struct ProviderOutcome {
  enum class Kind { kResult, kNoData, kError };
  Kind kind = Kind::kResult;
  nlohmann::json result;  // kResult: the value the conditions see; kNoData: what was read, if any
  std::string error;      // kError: the provider's message
  // kResult, kNoData: the measurement's value text as the provider words it (Prometheus: "[0.97]");
  // empty: measurementValue(result).
  std::string value_text;
  std::map<std::string, std::string> metadata;  // the measurement's metadata

  static ProviderOutcome value(nlohmann::json result);
  static ProviderOutcome noData(nlohmann::json seen = nullptr);
  static ProviderOutcome failure(std::string message);
};

inline constexpr std::string_view kNoDataMessage = "no data in the window";

// The measurement value text as Argo stores it: a string result as is, anything else as JSON
// ("[0.97]", "0.5", "{\"a\":1}"); "" for null.
std::string measurementValue(const nlohmann::json& result);

// One completed measurement (startedAt/finishedAt as given). kError → Error with the provider's
// message; kNoData → Inconclusive "no data in the window", conditions not evaluated; kResult →
// the conditions' phase with the value text, or Error with the evaluator's message (and no
// value) when evaluation fails.
Measurement measurementFromOutcome(const Metric& metric, const ProviderOutcome& outcome,
                                   const ConditionEvaluator& evaluate, TimePoint started_at,
                                   TimePoint finished_at);

// Argo's worst-of order: Successful < Running < Pending < Inconclusive < Error < Failed (kNone
// and unknown phases rank with Successful).
bool isWorse(Phase current, Phase candidate);
Phase worst(Phase left, Phase right);

// spec.terminate, or a non-dryRun metric already Failed, Error or Inconclusive.
bool isTerminating(const RunSpec& spec, const RunStatus& status);

// Argo's assessMetricFailureInconclusiveOrError: Failed when failureLimit >= 0 (default 0) and
// failed > failureLimit ("failed (4) > failureLimit (3)"), Inconclusive when inconclusive >
// inconclusiveLimit (default 0), Error when consecutiveError > consecutiveErrorLimit (default
// 4), later checks winning; {kNone, ""} when none applies.
std::pair<Phase, std::string> assessLimits(const Metric& metric, const MetricResult& result);

// Argo's assessMetricStatus: a completed phase stays; no measurement → Pending (Successful when
// terminating); an in-flight last measurement → Running; then the limits above; then
// consecutiveSuccessLimit reached → Successful; then the count reached → Successful, except
// that with a consecutiveSuccessLimit it is Inconclusive (failureLimit also applies) or Failed
// (failureLimit -1); a metric without a count → Running (Successful when terminating).
Phase assessMetric(const Metric& metric, const MetricResult& result, bool terminating);

struct Decision {
  // Metrics whose next measurement is due now, in spec order.
  std::vector<std::string> metrics_to_measure;
  // Metrics with an in-flight measurement (no finishedAt) whose resumeAt has come (or has none):
  // resume it, or end it when terminating.
  std::vector<std::string> metrics_to_resume;
  // The earliest time a metric is due after this pass (initialDelay from startedAt, or from now
  // when the run has not started; interval after the last finishedAt, 10s after an Error; an
  // in-flight measurement's resumeAt); may be <= now. nullopt: nothing is scheduled.
  std::optional<TimePoint> next_due;
  bool terminating = false;
  bool completed = false;  // status.phase is final: nothing more to do
};

inline constexpr Duration kErrorRetryInterval = std::chrono::seconds(10);

// What is due at `now`. A metric is due once now >= its due time (Argo requeues at the due time
// and measures then). Nothing is due for a completed metric or run, a metric whose count is
// reached, or (except in-flight ones) when terminating; a terminating run that has not completed
// is due again at once (next_due = now), so the next conclude() can end it. An invalid spec
// makes nothing due; conclude() then ends the run with Error.
Decision decide(const RunSpec& spec, const RunStatus& status, TimePoint now);

// Records a measurement of `metric`: it replaces the last one when that is still in flight,
// else is appended. The metric's result is created on first use (phase Running, dryRun from
// the spec's rules, metadata from result_metadata). A completed measurement without finishedAt
// gets `now`, and updates the counters as Argo does: Successful/Failed/Inconclusive count and
// reset consecutiveError; Successful adds to consecutiveSuccess, the others reset it; Error adds
// to error and consecutiveError only.
void recordMeasurement(const RunSpec& spec, RunStatus& status, const std::string& metric,
                       Measurement measurement, TimePoint now,
                       const std::map<std::string, std::string>& result_metadata = {});

// Argo's assessRunStatus and measurement garbage collection: sets startedAt (now) if unset,
// each metric's phase (with the last measurement's message when it changes), runSummary and
// dryRunSummary, the run's phase and message ("Metric \"apdex\" assessed Failed due to failed
// (4) > failureLimit (3)", with ": \"Error Message: ...\"" when the metric has a message;
// "Run Terminated" when spec.terminate), completedAt (now) on completion, and trims each
// metric's measurements to measurementLimit(). A run Running until every metric has completed;
// terminating completes it with the worst phase so far, or Successful. The run's message
// changes only with its phase. An invalid spec ends it with Error "Analysis spec invalid:
// <reason>" (as Argo, without completedAt). A run already completed is left alone.
void conclude(const RunSpec& spec, RunStatus& status, TimePoint now);

// Ends a run with Error and the message, as Argo does for arguments it cannot resolve
// ("Unable to resolve metric arguments: ..."); as Argo, completedAt stays unset.
void failRun(RunStatus& status, std::string message);

}  // namespace gitopsd::analysis
