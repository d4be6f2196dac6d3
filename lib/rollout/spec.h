// The typed spec of an argoproj.io/v1alpha1 Rollout, read from its unstructured JSON with Argo
// Rollouts' field names and defaults. parseRollout checks what the engine relies on and names the
// field of the first problem (kInvalid "spec.strategy.canary.steps[2]: ..."), so an invalid
// Rollout is refused before anything in the cluster changes. Pure; safe from any thread.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace gitopsd::rollout {

using Seconds = std::chrono::seconds;

// An int or a percentage ("25%"), as maxSurge and maxUnavailable are written.
struct IntOrPercent {
  int value = 0;
  bool percent = false;
  // The absolute number for total replicas (percentages round up for surge, down otherwise).
  int resolve(int total, bool round_up) const;
};

struct AnalysisTemplateRef {
  std::string name;
  bool cluster_scope = false;
};

// The `analysis` of a step, the background analysis of a canary, or a blue-green pre/post
// promotion analysis: templates plus arguments (kept as written; resolved by lib/analysis).
struct RolloutAnalysis {
  std::vector<AnalysisTemplateRef> templates;
  nlohmann::json args = nlohmann::json::array();
  std::optional<int> starting_step;  // background analysis only
};

struct CanaryStep {
  enum class Kind {
    kSetWeight,
    kPause,
    kAnalysis,
    kSetCanaryScale,
    kSetHeaderRoute,
    kSetMirrorRoute,
    kExperiment
  };
  Kind kind = Kind::kPause;
  int weight = 0;                    // kSetWeight
  std::optional<Seconds> pause_for;  // kPause: nullopt waits until promoted
  RolloutAnalysis analysis;          // kAnalysis
  nlohmann::json body;               // the step's own object (setCanaryScale, routes, ...)
};

struct IstioVirtualServiceRef {
  std::string name;  // "name" or "name.namespace" as written
  std::vector<std::string> routes;
  nlohmann::json tls_routes = nlohmann::json::array();
  nlohmann::json tcp_routes = nlohmann::json::array();
};

struct TrafficRoutingSpec {
  bool istio = false;
  std::vector<IstioVirtualServiceRef> virtual_services;
  std::string destination_rule;  // empty: host-level routing (canary/stable Services)
  std::string canary_subset;
  std::string stable_subset;
  std::vector<std::string> managed_routes;
  nlohmann::json raw;  // spec.strategy.canary.trafficRouting as written
};

struct CanaryStrategy {
  std::vector<CanaryStep> steps;
  std::string canary_service;
  std::string stable_service;
  std::optional<TrafficRoutingSpec> traffic_routing;
  std::optional<RolloutAnalysis> background_analysis;
  nlohmann::json canary_metadata = nlohmann::json::object();  // {labels, annotations}
  nlohmann::json stable_metadata = nlohmann::json::object();
  IntOrPercent max_surge{25, true};
  IntOrPercent max_unavailable{25, true};
  std::optional<int> scale_down_delay_seconds;        // default 30 with traffic routing
  std::optional<int> abort_scale_down_delay_seconds;  // default 30 with traffic routing
  bool dynamic_stable_scale = false;
};

struct BlueGreenStrategy {
  std::string active_service;
  std::string preview_service;
  std::optional<int> preview_replica_count;
  bool auto_promotion_enabled = true;
  int auto_promotion_seconds = 0;
  std::optional<RolloutAnalysis> pre_promotion_analysis;
  std::optional<RolloutAnalysis> post_promotion_analysis;
  int scale_down_delay_seconds = 30;
  std::optional<int> abort_scale_down_delay_seconds;
};

struct WorkloadRef {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string scale_down = "never";  // never | onsuccess | progressively
};

struct RolloutSpec {
  std::string namespace_;
  std::string name;
  std::string uid;
  std::int64_t generation = 0;
  int replicas = 1;
  nlohmann::json selector;                     // spec.selector (matchLabels / matchExpressions)
  std::optional<nlohmann::json> pod_template;  // spec.template
  std::optional<WorkloadRef> workload_ref;
  int revision_history_limit = 10;
  int min_ready_seconds = 0;
  bool paused = false;
  std::string restart_at;  // RFC 3339, empty when unset
  std::optional<CanaryStrategy> canary;
  std::optional<BlueGreenStrategy> blue_green;
};

// Reads the Rollout. kInvalid naming the field for: both or neither of template and
// workloadRef, a workloadRef that is not an apps/v1 Deployment, no strategy or both, a step with
// zero or two kinds, a weight outside 0..100, a pause duration that does not parse, a traffic
// routing Argo would refuse (an Istio destinationRule without both subset names), a canary
// Service without its pair, and replicas below 0.
core::Result<RolloutSpec> parseRollout(const nlohmann::json& rollout);

// "10m", "30s", "1h" or a bare number of seconds (an int or a numeric string), as Argo reads a
// pause duration; kInvalid naming the text.
core::Result<Seconds> parsePauseDuration(const nlohmann::json& value);

// Whether labels (a flat string map) satisfy a LabelSelector (matchLabels and matchExpressions
// with In, NotIn, Exists, DoesNotExist).
bool selectorMatches(const nlohmann::json& selector, const nlohmann::json& labels);

}  // namespace gitopsd::rollout
