// VirtualService routing for a canary: route weights, and the managed header/mirror routes.
// Pure: takes the live VirtualService, returns the one to write (or what it routes now); safe
// from any thread. Field shapes are Istio's networking.istio.io VirtualService as Argo
// Rollouts v1.8 writes it.
//
// Which routes: for each VirtualServiceRef,
// - http: the routes named in `routes`; with `routes` empty, the VirtualService's only http
//   route that is not a managed route (none when it has no http routes; kInvalid when it has
//   several). Routes named in trafficRouting.managedRoutes are never weighted directly.
// - tls: every route whose matches name exactly the port and the set of SNI hosts of a
//   tlsRoutes entry (a route whose matches name two ports matches nothing, as in Argo); with
//   tlsRoutes empty, the only tls route (kInvalid when several). tcp: the same by port only.
// - A VirtualService with none of these to route is kInvalid.
// Which destinations: the canary destination of a route is the one whose host names the
// canary host (hosts.h: short or FQDN spellings of the same Service match) and, for
// subset-level routing, whose subset is the canary subset; the same for stable. A route
// lacking either, or with two of one, is kInvalid naming the VirtualService, the route and the
// destination: `VirtualService bookinfo/reviews http route "primary" has no destination for
// subset canary of host reviews`. Argo matches subset-level destinations by subset alone;
// the host is checked here as well.
//
// Weights: every other ("foreign") destination of a route is kept with its weight. Argo
// Rollouts deletes foreign destinations that have a non-zero weight; keeping them, the canary
// gets the requested weight w of the route's traffic and the stable what is left after the
// foreign ones: canary = min(w, 100 - F), stable = 100 - F - canary, F = sum of foreign
// weights (capped at 100), so the route still adds up to 100 and, for the usual route with
// no foreign weight, canary = w and stable = 100 - w exactly as in Argo. A weight that is
// already right is not rewritten (an omitted weight reads as 0), so the result equals the
// live object when nothing is to change.
//
// Managed routes (setHeaderRoute / setMirrorRoute, Argo's shapes):
// - header route: {name, match: [{headers: {NAME: {exact|prefix|regex: V}}}, ...] (one match
//   entry per header, so several headers are alternatives, as in Argo), route: [{destination:
//   the primary route's canary destination (host, subset, port), weight: 100}]};
// - mirror route: {name, match: [{method, uri (from path), headers}], route: a copy of the
//   primary route's destinations with the weights just computed, mirror: the canary
//   destination, mirrorPercentage: {value: percentage}};
// the primary route is the first http route chosen above (kInvalid when there is none). The
// http list is rebuilt as: the active managed routes in managedRoutes order, then every
// non-managed route in its original order; a route named in managedRoutes that is not active
// is removed. With no active managed route the list is exactly the non-managed routes.
// Calling desiredVirtualService on its own result returns the same object (idempotent).
// Other errors (kInvalid naming the VirtualService and field): spec.http/tls/tcp not a list,
// a route or destination not an object, a weight that is not an integer, w outside 0..100.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "rollout/traffic/traffic_spec.h"

namespace gitopsd::rollout {

// A destination the routes are searched for.
struct DestinationTarget {
  std::string host;            // as written in the DestinationRule's spec.host, or the Service
  std::string host_namespace;  // the namespace `host` is resolved in
  std::string subset;          // subset-level routing; empty for host-level
  // "subset canary of host reviews" or "host reviews-canary".
  std::string describe() const;
};

struct RouteTargets {
  DestinationTarget canary;
  DestinationTarget stable;
};

// Subset-level (routing.destination_rule set): both on the DestinationRule's spec.host, in its
// namespace, with the two subset names; `destination_rule` is the live object (kInvalid when
// null or without spec.host). Host-level: canaryService and stableService in the rollout's
// namespace; `destination_rule` is ignored.
core::Result<RouteTargets> routeTargets(const TrafficRouting& routing,
                                        const nlohmann::json* destination_rule);

core::Result<nlohmann::json> desiredVirtualService(const nlohmann::json& live,
                                                   const VirtualServiceRef& ref,
                                                   const TrafficRouting& routing,
                                                   const RouteTargets& targets, int canary_weight,
                                                   const std::vector<ManagedRoute>& managed_routes);

// `live` with every http route named in managedRoutes removed and nothing else changed (Argo's
// RemoveManagedRoutes, for the end of a rollout or an abort). kInvalid when spec.http is not a
// list of objects.
core::Result<nlohmann::json> withoutManagedRoutes(const nlohmann::json& live,
                                                  const VirtualServiceRef& ref,
                                                  const TrafficRouting& routing);

enum class RouteKind { kHttp, kTls, kTcp };

struct RouteWeights {
  RouteKind kind = RouteKind::kHttp;
  std::size_t index = 0;  // in spec.http / spec.tls / spec.tcp
  std::string name;       // http routes only; may be empty
  int canary = 0;
  int stable = 0;
  int foreign = 0;  // sum of the other destinations' weights
  friend bool operator==(const RouteWeights&, const RouteWeights&) = default;
};

struct VirtualServiceWeights {
  std::vector<RouteWeights> routes;  // the routes chosen above: http, then tls, then tcp
  // The canary weight when every route has the same one; nullopt otherwise (or no routes).
  std::optional<int> canaryWeight() const;
};

// The weights the live VirtualService gives now; the same routes and errors as
// desiredVirtualService.
core::Result<VirtualServiceWeights> readWeights(const nlohmann::json& live,
                                                const VirtualServiceRef& ref,
                                                const TrafficRouting& routing,
                                                const RouteTargets& targets);

// The canary/stable weights for a requested canary weight and a sum of foreign weights (see
// above). Precondition: 0 <= canary_weight <= 100, foreign >= 0.
struct WeightSplit {
  int canary = 0;
  int stable = 0;
  friend bool operator==(const WeightSplit&, const WeightSplit&) = default;
};
WeightSplit splitWeight(int canary_weight, int foreign);

}  // namespace gitopsd::rollout
