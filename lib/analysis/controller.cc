#include "analysis/controller.h"

#include <algorithm>

#include "analysis/args.h"
#include "analysis/expr/evaluate.h"
#include "analysis/run_model.h"
#include "analysis/verdict.h"
#include "core/base64.h"

namespace gitopsd::analysis {

using nlohmann::json;

namespace {

const kube::GroupVersionKind kAnalysisRun{"argoproj.io", "v1alpha1", "AnalysisRun"};
const kube::GroupVersionKind kSecret{"", "v1", "Secret"};

std::string metaString(const json& object, const char* key) {
  const json& metadata = object.value("metadata", json::object());
  return metadata.contains(key) && metadata[key].is_string() ? metadata[key].get<std::string>()
                                                             : std::string();
}

// A run whose status says it is over (a final phase).
bool completedInStatus(const json& run) {
  const json phase = run.value("/status/phase"_json_pointer, json(""));
  if (!phase.is_string()) return false;
  const auto parsed = parsePhase(phase.get<std::string>());
  return parsed.ok() && phaseCompleted(*parsed);
}

// Codes worth a retry rather than an Error verdict: the apiserver, not the run, is at fault.
bool transient(core::StatusCode code) {
  return code == core::StatusCode::kUnavailable || code == core::StatusCode::kTimeout ||
         code == core::StatusCode::kTooManyRequests || code == core::StatusCode::kInternal;
}

// valueFrom lookups for a run in namespace_: Secrets read from the apiserver at each pass.
class ClusterArgLookup final : public ArgLookup {
 public:
  ClusterArgLookup(kube::KubeClient& client, std::string run_namespace)
      : client_(client), namespace_(std::move(run_namespace)) {}

  core::Result<std::string> secretValue(std::string_view name,
                                        std::string_view key) const override {
    const std::string what = "Secret " + namespace_ + "/" + std::string(name);
    auto secret = client_.get({kSecret, namespace_, std::string(name)});
    if (!secret.ok() && secret.status().code() == core::StatusCode::kNotFound) {
      return core::notFoundError(what + " not found");
    }
    if (!secret.ok()) return secret.status();  // names the Secret already
    const json& data = secret->value("data", json::object());
    const auto found = data.find(std::string(key));
    if (found == data.end() || !found->is_string()) {
      return core::notFoundError(what + " has no key \"" + std::string(key) + "\"");
    }
    std::string decoded;
    if (!core::base64Decode(found->get<std::string>(), decoded)) {
      return core::invalidError(what + ": key \"" + std::string(key) + "\" is not base64");
    }
    return decoded;
  }

  core::Result<std::string> fieldValue(std::string_view field_path) const override {
    // As in Argo Rollouts: the Rollout that creates a run resolves fieldRef arguments into
    // values; the analysis controller itself reads only Secrets.
    return core::invalidError("fieldRef " + std::string(field_path) +
                              " is resolved by the Rollout that creates the run; give a value");
  }

 private:
  kube::KubeClient& client_;
  std::string namespace_;
};

core::Result<bool> evaluateCondition(std::string_view expression, const json& env) {
  return expr::evaluateCondition(expression, env);
}

}  // namespace

AnalysisRunController::AnalysisRunController(AnalysisRunControllerOptions options,
                                             kube::KubeClient& client, app::LiveCache& cache,
                                             const core::Clock& clock, core::Logger logger)
    : options_(std::move(options)),
      client_(client),
      cache_(cache),
      clock_(clock),
      logger_(std::move(logger)),
      runs_completed_(options_.metrics->counter("gitopsd_analysis_run_total",
                                                "AnalysisRuns this process completed, by phase.",
                                                {"phase"})),
      measurement_seconds_(options_.metrics->histogram(
          "gitopsd_analysis_measurement_duration_seconds",
          "Time one measurement took, provider call and condition evaluation, by provider.",
          {"provider"})),
      loop_(
          options_.loopOptions(), [this](const std::string& key) { reconcile(key); },
          [this] { return keys(); }) {
  if (options_.record_events) {
    app::EventRecorderOptions event_options;
    event_options.component = "gitopsd-analysis";
    events_ = std::make_unique<app::EventRecorder>(client_, clock_, logger_, event_options);
  }
}

AnalysisRunController::~AnalysisRunController() { stop(); }

std::vector<std::string> AnalysisRunController::keys() const {
  std::vector<std::string> keys;
  for (const auto& run : cache_.list(kAnalysisRun)) {
    if (completedInStatus(*run)) continue;  // nothing to do
    const std::string ns = metaString(*run, "namespace");
    if (options_.watches(ns)) keys.push_back(ns + "/" + metaString(*run, "name"));
  }
  return keys;
}

std::vector<json> AnalysisRunController::runs() const {
  std::vector<json> runs;
  for (const auto& run : cache_.list(kAnalysisRun)) {
    if (options_.watches(metaString(*run, "namespace"))) runs.push_back(*run);
  }
  std::sort(runs.begin(), runs.end(), [](const json& a, const json& b) {
    return std::pair(metaString(a, "namespace"), metaString(a, "name")) <
           std::pair(metaString(b, "namespace"), metaString(b, "name"));
  });
  return runs;
}

core::Status AnalysisRunController::start() {
  if (started_.exchange(true)) return {};
  if (auto watching =
          app::watchWhenServed(cache_, kAnalysisRun, options_.cache_sync_timeout, logger_);
      !watching.ok()) {
    started_ = false;
    return watching.withContext("analysis engine: watching " + kAnalysisRun.toString());
  }
  cache_.addTypeHandler(kAnalysisRun, loop_.whileRunning([this](const kube::CacheEvent& event) {
    const json& run = *event.object;
    const std::string ns = metaString(run, "namespace");
    if (options_.watches(ns)) loop_.queue().add(ns + "/" + metaString(run, "name"));
  }));
  loop_.start();
  logger_.info("analysis engine started", {{"workers", options_.workers}});
  return {};
}

void AnalysisRunController::stop() {
  if (!started_.exchange(false)) return;
  loop_.stop();
}

void AnalysisRunController::reconcileNow(const std::string& namespace_, const std::string& name) {
  reconcile(namespace_ + "/" + name);
}

// One reconcile of one run.
struct AnalysisRunController::Pass {
  AnalysisRunController& c;
  std::string ns;
  std::string name;
  core::Logger log;
  json run;
  RunStatus status;
  ResolvedArgs args;

  // Measures one metric through its provider and records the measurement.
  void measure(const RunSpec& spec, const Metric& metric) {
    ProviderQuery query;
    query.provider = metric.provider;
    query.interval = std::chrono::duration_cast<std::chrono::seconds>(
        metric.interval.value_or(Duration::zero()));
    query.now = c.clock_.wallNow();
    const auto started = std::chrono::steady_clock::now();
    auto answer = c.providers_.measure(query);
    ProviderOutcome outcome;
    if (!answer.ok()) {
      outcome = ProviderOutcome::failure(answer.status().message());
    } else {
      outcome = answer->no_data ? ProviderOutcome::noData(answer->result)
                                : ProviderOutcome::value(answer->result);
      outcome.value_text = answer->value;
      outcome.metadata = answer->metadata;
    }
    Measurement measurement =
        measurementFromOutcome(metric, outcome, evaluateCondition, query.now, c.clock_.wallNow());
    measurement.message = redactSecrets(measurement.message, args.secrets);
    for (auto& [key, value] : measurement.metadata) value = redactSecrets(value, args.secrets);
    c.measurement_seconds_.labels({metric.providerType()})
        .observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    log.info("measured", {{"metric", metric.name},
                          {"phase", std::string(phaseName(measurement.phase))},
                          {"value", measurement.value},
                          {"message", measurement.message}});
    recordMeasurement(spec, status, metric.name, std::move(measurement), c.clock_.wallNow());
  }
};

void AnalysisRunController::reconcile(const std::string& key) {
  const auto slash = key.find('/');
  Pass pass{*this,
            key.substr(0, slash),
            key.substr(slash + 1),
            logger_.with({{"analysisrun", key}}),
            {},
            {},
            {}};
  auto retry = [&](const core::Status& status, const std::string& what) {
    const auto delay = loop_.retryLater(key);
    pass.log.warn(what, {{"error", status.message()}, {"retry_in_ms", delay.count()}});
  };

  auto got = client_.get({kAnalysisRun, pass.ns, pass.name});
  if (!got.ok()) {
    if (got.status().code() == core::StatusCode::kNotFound) return loop_.forget(key);
    return retry(got.status(), "reading the AnalysisRun failed");
  }
  pass.run = std::move(got).value();
  if (completedInStatus(pass.run)) return loop_.forget(key);  // never touched again
  auto parsed_status = parseRunStatus(pass.run.value("status", json::object()));
  if (parsed_status.ok()) pass.status = std::move(parsed_status).value();
  const Phase before = pass.status.phase;

  const json& spec_json = pass.run.value("spec", json::object());
  std::optional<RunSpec> spec;
  // Secrets are read only for a run whose status could be read.
  const auto resolveArguments = [&]() -> core::Result<ResolvedArgs> {
    auto arguments = parseArguments(spec_json.value("args", json::array()));
    if (!arguments.ok()) return arguments.status();
    return resolveArgs(*arguments, ClusterArgLookup(client_, pass.ns));
  };
  auto resolved =
      parsed_status.ok() ? resolveArguments() : core::Result<ResolvedArgs>(parsed_status.status());
  if (!parsed_status.ok()) {
    failRun(pass.status, "Analysis status invalid: " + parsed_status.status().message());
  } else if (!resolved.ok() && transient(resolved.status().code())) {
    return retry(resolved.status(), "reading the arguments' Secrets failed");
  } else if (!resolved.ok()) {
    failRun(pass.status, "Unable to resolve metric arguments: " + resolved.status().message());
  } else if (auto resolved_spec = resolveRunSpec(spec_json, *resolved); !resolved_spec.ok()) {
    failRun(pass.status, "Analysis spec invalid: " + resolved_spec.status().message());
  } else {
    pass.args = std::move(resolved).value();
    spec = std::move(resolved_spec).value();
  }
  if (spec) {
    const Decision decision = decide(*spec, pass.status, clock_.wallNow());
    std::vector<std::string> due = decision.metrics_to_measure;
    // Providers here answer at once, so an in-flight measurement (left by another writer) is
    // taken again; a terminating run ends without it.
    if (!decision.terminating) {
      due.insert(due.end(), decision.metrics_to_resume.begin(), decision.metrics_to_resume.end());
    }
    for (const auto& metric : spec->metrics) {
      if (std::find(due.begin(), due.end(), metric.name) != due.end()) pass.measure(*spec, metric);
    }
    conclude(*spec, pass.status, clock_.wallNow());
  }

  const json status_json = toJson(pass.status);
  if (pass.run.value("status", json::object()) != status_json) {
    json updated = pass.run;
    updated["status"] = status_json;
    auto written = client_.update(updated, {false, options_.field_manager});
    if (!written.ok()) {
      if (written.status().code() == core::StatusCode::kConflict) {
        loop_.queue().add(key);  // changed meanwhile (terminate, Argo's CLI): measure again
        return;
      }
      if (written.status().code() == core::StatusCode::kNotFound) return loop_.forget(key);
      return retry(written.status(), "writing the AnalysisRun status failed");
    }
  }
  loop_.forget(key);

  if (phaseCompleted(pass.status.phase)) {
    const std::string phase(phaseName(pass.status.phase));
    if (before != pass.status.phase) {
      runs_completed_.labels({phase}).inc();
      pass.log.info("analysis completed", {{"phase", phase}, {"message", pass.status.message}});
      if (events_) {
        events_->record(app::InvolvedObject::forObject(pass.run),
                        pass.status.phase == Phase::kSuccessful ? app::EventType::kNormal
                                                                : app::EventType::kWarning,
                        "AnalysisRun" + phase, "Analysis Completed. Result: " + phase);
      }
    }
    return;
  }
  if (spec) {
    const auto now = clock_.wallNow();
    if (const auto next = decide(*spec, pass.status, now).next_due) {
      // At least a second: a metric due "now" again after this pass is not worth a hot loop.
      const auto delay = std::max<Duration>(std::chrono::seconds(1),
                                            std::chrono::duration_cast<Duration>(*next - now));
      loop_.queue().addAfter(key, delay);
    }
  }
}

}  // namespace gitopsd::analysis
