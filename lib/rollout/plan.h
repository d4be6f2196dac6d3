// The step planner of the rollout engine: from a Rollout's spec, its status and what is observed
// in the cluster (its ReplicaSets, AnalysisRuns and the traffic its routes carry), decide the
// next actions and the new status — no I/O, no clock (the time comes in), so every step rule is
// a fixture test and the controller only executes.
//
// Level-triggered: the plan depends only on the inputs; planning again on the same inputs gives
// the same plan, and a Rollout whose cluster state already matches gets an empty plan with the
// same status (nothing to write).
//
// Safety rules the plan keeps (canary with traffic routing):
// - traffic goes to the canary only once its ReplicaSet has all its desired pods available;
// - the routes change one thing at a time: the canary weight goes to 0 before a subset changes
//   the ReplicaSet it selects, and comes back only after the subsets point at the right hashes;
// - at promotion the new ReplicaSet is scaled to full size, the weight goes to 0, its pods take
//   the stable metadata, and only then does the stable subset move to it; the old stable
//   ReplicaSet is scaled down after scaleDownDelaySeconds;
// - an abort sends everything to stable at once and scales the canary down after
//   abortScaleDownDelaySeconds, writing each object once.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "rollout/replica_sets.h"
#include "rollout/spec.h"

namespace gitopsd::rollout {

// One AnalysisRun the rollout started, as observed.
struct AnalysisRunInfo {
  std::string name;
  std::string type;     // "Step", "Background", "PrePromotion", "PostPromotion" (rollout-type)
  int step_index = -1;  // Step runs
  std::string pod_hash;
  std::string phase;  // "" (not started), Pending, Running, Successful, Failed, Error,
                      // Inconclusive
  std::string message;
  bool terminated = false;  // spec.terminate
};

// The traffic the routes carry now, read back by the traffic router.
struct TrafficState {
  int canary_weight = 0;
  std::string canary_hash;  // the hash the canary subset / Service selects ("" none)
  std::string stable_hash;
};

struct Observed {
  nlohmann::json status = nlohmann::json::object();  // the Rollout's .status as read
  std::string pod_template_hash;                     // of the template the Rollout should run now
  std::vector<ReplicaSetInfo> replica_sets;          // owned by the Rollout
  std::vector<AnalysisRunInfo> analysis_runs;
  std::optional<TrafficState> traffic;  // nullopt: no traffic routing
  TimePoint now;
};

struct ReplicaSetAction {
  enum class Kind {
    kCreate,         // the ReplicaSet of `hash` with `replicas`, `role`, `revision`
    kScale,          // name → replicas (clears a scale-down deadline)
    kSetRole,        // name's pods take the role's ephemeral metadata
    kMarkScaleDown,  // name gets the scale-down deadline annotation
    kDelete,         // name (revision history beyond the limit)
  };
  Kind kind = Kind::kScale;
  std::string name;
  std::string hash;
  int replicas = 0;
  std::string role;
  int revision = 0;
  TimePoint deadline;
};

struct AnalysisAction {
  enum class Kind { kCreate, kTerminate };
  Kind kind = Kind::kCreate;
  std::string name;
  std::string type;  // as in AnalysisRunInfo
  int step_index = -1;
  RolloutAnalysis analysis;  // kCreate
};

struct RolloutEvent {
  std::string reason;  // e.g. RolloutStepCompleted, RolloutPaused, RolloutAborted
  std::string message;
  bool warning = false;
};

struct Plan {
  std::vector<ReplicaSetAction> replica_sets;
  std::optional<TrafficState> traffic;  // the routes should carry this (when it differs)
  // The header and mirror routes (setHeaderRoute/setMirrorRoute) of steps 0..this index are in
  // effect; -1: none (before them, and once the rollout is complete or aborted).
  int managed_routes_through = -1;
  std::vector<AnalysisAction> analysis;
  nlohmann::json status;                                   // the complete new .status
  std::optional<std::chrono::milliseconds> requeue_after;  // time-based work pending
  std::vector<RolloutEvent> events;

  bool hasActions() const {
    return !replica_sets.empty() || traffic.has_value() || !analysis.empty();
  }
};

// The canary strategy's plan. Precondition: spec.canary is set.
Plan planCanary(const RolloutSpec& spec, const Observed& observed);

// The name Argo Rollouts gives an AnalysisRun: "<rollout>-<hash>-<revision>[-<step>]" for step
// runs, "<rollout>-<hash>-<revision>" for background runs, with "-pre"/"-post" for blue-green.
std::string analysisRunName(const RolloutSpec& spec, const std::string& hash, int revision,
                            const std::string& type, int step_index);

}  // namespace gitopsd::rollout
