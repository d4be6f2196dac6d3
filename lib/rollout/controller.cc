#include "rollout/controller.h"

#include <algorithm>

#include "core/time_text.h"
#include "rollout/analysis_runs.h"
#include "rollout/plan.h"
#include "rollout/replica_sets.h"
#include "rollout/spec.h"
#include "rollout/traffic_router.h"

namespace gitopsd::rollout {

using nlohmann::json;

namespace {

const kube::GroupVersionKind kRollout{"argoproj.io", "v1alpha1", "Rollout"};
const kube::GroupVersionKind kAnalysisRun{"argoproj.io", "v1alpha1", "AnalysisRun"};
const kube::GroupVersionKind kReplicaSet{"apps", "v1", "ReplicaSet"};
const kube::GroupVersionKind kDeployment{"apps", "v1", "Deployment"};
const kube::GroupVersionKind kPod{"", "v1", "Pod"};
const kube::GroupVersionKind kService{"", "v1", "Service"};
const kube::GroupVersionKind kVirtualService{"networking.istio.io", "v1", "VirtualService"};
const kube::GroupVersionKind kDestinationRule{"networking.istio.io", "v1", "DestinationRule"};

std::string metaString(const json& object, const char* key) {
  const json& metadata = object.value("metadata", json::object());
  return metadata.contains(key) && metadata[key].is_string() ? metadata[key].get<std::string>()
                                                             : std::string();
}

// The controller owner reference's uid and kind, or empty.
std::pair<std::string, std::string> controllerOf(const json& object) {
  for (const auto& owner : object.value("/metadata/ownerReferences"_json_pointer, json::array())) {
    if (owner.value("controller", false)) {
      return {owner.value("kind", ""), owner.value("name", "")};
    }
  }
  return {};
}

bool ownedBy(const json& object, const std::string& uid) {
  for (const auto& owner : object.value("/metadata/ownerReferences"_json_pointer, json::array())) {
    if (owner.value("uid", "") == uid && owner.value("controller", false)) return true;
  }
  return false;
}

AnalysisRunInfo describeRun(const json& run) {
  AnalysisRunInfo info;
  info.name = metaString(run, "name");
  const json& labels = run.value("/metadata/labels"_json_pointer, json::object());
  info.type = labels.value("rollout-type", "");
  info.pod_hash = labels.value(kPodTemplateHashLabel, "");
  try {
    info.step_index = std::stoi(labels.value("step-index", "-1"));
  } catch (const std::exception&) {
    info.step_index = -1;
  }
  info.phase = run.value("/status/phase"_json_pointer, json("")).get<std::string>();
  info.message = run.value("/status/message"_json_pointer, json("")).get<std::string>();
  info.terminated = run.value("/spec/terminate"_json_pointer, json(false)) == true;
  return info;
}

// A JSON merge patch turning the labels/annotations `from` into `to` (removed keys → null).
json mapPatch(const json& from, const json& to) {
  json patch = json::object();
  if (from.is_object()) {
    for (const auto& [key, value] : from.items()) {
      if (!to.is_object() || !to.contains(key)) patch[key] = nullptr;
    }
  }
  if (to.is_object()) {
    for (const auto& [key, value] : to.items()) {
      if (!from.is_object() || !from.contains(key) || from[key] != value) patch[key] = value;
    }
  }
  return patch;
}

json metadataPatch(const json& from_metadata, const json& to_metadata) {
  json patch = json::object();
  for (const char* part : {"labels", "annotations"}) {
    json changed = mapPatch(from_metadata.value(part, json::object()),
                            to_metadata.value(part, json::object()));
    if (!changed.empty()) patch[part] = std::move(changed);
  }
  return patch;
}

}  // namespace

RolloutController::RolloutController(RolloutControllerOptions options, kube::KubeClient& client,
                                     app::LiveCache& cache, const core::Clock& clock,
                                     core::Logger logger)
    : options_(std::move(options)),
      client_(client),
      cache_(cache),
      clock_(clock),
      logger_(std::move(logger)),
      loop_(
          options_.loopOptions(), [this](const std::string& key) { reconcile(key); },
          [this] { return keys(); }) {
  if (options_.record_events) {
    app::EventRecorderOptions event_options;
    event_options.component = "gitopsd-rollouts";
    events_ = std::make_unique<app::EventRecorder>(client_, clock_, logger_, event_options);
  }
  collector_ = core::ScopedCollector(*options_.metrics, [this](core::Emitter& out) {
    const std::lock_guard lock(phases_mutex_);
    for (const auto& [key, phase] : phases_) {
      const auto slash = key.find('/');
      out.gauge("gitopsd_rollout_info", "Rollouts the engine runs, by phase and strategy.",
                {"namespace", "name", "phase", "strategy"},
                {key.substr(0, slash), key.substr(slash + 1), phase.first, phase.second}, 1);
    }
  });
}

RolloutController::~RolloutController() { stop(); }

void RolloutController::enqueueFor(const kube::CacheEvent& event, const std::string& source_kind) {
  const json& object = *event.object;
  const std::string ns = metaString(object, "namespace");
  if (!options_.watches(ns)) return;
  if (source_kind == "Rollout") {
    loop_.queue().add(ns + "/" + metaString(object, "name"));
    return;
  }
  if (source_kind == "owned") {
    const auto [kind, name] = controllerOf(object);
    if (kind == "Rollout") loop_.queue().add(ns + "/" + name);
    return;
  }
  // A Deployment, Service, VirtualService or DestinationRule: every Rollout of its namespace
  // that names it (cheap: a namespace holds few Rollouts).
  const std::string name = metaString(object, "name");
  for (const auto& rollout : cache_.list(kRollout)) {
    if (metaString(*rollout, "namespace") != ns) continue;
    const std::string text = (*rollout)["spec"].dump();
    if (text.find("\"" + name + "\"") != std::string::npos ||
        text.find("\"" + name + ".") != std::string::npos) {
      loop_.queue().add(ns + "/" + metaString(*rollout, "name"));
    }
  }
}

core::Status RolloutController::start() {
  if (started_.exchange(true)) return {};
  // The required types, waited for while their CRDs become served (gitopsd may have just
  // installed them); the handlers are added only then, so a failed start leaves none behind.
  for (const auto& type : {kRollout, kReplicaSet, kDeployment, kService}) {
    if (auto watching = app::watchWhenServed(cache_, type, options_.cache_sync_timeout, logger_);
        !watching.ok()) {
      started_ = false;
      return watching.withContext("rollout engine: watching " + type.toString());
    }
  }
  auto handler = [this](const char* source) {
    return loop_.whileRunning(
        [this, source](const kube::CacheEvent& event) { enqueueFor(event, source); });
  };
  cache_.addTypeHandler(kRollout, handler("Rollout"));
  cache_.addTypeHandler(kReplicaSet, handler("owned"));
  cache_.addTypeHandler(kAnalysisRun, handler("owned"));
  for (const auto& type : {kDeployment, kService, kVirtualService, kDestinationRule}) {
    cache_.addTypeHandler(type, handler("referenced"));
  }
  // Served only when their CRDs are installed: watched when present.
  for (const auto& type : {kAnalysisRun, kVirtualService, kDestinationRule}) {
    if (auto s = cache_.ensure(type, options_.cache_sync_timeout); !s.ok()) {
      logger_.warn("rollout engine: type not served; Rollouts that need it are InvalidSpec",
                   {{"type", type.toString()}, {"error", s.message()}});
    }
  }
  loop_.start();
  logger_.info("rollout engine started", {{"workers", options_.workers}});
  return {};
}

void RolloutController::stop() {
  if (!started_.exchange(false)) return;
  loop_.stop();
}

std::vector<std::string> RolloutController::keys() const {
  std::vector<std::string> keys;
  for (const auto& rollout : cache_.list(kRollout)) {
    const std::string ns = metaString(*rollout, "namespace");
    if (options_.watches(ns)) keys.push_back(ns + "/" + metaString(*rollout, "name"));
  }
  return keys;
}

void RolloutController::reconcileNow(const std::string& namespace_, const std::string& name) {
  reconcile(namespace_ + "/" + name);
}

// One reconcile of one Rollout.
struct RolloutController::Pass {
  RolloutController& c;
  std::string ns;
  std::string name;
  json rollout;
  core::Logger log;

  void record(const std::string& reason, const std::string& message, bool warning) {
    if (!c.events_) return;
    c.events_->record(app::InvolvedObject::forObject(rollout),
                      warning ? app::EventType::kWarning : app::EventType::kNormal, reason,
                      message);
  }

  // Writes status when it differs from what the apiserver has.
  core::Status writeStatus(json status) {
    if (rollout.value("status", json::object()) == status) return {};
    json updated = rollout;
    updated["status"] = std::move(status);
    auto written = c.client_.updateStatus(updated, {false, c.options_.field_manager});
    if (!written.ok()) return written.status();
    rollout = std::move(written).value();
    return {};
  }

  core::Status invalidSpec(const std::string& message) {
    json status = rollout.value("status", json::object());
    status["phase"] = "Degraded";
    status["message"] = "InvalidSpec: " + message;
    status["observedGeneration"] =
        std::to_string(rollout.value("/metadata/generation"_json_pointer, json(0)).get<int>());
    json& conditions = status["conditions"];
    if (!conditions.is_array()) conditions = json::array();
    const std::string now = core::formatRfc3339(c.clock_.wallNow());
    bool found = false;
    for (auto& condition : conditions) {
      if (condition.value("type", "") != "InvalidSpec") continue;
      found = true;
      if (condition.value("message", "") != message) {
        condition["message"] = message;
        condition["lastUpdateTime"] = now;
      }
    }
    if (!found) {
      conditions.push_back({{"type", "InvalidSpec"},
                            {"status", "True"},
                            {"reason", "InvalidSpec"},
                            {"message", message},
                            {"lastTransitionTime", now},
                            {"lastUpdateTime", now}});
      record("InvalidSpec", message, true);
      log.warn("invalid Rollout; nothing changed in the cluster", {{"error", message}});
    }
    return writeStatus(std::move(status));
  }

  // Drops a resolved InvalidSpec condition.
  void clearInvalid(json& status) {
    json& conditions = status["conditions"];
    if (!conditions.is_array()) return;
    conditions.erase(std::remove_if(conditions.begin(), conditions.end(),
                                    [](const json& condition) {
                                      return condition.value("type", "") == "InvalidSpec";
                                    }),
                     conditions.end());
  }
};

void RolloutController::reconcile(const std::string& key) {
  const auto slash = key.find('/');
  Pass pass{
      *this, key.substr(0, slash), key.substr(slash + 1), {}, logger_.with({{"rollout", key}})};
  const auto started = std::chrono::steady_clock::now();
  auto fail = [&](const core::Status& status, const std::string& what) {
    const auto delay = loop_.retryLater(key);
    pass.log.warn(what, {{"error", status.message()}, {"retry_in_ms", delay.count()}});
  };

  auto got = client_.get({kRollout, pass.ns, pass.name});
  if (!got.ok()) {
    if (got.status().code() == core::StatusCode::kNotFound) {
      const std::lock_guard lock(phases_mutex_);
      phases_.erase(key);
      return;
    }
    return fail(got.status(), "reading the Rollout failed");
  }
  pass.rollout = std::move(got).value();
  auto done = [&](const core::Status& status) {
    if (!status.ok()) return fail(status, "rollout pass failed");
    loop_.forget(key);
  };

  auto spec = parseRollout(pass.rollout);
  if (!spec.ok()) return done(pass.invalidSpec(spec.status().message()));
  if (!spec->canary) {
    return done(pass.invalidSpec(
        "spec.strategy.blueGreen: blue-green releases are not supported by gitopsd yet"));
  }
  for (std::size_t i = 0; i < spec->canary->steps.size(); ++i) {
    if (spec->canary->steps[i].kind == CanaryStep::Kind::kExperiment) {
      return done(pass.invalidSpec("spec.strategy.canary.steps[" + std::to_string(i) +
                                   "].experiment: Experiment steps are not supported by gitopsd "
                                   "yet"));
    }
  }
  kube::ObjectSnapshot deployment;
  if (spec->workload_ref) deployment = cache_.get(kDeployment, pass.ns, spec->workload_ref->name);
  auto pod_template = resolvePodTemplate(*spec, deployment.get());
  if (!pod_template.ok()) return done(pass.invalidSpec(pod_template.status().message()));

  Observed observed;
  observed.now = clock_.wallNow();
  observed.status = pass.rollout.value("status", json::object());
  std::vector<json> owned_sets;
  for (const auto& rs : cache_.list(kReplicaSet)) {
    if (metaString(*rs, "namespace") == pass.ns && ownedBy(*rs, spec->uid)) {
      observed.replica_sets.push_back(describeReplicaSet(*rs));
      owned_sets.push_back(*rs);
    }
  }
  observed.pod_template_hash = revisionHash(*spec, *pod_template, owned_sets);
  for (const auto& run : cache_.list(kAnalysisRun)) {
    if (metaString(*run, "namespace") == pass.ns && ownedBy(*run, spec->uid)) {
      observed.analysis_runs.push_back(describeRun(*run));
    }
  }
  std::unique_ptr<TrafficRouter> router =
      makeTrafficRouter(pass.rollout, client_, cache_, options_.field_manager);
  if (router) {
    auto traffic = router->read();
    if (!traffic.ok()) {
      if (traffic.status().code() == core::StatusCode::kInvalid) {
        return done(pass.invalidSpec(traffic.status().message()));
      }
      return fail(traffic.status(), "reading the traffic routes failed");
    }
    observed.traffic = *traffic;
  }
  pass.clearInvalid(observed.status);

  Plan plan = planCanary(*spec, observed);
  core::Status acted = execute(pass, *spec, *pod_template, plan, router.get(), observed.traffic);
  for (const auto& event : plan.events) {
    pass.record(event.reason, event.message, event.warning);
    pass.log.info(event.message, {{"reason", event.reason}});
  }
  if (!acted.ok()) return fail(acted, "executing the rollout plan failed");
  // workloadRef scaleDown onsuccess: the Deployment goes to 0 once the Rollout is healthy.
  if (spec->workload_ref && spec->workload_ref->scale_down != "never" && deployment &&
      plan.status.value("phase", "") == "Healthy" &&
      deployment->value("/spec/replicas"_json_pointer, json(1)) != 0) {
    auto scaled =
        client_.patch({kDeployment, pass.ns, spec->workload_ref->name}, kube::PatchType::kJsonMerge,
                      R"({"spec":{"replicas":0}})", {false, options_.field_manager});
    if (!scaled.ok()) return fail(scaled.status(), "scaling the workloadRef Deployment down");
  }
  if (auto s = pass.writeStatus(plan.status); !s.ok()) {
    if (s.code() == core::StatusCode::kConflict) {
      loop_.queue().add(key);  // someone (Argo's CLI) changed it meanwhile: plan again
      return;
    }
    return fail(s, "writing the Rollout status failed");
  }
  {
    const std::lock_guard lock(phases_mutex_);
    phases_[key] = {plan.status.value("phase", ""), "canary"};
  }
  if (plan.requeue_after) loop_.queue().addAfter(key, *plan.requeue_after);
  if (plan.hasActions())
    loop_.queue().addAfter(key, std::chrono::seconds(2));  // in case a watch lags
  done({});
  pass.log.debug("rollout reconciled",
                 {{"phase", plan.status.value("phase", "")},
                  {"step", plan.status.value("currentStepIndex", json(0)).dump()},
                  {"took_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now() - started)
                                  .count()}});
}

core::Status RolloutController::setRole(Pass& pass, const RolloutSpec& spec,
                                        const std::string& rs_name, const std::string& hash,
                                        const std::string& role) {
  const kube::ObjectRef ref{kReplicaSet, pass.ns, rs_name};
  auto rs = client_.get(ref);
  if (!rs.ok()) return rs.status();
  const json& pod_template = (*rs)["spec"]["template"];
  const json wanted = withRoleMetadata(spec, pod_template, role);
  const json metadata_patch =
      metadataPatch(pod_template.value("metadata", json::object()), wanted["metadata"]);
  // The running pods first (the ReplicaSet controller does not relabel them), then the
  // ReplicaSet's template and its role annotation, which marks the move as done.
  kube::ListOptions pods_of;
  pods_of.label_selector = std::string(kPodTemplateHashLabel) + "=" + hash;
  pods_of.drop_managed_fields = true;
  auto pods = client_.list(kPod, pass.ns, pods_of);
  if (!pods.ok()) return pods.status();
  for (const auto& pod : pods->items) {
    const json patch = metadataPatch(pod.value("metadata", json::object()), wanted["metadata"]);
    if (patch.empty()) continue;
    auto patched =
        client_.patch({kPod, pass.ns, metaString(pod, "name")}, kube::PatchType::kJsonMerge,
                      json{{"metadata", patch}}.dump(), {false, options_.field_manager});
    if (!patched.ok() && patched.status().code() != core::StatusCode::kNotFound) {
      return patched.status();
    }
  }
  json patch = {{"metadata", {{"annotations", {{kRoleAnnotation, role}}}}}};
  if (!metadata_patch.empty()) patch["spec"]["template"]["metadata"] = metadata_patch;
  return client_
      .patch(ref, kube::PatchType::kJsonMerge, patch.dump(), {false, options_.field_manager})
      .status();
}

core::Status RolloutController::execute(Pass& pass, const RolloutSpec& spec,
                                        const json& pod_template, const Plan& plan,
                                        TrafficRouter* router,
                                        const std::optional<TrafficState>& observed_traffic) {
  const kube::WriteOptions write{false, options_.field_manager};
  for (const auto& action : plan.replica_sets) {
    const kube::ObjectRef ref{kReplicaSet, pass.ns, action.name};
    core::Status status;
    switch (action.kind) {
      case ReplicaSetAction::Kind::kCreate: {
        auto created =
            client_.create(buildReplicaSet(spec, pod_template, action.hash, action.replicas,
                                           action.revision, action.role),
                           write);
        status = created.status();
        if (status.code() == core::StatusCode::kAlreadyExists) status = {};  // cache lag
        if (status.ok()) {
          pass.log.info("created ReplicaSet",
                        {{"replicaset", action.name}, {"replicas", action.replicas}});
        }
        break;
      }
      case ReplicaSetAction::Kind::kScale: {
        const json patch = {
            {"metadata", {{"annotations", {{kScaleDownDeadlineAnnotation, nullptr}}}}},
            {"spec", {{"replicas", action.replicas}}}};
        status = client_.patch(ref, kube::PatchType::kJsonMerge, patch.dump(), write).status();
        if (status.ok()) {
          pass.log.info("scaled ReplicaSet",
                        {{"replicaset", action.name}, {"replicas", action.replicas}});
        }
        break;
      }
      case ReplicaSetAction::Kind::kMarkScaleDown: {
        const json patch = {
            {"metadata",
             {{"annotations",
               {{kScaleDownDeadlineAnnotation, core::formatRfc3339(action.deadline)}}}}}};
        status = client_.patch(ref, kube::PatchType::kJsonMerge, patch.dump(), write).status();
        break;
      }
      case ReplicaSetAction::Kind::kSetRole:
        status = setRole(pass, spec, action.name, action.hash, action.role);
        break;
      case ReplicaSetAction::Kind::kDelete:
        status = client_.remove(ref, {"Background", "", "", false});
        if (status.code() == core::StatusCode::kNotFound) status = {};
        break;
    }
    if (!status.ok()) return status.withContext("ReplicaSet " + pass.ns + "/" + action.name);
  }
  if (router != nullptr && (plan.traffic || observed_traffic)) {
    // Also without a weight change: a header or mirror step changes the routes alone.
    const TrafficState& want = plan.traffic ? *plan.traffic : *observed_traffic;
    if (auto s = router->apply(want, plan.managed_routes_through); !s.ok()) return s;
    if (plan.traffic) {
      pass.log.info("traffic routed", {{"canary_weight", want.canary_weight},
                                       {"canary_hash", want.canary_hash},
                                       {"stable_hash", want.stable_hash}});
    }
  }
  for (const auto& action : plan.analysis) {
    const kube::ObjectRef ref{kAnalysisRun, pass.ns, action.name};
    if (action.kind == AnalysisAction::Kind::kTerminate) {
      auto s =
          client_.patch(ref, kube::PatchType::kJsonMerge, R"({"spec":{"terminate":true}})", write);
      if (!s.ok() && s.status().code() != core::StatusCode::kNotFound) return s.status();
      continue;
    }
    std::vector<json> templates;
    for (const auto& ref_template : action.analysis.templates) {
      const kube::GroupVersionKind type{
          "argoproj.io", "v1alpha1",
          ref_template.cluster_scope ? "ClusterAnalysisTemplate" : "AnalysisTemplate"};
      auto got = client_.get({type, ref_template.cluster_scope ? "" : pass.ns, ref_template.name});
      if (!got.ok()) {
        return got.status().withContext("the analysis of Rollout " + pass.ns + "/" + spec.name);
      }
      templates.push_back(std::move(got).value());
    }
    AnalysisRunContext context{&spec, &pass.rollout, plan.status.value("currentPodHash", ""),
                               plan.status.value("stableRS", ""), 0};
    for (const auto& rs : plan.replica_sets) {
      if (rs.hash == context.canary_hash) context.revision = rs.revision;
    }
    const std::string prefix = spec.name + "-" + context.canary_hash + "-";
    if (context.revision == 0 && action.name.rfind(prefix, 0) == 0) {
      context.revision = std::atoi(action.name.c_str() + prefix.size());
    }
    auto run = buildAnalysisRun(context, action, templates);
    if (!run.ok()) return run.status();
    auto created = client_.create(*run, write);
    if (!created.ok() && created.status().code() != core::StatusCode::kAlreadyExists) {
      return created.status();
    }
  }
  return {};
}

}  // namespace gitopsd::rollout
