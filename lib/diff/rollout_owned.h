// Fields the rollout engine owns and changes while it steps a canary: they are never drift,
// so self-heal never fights the rollout controller over them. Removed from both sides of a
// comparison by stripRolloutOwnedFields (pruning emptied containers, see json_path.h). Pure.
//
// By key (group/Kind), always:
// - networking.istio.io/VirtualService: spec.http[].route[].weight, and the same in
//   spec.tls[] and spec.tcp[] (Argo Rollouts' Istio router writes all three);
// - networking.istio.io/DestinationRule: spec.subsets[].labels["rollouts-pod-template-hash"]
//   and the annotation argo-rollouts.argoproj.io/managed-by-rollouts;
// - /Service: spec.selector["rollouts-pod-template-hash"] and the annotation
//   argo-rollouts.argoproj.io/managed-by-rollouts (the canary/stable Service router);
// - argoproj.io/Rollout: the controller's annotations rollout.argoproj.io/revision and
//   rollout.argoproj.io/workload-generation;
// only for the Deployments in RolloutOwnedFields::workload_ref_deployments (those a Rollout
// references through spec.workloadRef, which the rollout engine scales down):
// - apps/Deployment: spec.replicas.
// Weights are ignored on every VirtualService, not only on those a Rollout routes: the key
// alone cannot tell them apart, and hand-edited weights elsewhere are rare next to the noise
// of a canary's weights.
#pragma once

#include <nlohmann/json.hpp>
#include <set>

#include "core/resource_key.h"

namespace gitopsd::diff {

struct RolloutOwnedFields {
  // Keys of Deployments referenced by a Rollout's spec.workloadRef (group "apps").
  std::set<core::ResourceKey> workload_ref_deployments;
};

void stripRolloutOwnedFields(const core::ResourceKey& key, nlohmann::json& predicted,
                             nlohmann::json& live, const RolloutOwnedFields& owned);

// Before a sync applies `desired` over `live`, the same fields take their live values, so an
// apply of a change made in Git (a new route, a new subset) never resets the weights, subset
// hashes and selectors a rollout is stepping: a VirtualService destination keeps its live weight
// when the live route at the same position has a destination of the same host and subset; a
// DestinationRule subset keeps its live hash label when the live object has a subset of the
// same name; a Service keeps its live selector hash; the managed-by annotation stays. Deployment
// replicas are left to the caller (it knows which Deployments a Rollout references).
void keepRolloutOwnedLiveValues(const core::ResourceKey& key, nlohmann::json& desired,
                                const nlohmann::json& live);

}  // namespace gitopsd::diff
