// Subset-level routing: the DestinationRule's canary and stable subsets select the canary and
// stable ReplicaSets' pods by their rollouts-pod-template-hash label. Pure: takes the live
// object, returns the object to write; safe from any thread.
//
// desiredDestinationRule(live, ref, rollout_name, canary_hash, stable_hash) returns a copy of
// `live` where:
// - subsets[name == ref.canary_subset].labels["rollouts-pod-template-hash"] = canary_hash and
//   the same for the stable subset (an empty hash removes the label, as Argo Rollouts does);
// - metadata.annotations["argo-rollouts.argoproj.io/managed-by-rollouts"] = rollout_name.
// Everything else — other subsets (e.g. a `v1` subset another client routes to), their order,
// other labels, trafficPolicy, status, unknown fields — is kept as it is. (Argo Rollouts drops
// every subset other than canary/stable on its first update; this keeps them.) Calling it on
// its own result returns the same object (idempotent).
// Errors (kInvalid): "DestinationRule bookinfo/reviews has no subset canary"; spec.subsets not
// a list, a subset not an object, a subset's labels not an object.
//
// releasedDestinationRule(live, rollout_name) undoes the above when the Rollout is deleted or
// no longer references the DestinationRule (Argo's cleanup): if the annotation names
// rollout_name, the annotation and every subset's rollouts-pod-template-hash label are
// removed; otherwise `live` is returned unchanged (another rollout, or nobody, owns it).
//
// destinationRuleHost(live): spec.host, kInvalid when missing.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/status.h"
#include "rollout/traffic/traffic_spec.h"

namespace gitopsd::rollout {

core::Result<nlohmann::json> desiredDestinationRule(const nlohmann::json& live,
                                                    const DestinationRuleRef& ref,
                                                    std::string_view rollout_name,
                                                    std::string_view canary_hash,
                                                    std::string_view stable_hash);

nlohmann::json releasedDestinationRule(const nlohmann::json& live, std::string_view rollout_name);

// The current hash label of each subset ("" when unset); kInvalid as above.
struct SubsetHashes {
  std::string canary;
  std::string stable;
  friend bool operator==(const SubsetHashes&, const SubsetHashes&) = default;
};
core::Result<SubsetHashes> readSubsetHashes(const nlohmann::json& live,
                                            const DestinationRuleRef& ref);

core::Result<std::string> destinationRuleHost(const nlohmann::json& live, const ObjectName& object);

// Whether the controller must write `desired` over `live`: false exactly when they are equal
// (so a pass with nothing to change writes nothing). Works for every object of this module.
bool needsWrite(const nlohmann::json& live, const nlohmann::json& desired);

}  // namespace gitopsd::rollout
