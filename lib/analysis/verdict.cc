#include "analysis/verdict.h"

#include <algorithm>

namespace gitopsd::analysis {

using nlohmann::json;

ProviderOutcome ProviderOutcome::value(json result) {
  ProviderOutcome out;
  out.kind = Kind::kResult;
  out.result = std::move(result);
  return out;
}

ProviderOutcome ProviderOutcome::noData(json seen) {
  ProviderOutcome out;
  out.kind = Kind::kNoData;
  out.result = std::move(seen);
  return out;
}

ProviderOutcome ProviderOutcome::failure(std::string message) {
  ProviderOutcome out;
  out.kind = Kind::kError;
  out.error = std::move(message);
  return out;
}

core::Result<Phase> evaluateConditions(const Metric& metric, const json& result,
                                       const ConditionEvaluator& evaluate) {
  const json env = {{"result", result}};
  const bool has_success = !metric.success_condition.empty();
  const bool has_failure = !metric.failure_condition.empty();
  bool success = false;
  bool failure = false;
  if (has_success) {
    auto value = evaluate(metric.success_condition, env);
    if (!value.ok()) return value.status();
    success = *value;
  }
  if (has_failure) {
    auto value = evaluate(metric.failure_condition, env);
    if (!value.ok()) return value.status();
    failure = *value;
  }
  if (!has_success && !has_failure) return Phase::kSuccessful;
  if (has_success && !has_failure) failure = !success;
  if (!has_success && has_failure) success = !failure;
  if (failure) return Phase::kFailed;
  if (!success) return Phase::kInconclusive;
  return Phase::kSuccessful;
}

std::string measurementValue(const json& result) {
  if (result.is_null()) return "";
  if (result.is_string()) return result.get<std::string>();
  return result.dump();
}

Measurement measurementFromOutcome(const Metric& metric, const ProviderOutcome& outcome,
                                   const ConditionEvaluator& evaluate, TimePoint started_at,
                                   TimePoint finished_at) {
  Measurement m;
  m.started_at = started_at;
  m.finished_at = finished_at;
  m.metadata = outcome.metadata;
  switch (outcome.kind) {
    case ProviderOutcome::Kind::kError:
      m.phase = Phase::kError;
      m.message = outcome.error;
      break;
    case ProviderOutcome::Kind::kNoData:
      m.phase = Phase::kInconclusive;
      m.message = std::string(kNoDataMessage);
      m.value = outcome.value_text.empty() ? measurementValue(outcome.result) : outcome.value_text;
      break;
    case ProviderOutcome::Kind::kResult: {
      auto phase = evaluateConditions(metric, outcome.result, evaluate);
      if (phase.ok()) {
        m.phase = *phase;
        m.value =
            outcome.value_text.empty() ? measurementValue(outcome.result) : outcome.value_text;
      } else {
        m.phase = Phase::kError;
        m.message = phase.status().message();
      }
      break;
    }
  }
  return m;
}

namespace {

int phaseRank(Phase phase) {
  switch (phase) {
    case Phase::kRunning:
      return 1;
    case Phase::kPending:
      return 2;
    case Phase::kInconclusive:
      return 3;
    case Phase::kError:
      return 4;
    case Phase::kFailed:
      return 5;
    default:
      return 0;
  }
}

const Measurement* lastMeasurement(const MetricResult* result) {
  if (result == nullptr || result->measurements.empty()) return nullptr;
  return &result->measurements.back();
}

void keepEarliest(std::optional<TimePoint>& earliest, TimePoint candidate) {
  if (!earliest || candidate < *earliest) earliest = candidate;
}

void countInto(RunSummary& summary, Phase phase) {
  switch (phase) {
    case Phase::kError:
      ++summary.error;
      break;
    case Phase::kFailed:
      ++summary.failed;
      break;
    case Phase::kInconclusive:
      ++summary.inconclusive;
      break;
    default:
      ++summary.successful;  // as Argo: whatever is not a failure counts as a success
      break;
  }
}

}  // namespace

bool isWorse(Phase current, Phase candidate) { return phaseRank(candidate) > phaseRank(current); }

Phase worst(Phase left, Phase right) { return isWorse(left, right) ? right : left; }

bool isTerminating(const RunSpec& spec, const RunStatus& status) {
  if (spec.terminate) return true;
  return std::any_of(
      status.metric_results.begin(), status.metric_results.end(), [](const MetricResult& r) {
        return !r.dry_run && (r.phase == Phase::kFailed || r.phase == Phase::kError ||
                              r.phase == Phase::kInconclusive);
      });
}

std::pair<Phase, std::string> assessLimits(const Metric& metric, const MetricResult& result) {
  Phase phase = Phase::kNone;
  std::string message;
  const int failure_limit = metric.failure_limit.value_or(0);
  if (failure_limit >= 0 && result.failed > failure_limit) {
    phase = Phase::kFailed;
    message = "failed (" + std::to_string(result.failed) + ") > failureLimit (" +
              std::to_string(failure_limit) + ")";
  }
  const int inconclusive_limit = metric.inconclusive_limit.value_or(0);
  if (result.inconclusive > inconclusive_limit) {
    phase = Phase::kInconclusive;
    message = "inconclusive (" + std::to_string(result.inconclusive) + ") > inconclusiveLimit (" +
              std::to_string(inconclusive_limit) + ")";
  }
  const int error_limit = metric.consecutiveErrorLimitOrDefault();
  if (result.consecutive_error > error_limit) {
    phase = Phase::kError;
    message = "consecutiveErrors (" + std::to_string(result.consecutive_error) +
              ") > consecutiveErrorLimit (" + std::to_string(error_limit) + ")";
  }
  return {phase, message};
}

Phase assessMetric(const Metric& metric, const MetricResult& result, bool terminating) {
  if (phaseCompleted(result.phase)) return result.phase;
  if (result.measurements.empty()) return terminating ? Phase::kSuccessful : Phase::kPending;
  if (!phaseCompleted(result.measurements.back().phase)) return Phase::kRunning;
  if (auto [phase, message] = assessLimits(metric, result); phase != Phase::kNone) return phase;
  const int success_limit = metric.consecutive_success_limit.value_or(0);
  const bool success_applicable = success_limit > 0;
  if (success_applicable && result.consecutive_success >= success_limit) {
    return Phase::kSuccessful;
  }
  const auto count = metric.effectiveCount();
  if (count && result.count >= *count) {
    const bool failure_applicable = metric.failure_limit.value_or(0) >= 0;
    if (failure_applicable && success_applicable) return Phase::kInconclusive;
    if (success_applicable) return Phase::kFailed;
    return Phase::kSuccessful;
  }
  return terminating ? Phase::kSuccessful : Phase::kRunning;
}

Decision decide(const RunSpec& spec, const RunStatus& status, TimePoint now) {
  Decision d;
  d.completed = phaseCompleted(status.phase);
  if (d.completed || !validateRunSpec(spec).ok()) return d;
  d.terminating = isTerminating(spec, status);
  for (const Metric& metric : spec.metrics) {
    const MetricResult* result = status.result(metric.name);
    if (result != nullptr && phaseCompleted(result->phase)) continue;
    const Measurement* last = lastMeasurement(result);
    if (last != nullptr && !last->finished_at) {
      if (last->resume_at && *last->resume_at > now) {
        keepEarliest(d.next_due, *last->resume_at);
      } else {
        d.metrics_to_resume.push_back(metric.name);
      }
      continue;
    }
    if (last == nullptr) {
      if (metric.initial_delay) {
        const TimePoint due = status.started_at.value_or(now) + *metric.initial_delay;
        if (status.started_at && now >= due) {
          if (!d.terminating) d.metrics_to_measure.push_back(metric.name);
        } else {
          keepEarliest(d.next_due, due);
        }
      } else if (!d.terminating) {
        d.metrics_to_measure.push_back(metric.name);
      }
      continue;
    }
    const auto count = metric.effectiveCount();
    if (count && result->count >= *count) continue;
    std::optional<Duration> interval;
    if (last->phase == Phase::kError) {
      interval = kErrorRetryInterval;
    } else if (metric.interval) {
      interval = metric.interval;
    }
    // Without an interval and after no error, Argo retries on its 10s default but does not
    // requeue for it.
    const TimePoint due = *last->finished_at + interval.value_or(kErrorRetryInterval);
    if (now >= due) {
      if (!d.terminating) d.metrics_to_measure.push_back(metric.name);
    } else if (interval) {
      keepEarliest(d.next_due, due);
    }
  }
  if (d.terminating) d.next_due = now;
  return d;
}

void recordMeasurement(const RunSpec& spec, RunStatus& status, const std::string& metric,
                       Measurement measurement, TimePoint now,
                       const std::map<std::string, std::string>& result_metadata) {
  MetricResult* result = status.result(metric);
  if (result == nullptr) {
    MetricResult fresh;
    fresh.name = metric;
    fresh.phase = Phase::kRunning;
    fresh.dry_run = dryRunMetrics(spec).count(metric) > 0;
    fresh.metadata = result_metadata;
    status.metric_results.push_back(std::move(fresh));
    result = &status.metric_results.back();
  }
  if (phaseCompleted(measurement.phase)) {
    if (!measurement.finished_at) measurement.finished_at = now;
    switch (measurement.phase) {
      case Phase::kSuccessful:
        ++result->successful;
        ++result->count;
        result->consecutive_error = 0;
        ++result->consecutive_success;
        break;
      case Phase::kFailed:
        ++result->failed;
        ++result->count;
        result->consecutive_error = 0;
        result->consecutive_success = 0;
        break;
      case Phase::kInconclusive:
        ++result->inconclusive;
        ++result->count;
        result->consecutive_error = 0;
        result->consecutive_success = 0;
        break;
      default:  // Error
        ++result->error;
        ++result->consecutive_error;
        result->consecutive_success = 0;
        break;
    }
  }
  const Measurement* last = lastMeasurement(result);
  if (last != nullptr && !last->finished_at) {
    result->measurements.back() = std::move(measurement);
  } else {
    result->measurements.push_back(std::move(measurement));
  }
}

void failRun(RunStatus& status, std::string message) {
  status.phase = Phase::kError;
  status.message = std::move(message);
}

void conclude(const RunSpec& spec, RunStatus& status, TimePoint now) {
  if (phaseCompleted(status.phase)) return;
  if (core::Status valid = validateRunSpec(spec); !valid.ok()) {
    failRun(status, "Analysis spec invalid: " + valid.message());
    return;
  }
  const auto dry_run = dryRunMetrics(spec);
  const bool terminating = isTerminating(spec, status);
  if (!status.started_at) status.started_at = now;
  Phase worst_phase = Phase::kNone;
  std::string worst_message = spec.terminate ? "Run Terminated" : "";
  bool everything_completed = true;
  RunSummary summary;
  RunSummary dry_summary;
  for (const Metric& metric : spec.metrics) {
    const bool is_dry = dry_run.count(metric.name) > 0;
    ++(is_dry ? dry_summary : summary).count;
    MetricResult* result = status.result(metric.name);
    if (result == nullptr) {
      everything_completed = false;  // not measured yet, e.g. waiting for its initialDelay
      continue;
    }
    const Phase metric_phase = assessMetric(metric, *result, terminating);
    if (result->phase != metric_phase) {
      if (const Measurement* last = lastMeasurement(result)) result->message = last->message;
      result->phase = metric_phase;
    }
    if (!phaseCompleted(metric_phase)) {
      everything_completed = false;
      continue;
    }
    const auto [limit_phase, reason] = assessLimits(metric, *result);
    if (!is_dry) {
      if (worst_phase == Phase::kNone || isWorse(worst_phase, metric_phase)) {
        worst_phase = metric_phase;
        if (!reason.empty()) {
          worst_message = "Metric \"" + metric.name + "\" assessed " +
                          std::string(phaseName(metric_phase)) + " due to " + reason;
          if (!result->message.empty()) {
            worst_message += ": \"Error Message: " + result->message + "\"";
          }
        }
      }
      countInto(summary, limit_phase);
    } else {
      if (worst_phase == Phase::kNone) worst_phase = Phase::kSuccessful;
      if (!reason.empty()) {
        result->message =
            "Metric assessed " + std::string(phaseName(metric_phase)) + " due to " + reason;
      }
      countInto(dry_summary, limit_phase);
    }
  }
  status.run_summary = summary;
  status.dry_run_summary = dry_summary;
  Phase phase = Phase::kRunning;
  std::string message;
  if (terminating) {
    phase = worst_phase == Phase::kNone ? Phase::kSuccessful : worst_phase;
    message = worst_message;
  } else if (everything_completed && worst_phase != Phase::kNone) {
    phase = worst_phase;
    message = worst_message;
  }
  const auto trimmed = message.find_last_not_of(" \t\n");
  message = trimmed == std::string::npos ? "" : message.substr(0, trimmed + 1);
  message.erase(0, std::min(message.find_first_not_of(" \t\n"), message.size()));
  if (phase != status.phase) {
    status.phase = phase;
    status.message = message;
    if (phaseCompleted(phase) && !status.completed_at) status.completed_at = now;
  }
  for (MetricResult& result : status.metric_results) {
    const bool known = std::any_of(spec.metrics.begin(), spec.metrics.end(),
                                   [&](const Metric& m) { return m.name == result.name; });
    const auto limit = static_cast<size_t>(measurementLimit(spec, result.name));
    if (known && result.measurements.size() > limit) {
      result.measurements.erase(result.measurements.begin(),
                                result.measurements.end() - static_cast<std::ptrdiff_t>(limit));
    }
  }
}

}  // namespace gitopsd::analysis
