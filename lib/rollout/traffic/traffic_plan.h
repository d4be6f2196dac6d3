// The traffic step of a rollout reconcile as one pure call: given the routing spec, the live
// objects the controller found in its cache and the desired traffic state, the objects to
// write. No I/O; safe from any thread. The controller reads the objects, calls planTraffic,
// writes each update whose `changed` is true (in the order given) and records status.
//
// validateReferences(routing, live): every object the routing references was found, before
// anything is changed. kInvalid, naming the first missing one:
// "DestinationRule bookinfo/reviews not found", "VirtualService bookinfo/reviews not found",
// "Service bookinfo/reviews-canary not found"; also a Service or DestinationRule whose
// managed-by annotation names another rollout, and a DestinationRule without one of the two
// subsets.
//
// planTraffic(routing, live, target) validates as above, then returns the updates:
// 1. the canary and stable Services (when configured): selector hash = target.canary_hash /
//    target.stable_hash (service_selector.h) — skipped for a Service whose hash is empty;
// 2. the DestinationRule (subset-level): subset hashes (destination_rule.h);
// 3. each VirtualService in spec order: weights and managed routes (virtual_service.h).
// Argo's order: Services, then the DestinationRule's hashes, then the weights — so the
// subsets select the right pods before traffic moves. Errors: kInvalid from any of those,
// target.canary_weight outside 0..100, a managed route not in managedRoutes. Nothing is
// partially returned: an error means write nothing.
//
// For an abort or the end of a rollout the controller passes canary_weight 0 (or 100 once the
// canary is promoted and is the new stable), and no managed routes.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "rollout/traffic/traffic_spec.h"
#include "rollout/traffic/virtual_service.h"

namespace gitopsd::rollout {

// What the controller found; nullopt (or no entry) for an object that does not exist.
struct LiveTrafficObjects {
  std::map<ObjectName, std::optional<nlohmann::json>> virtual_services;
  std::optional<nlohmann::json> destination_rule;
  std::optional<nlohmann::json> canary_service;
  std::optional<nlohmann::json> stable_service;
};

struct TrafficTarget {
  int canary_weight = 0;  // 0..100
  std::string canary_hash;
  std::string stable_hash;
  std::vector<ManagedRoute> managed_routes;  // see activeManagedRoutes
};

struct TrafficUpdate {
  std::string kind;  // "Service", "DestinationRule", "VirtualService"
  ObjectName object;
  nlohmann::json desired;
  bool changed = false;  // needsWrite(live, desired)
};

struct TrafficPlan {
  std::vector<TrafficUpdate> updates;  // in write order
  bool changed() const;                // any update changed
};

core::Status validateReferences(const TrafficRouting& routing, const LiveTrafficObjects& live);

core::Result<TrafficPlan> planTraffic(const TrafficRouting& routing, const LiveTrafficObjects& live,
                                      const TrafficTarget& target);

// What the live objects route now, for status.canary.weights: per VirtualService the weights
// (virtual_service.h readWeights) and, over all of them, the canary weight when they agree.
struct TrafficWeights {
  std::vector<std::pair<ObjectName, VirtualServiceWeights>> virtual_services;
  std::optional<int> canary;  // nullopt when VirtualServices disagree or none is routed
};
core::Result<TrafficWeights> readTrafficWeights(const TrafficRouting& routing,
                                                const LiveTrafficObjects& live);

}  // namespace gitopsd::rollout
