// Host-level routing through Services: the canary and stable Services select their
// ReplicaSet's pods by the rollouts-pod-template-hash label. Pure; safe from any thread.
//
// desiredService(live, object, rollout_name, hash) returns a copy of `live` with
// spec.selector["rollouts-pod-template-hash"] = hash and, when the Service has no
// argo-rollouts.argoproj.io/managed-by-rollouts annotation yet, that annotation set to
// rollout_name (Argo adds it on adoption and leaves it alone afterwards). Everything else is
// kept. Idempotent.
// Errors (kInvalid): an empty hash; spec.selector not an object; the annotation naming another
// rollout ("Service bookinfo/reviews-canary is managed by Rollout other", Argo's validation
// rule).
//
// releasedService(live, rollout_name): when the annotation names rollout_name, the annotation
// and the selector's hash label removed (the Service selects all the app's pods again);
// `live` otherwise.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/status.h"
#include "rollout/traffic/traffic_spec.h"

namespace gitopsd::rollout {

core::Result<nlohmann::json> desiredService(const nlohmann::json& live, const ObjectName& object,
                                            std::string_view rollout_name, std::string_view hash);

nlohmann::json releasedService(const nlohmann::json& live, std::string_view rollout_name);

// The selector's current hash label, "" when unset.
std::string serviceSelectorHash(const nlohmann::json& live);

}  // namespace gitopsd::rollout
