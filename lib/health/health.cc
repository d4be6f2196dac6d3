#include "health/health.h"

#include <array>
#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <utility>

namespace gitopsd::health {

using nlohmann::json;

namespace {

using Path = std::initializer_list<std::string_view>;

// A field of an unexpected type; turned into kUnknown by assessHealth.
class FieldError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string pathText(Path path) {
  std::string text;
  for (const auto step : path) {
    if (!text.empty()) text += '.';
    text += step;
  }
  return text;
}

const json* find(const json& obj, Path path) {
  const json* node = &obj;
  for (const auto step : path) {
    if (!node->is_object()) return nullptr;
    const auto it = node->find(step);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node->is_null() ? nullptr : node;
}

std::optional<std::int64_t> optInteger(const json& obj, Path path) {
  const json* v = find(obj, path);
  if (v == nullptr) return std::nullopt;
  if (v->is_number_integer()) return v->get<std::int64_t>();
  if (v->is_number_float() && v->get<double>() == static_cast<double>(v->get<std::int64_t>())) {
    return v->get<std::int64_t>();
  }
  throw FieldError("field " + pathText(path) + ": expected an integer, got " + v->dump());
}

std::int64_t integer(const json& obj, Path path, std::int64_t fallback = 0) {
  return optInteger(obj, path).value_or(fallback);
}

std::string string(const json& obj, Path path) {
  const json* v = find(obj, path);
  if (v == nullptr) return {};
  if (!v->is_string()) {
    throw FieldError("field " + pathText(path) + ": expected a string, got " + v->dump());
  }
  return v->get<std::string>();
}

bool boolean(const json& obj, Path path) {
  const json* v = find(obj, path);
  if (v == nullptr) return false;
  if (!v->is_boolean()) {
    throw FieldError("field " + pathText(path) + ": expected a boolean, got " + v->dump());
  }
  return v->get<bool>();
}

const json& array(const json& obj, Path path) {
  static const json kEmpty = json::array();
  const json* v = find(obj, path);
  if (v == nullptr) return kEmpty;
  if (!v->is_array()) {
    throw FieldError("field " + pathText(path) + ": expected a list, got " + v->dump());
  }
  return *v;
}

// Numbers written as strings by some controllers (Rollout's observedGeneration), like Lua's
// tonumber: nullopt when absent or not numeric.
std::optional<std::int64_t> looseInteger(const json* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_number_integer()) return v->get<std::int64_t>();
  if (!v->is_string()) return std::nullopt;
  const auto& s = v->get_ref<const std::string&>();
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::int64_t value = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

struct Condition {
  std::string type, status, reason, message;
};

std::vector<Condition> conditions(const json& conditions_list, std::string_view where) {
  std::vector<Condition> out;
  if (!conditions_list.is_array()) {
    throw FieldError("field " + std::string(where) + ": expected a list of conditions");
  }
  for (const auto& c : conditions_list) {
    if (!c.is_object())
      throw FieldError("field " + std::string(where) + ": condition not an object");
    out.push_back({string(c, {"type"}), string(c, {"status"}), string(c, {"reason"}),
                   string(c, {"message"})});
  }
  return out;
}

std::vector<Condition> statusConditions(const json& obj) {
  return conditions(array(obj, {"status", "conditions"}), "status.conditions");
}

std::optional<Condition> conditionOf(const std::vector<Condition>& list, std::string_view type) {
  for (const auto& c : list) {
    if (c.type == type) return c;
  }
  return std::nullopt;
}

std::string quoted(const std::string& name) { return "\"" + name + "\""; }

using S = HealthStatus;

// gitops-engine's getAppsv1DeploymentHealth (kubectl rollout status).
Health deployment(const json& o) {
  if (boolean(o, {"spec", "paused"})) return {S::kSuspended, "Deployment is paused"};
  if (integer(o, {"metadata", "generation"}) > integer(o, {"status", "observedGeneration"})) {
    return {S::kProgressing,
            "Waiting for rollout to finish: observed deployment generation less than desired "
            "generation"};
  }
  const auto progressing = conditionOf(statusConditions(o), "Progressing");
  if (progressing && progressing->reason == "ProgressDeadlineExceeded") {
    return {S::kDegraded, "Deployment " + quoted(string(o, {"metadata", "name"})) +
                              " exceeded its progress deadline"};
  }
  const auto replicas = optInteger(o, {"spec", "replicas"});
  const auto updated = integer(o, {"status", "updatedReplicas"});
  const auto current = integer(o, {"status", "replicas"});
  const auto available = integer(o, {"status", "availableReplicas"});
  if (replicas && updated < *replicas) {
    return {S::kProgressing, "Waiting for rollout to finish: " + std::to_string(updated) +
                                 " out of " + std::to_string(*replicas) +
                                 " new replicas have been updated..."};
  }
  if (current > updated) {
    return {S::kProgressing, "Waiting for rollout to finish: " + std::to_string(current - updated) +
                                 " old replicas are pending termination..."};
  }
  if (available < updated) {
    return {S::kProgressing, "Waiting for rollout to finish: " + std::to_string(available) +
                                 " of " + std::to_string(updated) +
                                 " updated replicas are available..."};
  }
  return {S::kHealthy, ""};
}

Health statefulSet(const json& o) {
  const auto observed = integer(o, {"status", "observedGeneration"});
  if (observed == 0 || integer(o, {"metadata", "generation"}) > observed) {
    return {S::kProgressing, "Waiting for statefulset spec update to be observed..."};
  }
  const auto replicas = optInteger(o, {"spec", "replicas"});
  const auto ready = integer(o, {"status", "readyReplicas"});
  const auto updated = integer(o, {"status", "updatedReplicas"});
  if (replicas && ready < *replicas) {
    return {S::kProgressing,
            "Waiting for " + std::to_string(*replicas - ready) + " pods to be ready..."};
  }
  const auto strategy = string(o, {"spec", "updateStrategy", "type"});
  if (strategy == "RollingUpdate" && find(o, {"spec", "updateStrategy", "rollingUpdate"})) {
    const auto partition = optInteger(o, {"spec", "updateStrategy", "rollingUpdate", "partition"});
    if (replicas && partition && updated < *replicas - *partition) {
      return {S::kProgressing,
              "Waiting for partitioned roll out to finish: " + std::to_string(updated) +
                  " out of " + std::to_string(*replicas - *partition) +
                  " new pods have been updated..."};
    }
    return {S::kHealthy, "partitioned roll out complete: " + std::to_string(updated) +
                             " new pods have been updated..."};
  }
  if (strategy == "OnDelete") {
    return {S::kHealthy, "statefulset has " + std::to_string(ready) + " ready pods"};
  }
  const auto update_revision = string(o, {"status", "updateRevision"});
  const auto current_revision = string(o, {"status", "currentRevision"});
  if (update_revision != current_revision) {
    return {S::kProgressing, "waiting for statefulset rolling update to complete " +
                                 std::to_string(updated) + " pods at revision " + update_revision +
                                 "..."};
  }
  return {S::kHealthy, "statefulset rolling update complete " +
                           std::to_string(integer(o, {"status", "currentReplicas"})) +
                           " pods at revision " + current_revision + "..."};
}

Health daemonSet(const json& o) {
  if (integer(o, {"metadata", "generation"}) > integer(o, {"status", "observedGeneration"})) {
    return {S::kProgressing,
            "Waiting for rollout to finish: observed daemon set generation less than desired "
            "generation"};
  }
  const auto name = quoted(string(o, {"metadata", "name"}));
  const auto updated = integer(o, {"status", "updatedNumberScheduled"});
  const auto desired = integer(o, {"status", "desiredNumberScheduled"});
  const auto available = integer(o, {"status", "numberAvailable"});
  if (string(o, {"spec", "updateStrategy", "type"}) == "OnDelete") {
    return {S::kHealthy, "daemon set " + std::to_string(updated) + " out of " +
                             std::to_string(desired) + " new pods have been updated"};
  }
  if (updated < desired) {
    return {S::kProgressing, "Waiting for daemon set " + name +
                                 " rollout to finish: " + std::to_string(updated) + " out of " +
                                 std::to_string(desired) + " new pods have been updated..."};
  }
  if (available < desired) {
    return {S::kProgressing, "Waiting for daemon set " + name +
                                 " rollout to finish: " + std::to_string(available) + " of " +
                                 std::to_string(desired) + " updated pods are available..."};
  }
  return {S::kHealthy, ""};
}

Health replicaSet(const json& o) {
  if (integer(o, {"metadata", "generation"}) > integer(o, {"status", "observedGeneration"})) {
    return {S::kProgressing,
            "Waiting for rollout to finish: observed replica set generation less than desired "
            "generation"};
  }
  const auto failure = conditionOf(statusConditions(o), "ReplicaFailure");
  if (failure && failure->status == "True") return {S::kDegraded, failure->message};
  const auto replicas = optInteger(o, {"spec", "replicas"});
  const auto available = integer(o, {"status", "availableReplicas"});
  if (replicas && available < *replicas) {
    return {S::kProgressing, "Waiting for rollout to finish: " + std::to_string(available) +
                                 " out of " + std::to_string(*replicas) +
                                 " new replicas are available..."};
  }
  return {S::kHealthy, ""};
}

bool isFailingWaitReason(std::string_view reason) {
  const auto ends_with = [&](std::string_view suffix) {
    return reason.size() >= suffix.size() && reason.substr(reason.size() - suffix.size()) == suffix;
  };
  return reason.substr(0, 3) == "Err" || ends_with("Error") || ends_with("BackOff");
}

// gitops-engine's getCorev1PodHealth. Difference: a missing restartPolicy is the API default
// Always (gitops-engine reads it as "" and a running pod then has Unknown health).
Health pod(const json& o) {
  std::string policy = string(o, {"spec", "restartPolicy"});
  if (policy.empty()) policy = "Always";
  const auto& statuses = array(o, {"status", "containerStatuses"});
  const std::string message = string(o, {"status", "message"});

  // Only for long-running pods: a hook pod (OnFailure/Never) waiting on an image must not
  // fail its sync phase early.
  if (policy == "Always") {
    std::string waiting_messages;
    bool failing = false;
    for (const auto& status : statuses) {
      const auto reason = string(status, {"state", "waiting", "reason"});
      if (find(status, {"state", "waiting"}) == nullptr || !isFailingWaitReason(reason)) continue;
      failing = true;
      auto text = string(status, {"state", "waiting", "message"});
      if (text.empty()) text = reason;
      if (!waiting_messages.empty()) waiting_messages += ", ";
      waiting_messages += text;
    }
    if (failing) return {S::kDegraded, waiting_messages};
  }

  const auto phase = string(o, {"status", "phase"});
  if (phase == "Pending") return {S::kProgressing, message};
  if (phase == "Succeeded") return {S::kHealthy, message};
  if (phase == "Failed") {
    if (!message.empty()) return {S::kDegraded, message};
    for (const Path list :
         {Path{"status", "initContainerStatuses"}, Path{"status", "containerStatuses"}}) {
      for (const auto& status : array(o, list)) {
        if (find(status, {"state", "terminated"}) == nullptr) continue;
        const auto text = string(status, {"state", "terminated", "message"});
        if (!text.empty()) return {S::kDegraded, text};
        if (string(status, {"state", "terminated", "reason"}) == "OOMKilled") {
          return {S::kDegraded, "OOMKilled"};
        }
        if (const auto code = integer(status, {"state", "terminated", "exitCode"}); code != 0) {
          return {S::kDegraded, "container " + quoted(string(status, {"name"})) +
                                    " failed with exit code " + std::to_string(code)};
        }
      }
    }
    return {S::kDegraded, ""};
  }
  if (phase == "Running") {
    if (policy == "Always") {
      const auto ready = conditionOf(statusConditions(o), "Ready");
      if (ready && ready->status == "True") return {S::kHealthy, message};
      for (const auto& status : statuses) {
        if (find(status, {"lastState", "terminated"}) != nullptr) return {S::kDegraded, message};
      }
      return {S::kProgressing, message};
    }
    if (policy == "OnFailure" || policy == "Never") return {S::kProgressing, message};
  }
  return {S::kUnknown, message};
}

// gitops-engine's getBatchv1JobHealth. Difference: the Suspended condition counts only while
// it is True; gitops-engine treats any Suspended condition as completion, so a resumed Job
// (Suspended=False) reads as Healthy while it still runs.
Health job(const json& o) {
  bool failed = false;
  bool complete = false;
  bool suspended = false;
  std::string fail_message;
  std::string message;
  for (const auto& c : statusConditions(o)) {
    if (c.type == "Failed") {
      failed = complete = true;
      fail_message = c.message;
    } else if (c.type == "Complete") {
      complete = true;
      message = c.message;
    } else if (c.type == "Suspended" && c.status == "True") {
      complete = suspended = true;
      message = c.message;
    }
  }
  if (!complete) return {S::kProgressing, message};
  if (failed) return {S::kDegraded, fail_message};
  if (suspended) return {S::kSuspended, message};
  return {S::kHealthy, message};
}

Health service(const json& o) {
  if (string(o, {"spec", "type"}) != "LoadBalancer") return {S::kHealthy, ""};
  if (!array(o, {"status", "loadBalancer", "ingress"}).empty()) return {S::kHealthy, ""};
  return {S::kProgressing, ""};
}

Health ingress(const json& o) {
  if (!array(o, {"status", "loadBalancer", "ingress"}).empty()) return {S::kHealthy, ""};
  return {S::kProgressing, ""};
}

Health persistentVolumeClaim(const json& o) {
  const auto phase = string(o, {"status", "phase"});
  if (phase == "Lost") return {S::kDegraded, ""};
  if (phase == "Pending") return {S::kProgressing, ""};
  if (phase == "Bound") return {S::kHealthy, ""};
  return {S::kUnknown, ""};
}

// gitops-engine's HPA check: Degraded on a failure condition, Healthy on AbleToScale=True or
// ScalingLimited=True, otherwise Progressing "Waiting to Autoscale". Differences: every
// condition is checked for failure before any for health (gitops-engine returns Healthy at an
// AbleToScale=True that precedes ScalingActive=False/FailedGetResourceMetric, the common case
// of an HPA whose metrics are unavailable); besides gitops-engine's four (type, reason) pairs,
// AbleToScale or ScalingActive False with any Failed*/Invalid* reason is a failure (e.g.
// FailedGetExternalMetric).
Health horizontalPodAutoscaler(const json& o) {
  static const Health kWaiting{S::kProgressing, "Waiting to Autoscale"};
  std::vector<Condition> list;
  if (string(o, {"apiVersion"}) == "autoscaling/v1") {
    const auto text =
        string(o, {"metadata", "annotations", "autoscaling.alpha.kubernetes.io/conditions"});
    if (text.empty()) return kWaiting;
    const json parsed = json::parse(text, nullptr, false);
    if (parsed.is_discarded()) {
      return {S::kUnknown, "annotation autoscaling.alpha.kubernetes.io/conditions is not JSON"};
    }
    list = conditions(parsed, "metadata.annotations[autoscaling.alpha.kubernetes.io/conditions]");
  } else {
    list = statusConditions(o);
  }
  const auto is_degraded = [](const Condition& c) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kArgo = {{
        {"AbleToScale", "FailedGetScale"},
        {"AbleToScale", "FailedUpdateScale"},
        {"ScalingActive", "FailedGetResourceMetric"},
        {"ScalingActive", "InvalidSelector"},
    }};
    for (const auto& [type, reason] : kArgo) {
      if (c.type == type && c.reason == reason) return true;
    }
    const std::string_view reason = c.reason;
    return (c.type == "AbleToScale" || c.type == "ScalingActive") && c.status == "False" &&
           (reason.substr(0, 6) == "Failed" || reason.substr(0, 7) == "Invalid");
  };
  for (const auto& c : list) {
    if (is_degraded(c)) return {S::kDegraded, c.message};
  }
  for (const auto& c : list) {
    if ((c.type == "AbleToScale" || c.type == "ScalingLimited") && c.status == "True") {
      return {S::kHealthy, c.message};
    }
  }
  return kWaiting;
}

// Argo CD has no Namespace check; a namespace being deleted is not yet gone.
Health namespaceHealth(const json& o) {
  if (string(o, {"status", "phase"}) == "Terminating") {
    return {S::kProgressing, "Namespace is terminating"};
  }
  return {S::kHealthy, ""};
}

// Argo CD's apiextensions.k8s.io/CustomResourceDefinition/health.lua.
Health customResourceDefinition(const json& o) {
  const auto list = statusConditions(o);
  if (list.empty()) return {S::kProgressing, "Status conditions not found"};
  std::optional<Condition> terminating, names_rejected, established, non_structural;
  for (const auto& c : list) {
    if (c.type == "Terminating" && c.status == "True") terminating = c;
    if (c.type == "NamesAccepted" && c.status == "False") names_rejected = c;
    if (c.type == "Established" && c.status == "True") established = c;
    if (c.type == "NonStructuralSchema" && c.status == "True") non_structural = c;
  }
  if (terminating) return {S::kProgressing, "CRD is terminating: " + terminating->message};
  if (names_rejected) {
    return {S::kDegraded, "CRD names have not been accepted: " + names_rejected->message};
  }
  if (!established) return {S::kDegraded, "CRD is not established"};
  if (non_structural) return {S::kDegraded, "Schema violations found: " + non_structural->message};
  return {S::kHealthy, "CRD is healthy"};
}

// Argo CD's argoproj.io/Rollout/health.lua: Argo Rollouts >= 1.0 computes status.phase and
// status.message itself, and they are shown as they are (Paused → Suspended) once the
// controller has observed the current spec (and the referenced workload's generation). For
// older controllers the phase is derived from conditions, pause state and replica counts.
// Difference: as in Argo Rollouts' own CalculateRolloutPhase, a canary with traffic routing
// does not wait for old replicas to terminate (they are kept for scaleDownDelaySeconds), and
// status.abort is Degraded even without the RolloutAborted condition.
Health rollout(const json& o) {
  static const Health kNotObserved{S::kProgressing,
                                   "Waiting for rollout spec update to be observed"};
  const json* status = find(o, {"status"});
  if (status == nullptr || !status->is_object()) return kNotObserved;

  const auto generation = integer(o, {"metadata", "generation"});
  const auto observed = looseInteger(find(o, {"status", "observedGeneration"}));
  if (observed && *observed < generation) return kNotObserved;
  if (find(o, {"spec", "workloadRef"}) != nullptr &&
      find(o, {"metadata", "annotations"}) != nullptr) {
    const auto wanted = looseInteger(
        find(o, {"metadata", "annotations", "rollout.argoproj.io/workload-generation"}));
    const auto seen = looseInteger(find(o, {"status", "workloadObservedGeneration"}));
    if (wanted && wanted != seen) return kNotObserved;
  }

  if (const auto phase = string(o, {"status", "phase"}); !phase.empty()) {
    const auto message = string(o, {"status", "message"});
    if (phase == "Paused") return {S::kSuspended, message};
    if (const auto parsed = parseHealthStatus(phase)) return {*parsed, message};
    return {S::kUnknown,
            "unknown Rollout phase " + quoted(phase) + (message.empty() ? "" : ": " + message)};
  }

  for (const auto& c : statusConditions(o)) {
    if (c.type == "InvalidSpec") return {S::kDegraded, c.message};
    if (c.type == "Progressing" &&
        (c.reason == "RolloutAborted" || c.reason == "ProgressDeadlineExceeded")) {
      return {S::kDegraded, c.message};
    }
  }
  if (boolean(o, {"status", "abort"})) return {S::kDegraded, "Rollout is aborted"};
  if (!array(o, {"status", "pauseConditions"}).empty() || boolean(o, {"spec", "paused"})) {
    return {S::kSuspended, "Rollout is paused"};
  }
  const auto current_hash = string(o, {"status", "currentPodHash"});
  if (find(o, {"status", "currentPodHash"}) == nullptr) {
    return {S::kProgressing, "Waiting for rollout to finish: status has not been reconciled."};
  }
  const auto desired = integer(o, {"spec", "replicas"}, 1);
  const auto replicas = integer(o, {"status", "replicas"});
  const auto updated = integer(o, {"status", "updatedReplicas"});
  const auto available = integer(o, {"status", "availableReplicas"});
  if (updated < desired) {
    return {S::kProgressing, "Waiting for roll out to finish: More replicas need to be updated"};
  }
  if (available < updated) {
    return {S::kProgressing,
            "Waiting for roll out to finish: updated replicas are still becoming available"};
  }
  std::string stable = string(o, {"status", "stableRS"});
  if (stable.empty()) stable = string(o, {"status", "canary", "stableRS"});
  if (find(o, {"spec", "strategy", "blueGreen"}) != nullptr) {
    if (string(o, {"status", "blueGreen", "activeSelector"}) != current_hash) {
      return {S::kProgressing, "active service cutover pending"};
    }
    if (!stable.empty() && stable != current_hash) {
      return {S::kProgressing, "waiting for analysis to complete"};
    }
  } else if (find(o, {"spec", "strategy", "canary"}) != nullptr) {
    const bool traffic_routed =
        find(o, {"spec", "strategy", "canary", "trafficRouting"}) != nullptr;
    if (!traffic_routed && replicas > updated) {
      return {S::kProgressing,
              "Waiting for roll out to finish: old replicas are pending termination"};
    }
    if (stable.empty() || stable != current_hash) {
      return {S::kProgressing, "Waiting for rollout to finish steps"};
    }
  }
  return {S::kHealthy, ""};
}

using Check = Health (*)(const json&);

struct KindCheck {
  std::string_view group;
  std::string_view kind;
  Check check;
};

constexpr std::array<KindCheck, 14> kChecks = {{
    {"apps", "Deployment", deployment},
    {"apps", "StatefulSet", statefulSet},
    {"apps", "DaemonSet", daemonSet},
    {"apps", "ReplicaSet", replicaSet},
    {"", "Pod", pod},
    {"batch", "Job", job},
    {"", "Service", service},
    {"networking.k8s.io", "Ingress", ingress},
    {"extensions", "Ingress", ingress},
    {"", "PersistentVolumeClaim", persistentVolumeClaim},
    {"autoscaling", "HorizontalPodAutoscaler", horizontalPodAutoscaler},
    {"", "Namespace", namespaceHealth},
    {"apiextensions.k8s.io", "CustomResourceDefinition", customResourceDefinition},
    {"argoproj.io", "Rollout", rollout},
}};

Check checkFor(std::string_view group, std::string_view kind) {
  for (const auto& entry : kChecks) {
    if (entry.group == group && entry.kind == kind) return entry.check;
  }
  return nullptr;
}

int rank(HealthStatus status) {
  switch (status) {
    case S::kHealthy:
      return 0;
    case S::kSuspended:
      return 1;
    case S::kProgressing:
      return 2;
    case S::kMissing:
      return 3;
    case S::kDegraded:
      return 4;
    case S::kUnknown:
      return 5;
  }
  return 5;
}

}  // namespace

std::string_view healthStatusName(HealthStatus status) {
  switch (status) {
    case S::kHealthy:
      return "Healthy";
    case S::kProgressing:
      return "Progressing";
    case S::kSuspended:
      return "Suspended";
    case S::kDegraded:
      return "Degraded";
    case S::kMissing:
      return "Missing";
    case S::kUnknown:
      return "Unknown";
  }
  return "Unknown";
}

std::optional<HealthStatus> parseHealthStatus(std::string_view name) {
  for (const auto status :
       {S::kHealthy, S::kProgressing, S::kSuspended, S::kDegraded, S::kMissing, S::kUnknown}) {
    if (healthStatusName(status) == name) return status;
  }
  return std::nullopt;
}

bool hasHealthCheck(std::string_view group, std::string_view kind) {
  return checkFor(group, kind) != nullptr;
}

Health assessHealth(const json& live) {
  if (!live.is_object()) return {S::kMissing, ""};
  try {
    if (find(live, {"metadata", "deletionTimestamp"}) != nullptr) {
      return {S::kProgressing, "Pending deletion"};
    }
    const auto api_version = string(live, {"apiVersion"});
    const auto slash = api_version.find('/');
    const std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
    const Check check = checkFor(group, string(live, {"kind"}));
    if (check == nullptr) return {S::kHealthy, ""};
    return check(live);
  } catch (const FieldError& error) {
    return {S::kUnknown, error.what()};
  } catch (const json::exception& error) {
    return {S::kUnknown, error.what()};
  }
}

HealthStatus worst(HealthStatus a, HealthStatus b) { return rank(b) > rank(a) ? b : a; }

Health aggregate(const std::vector<Health>& healths) {
  Health result{S::kHealthy, ""};
  for (const auto& health : healths) {
    if (rank(health.status) > rank(result.status)) result = health;
  }
  return result;
}

}  // namespace gitopsd::health
