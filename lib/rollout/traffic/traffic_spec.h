// A Rollout's traffic-routing configuration (Argo Rollouts v1alpha1 field names) and the
// managed-route steps (setHeaderRoute, setMirrorRoute), parsed into plain values. Pure: no
// I/O, no shared state; every function is safe to call from any thread.
//
// parseTrafficRouting(rollout) reads metadata.name/namespace and, under spec.strategy.canary:
// canaryService, stableService, trafficRouting.managedRoutes[].name and
// trafficRouting.istio.{virtualService | virtualServices[], destinationRule}.
// - A VirtualService or DestinationRule name may be `name` or Argo's `name.namespace`; it is
//   resolved to namespace/name with the rollout's namespace as default. (Argo Rollouts reads a
//   DestinationRule name literally in the rollout's namespace; the dotted form is an extension.)
//   canaryService/stableService are Service names in the rollout's namespace.
// - Errors (kInvalid, the message starts with the field path):
//   "spec.strategy.canary.trafficRouting.istio.virtualService.name: required", both or neither
//   of virtualService/virtualServices, a name with more than one dot or empty parts, a
//   destinationRule without name/canarySubsetName/stableSubsetName or with equal subset names,
//   Istio without a destinationRule and without both canaryService and stableService (Argo's
//   rule for host-level routing), canaryService == stableService, tlsRoutes[].port or
//   tcpRoutes[].port outside 0..65535, a route name listed twice or also in managedRoutes,
//   duplicate managedRoutes names, a field of the wrong type. A rollout without
//   spec.strategy.canary is kInvalid too. Any other router under trafficRouting (nginx, alb,
//   smi, plugins, ...) is kUnimplemented naming the field.
// - A canary rollout without trafficRouting parses to a TrafficRouting with no Istio part:
//   only the canary/stable Services (if given) are routed.
#pragma once

#include <compare>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status.h"

namespace gitopsd::rollout {

// The annotation Argo Rollouts puts on the objects it routes through, and the ReplicaSet
// label whose value (the pod-template hash) selects the canary or stable pods.
inline constexpr std::string_view kManagedByAnnotation =
    "argo-rollouts.argoproj.io/managed-by-rollouts";
inline constexpr std::string_view kPodTemplateHashLabel = "rollouts-pod-template-hash";

struct ObjectName {
  std::string namespace_;
  std::string name;

  std::string toString() const { return namespace_ + "/" + name; }  // "bookinfo/reviews"
  friend auto operator<=>(const ObjectName&, const ObjectName&) = default;
};

// A tls route of the VirtualService, chosen by its match's port and SNI hosts.
struct TlsRouteSelector {
  std::int64_t port = 0;  // 0: the route's matches name no port
  std::vector<std::string> sni_hosts;
  friend bool operator==(const TlsRouteSelector&, const TlsRouteSelector&) = default;
};

// A tcp route of the VirtualService, chosen by its match's port.
struct TcpRouteSelector {
  std::int64_t port = 0;
  friend bool operator==(const TcpRouteSelector&, const TcpRouteSelector&) = default;
};

struct VirtualServiceRef {
  ObjectName object;
  // The Rollout field this came from, for messages: "spec.strategy.canary.trafficRouting.
  // istio.virtualService" or "...istio.virtualServices[1]".
  std::string field;
  std::vector<std::string> http_routes;  // `routes`: http route names
  std::vector<TlsRouteSelector> tls_routes;
  std::vector<TcpRouteSelector> tcp_routes;
};

struct DestinationRuleRef {
  ObjectName object;
  std::string canary_subset;
  std::string stable_subset;
};

struct TrafficRouting {
  std::string rollout_name;
  std::string rollout_namespace;
  std::string canary_service;  // empty when not set
  std::string stable_service;  // empty when not set
  // Empty when the rollout has no Istio routing; otherwise one per configured VirtualService
  // (virtualService gives one, virtualServices one per item, in order).
  std::vector<VirtualServiceRef> virtual_services;
  // Set: subset-level routing (the VirtualService routes to subsets of the DestinationRule's
  // host). Unset: host-level routing (to canaryService and stableService).
  std::optional<DestinationRuleRef> destination_rule;
  std::vector<std::string> managed_routes;  // trafficRouting.managedRoutes[].name, in order

  bool istio() const { return !virtual_services.empty(); }
  bool subsetLevel() const { return destination_rule.has_value(); }
};

core::Result<TrafficRouting> parseTrafficRouting(const nlohmann::json& rollout);

// A string match of Argo's StringMatch: exactly one of exact, prefix, regex.
struct StringMatch {
  enum class Kind { kExact, kPrefix, kRegex };
  Kind kind = Kind::kExact;
  std::string value;

  // {"exact": value} (or "prefix"/"regex"), the shape Istio's VirtualService uses.
  nlohmann::json toIstio() const;
  friend bool operator==(const StringMatch&, const StringMatch&) = default;
};

// setHeaderRoute: requests whose headers match go 100 % to the canary.
struct HeaderRoute {
  struct Match {
    std::string header_name;
    StringMatch value;
    friend bool operator==(const Match&, const Match&) = default;
  };
  std::string name;
  std::vector<Match> match;  // empty: the step removes the route
  friend bool operator==(const HeaderRoute&, const HeaderRoute&) = default;
};

// setMirrorRoute: requests that match keep their normal destinations and are mirrored to the
// canary for `percentage` % of them.
struct MirrorRoute {
  struct Match {
    std::optional<StringMatch> method;
    std::optional<StringMatch> path;                           // written to Istio as `uri`
    std::vector<std::pair<std::string, StringMatch>> headers;  // sorted by header name
    friend bool operator==(const Match&, const Match&) = default;
  };
  std::string name;
  std::vector<Match> match;  // empty: the step removes the route
  int percentage = 100;      // Argo's default when omitted
  friend bool operator==(const MirrorRoute&, const MirrorRoute&) = default;
};

using ManagedRoute = std::variant<HeaderRoute, MirrorRoute>;

const std::string& managedRouteName(const ManagedRoute& route);

// The value of a setHeaderRoute / setMirrorRoute step; `field` is its path for messages
// ("spec.strategy.canary.steps[2].setHeaderRoute"). Errors (kInvalid naming the field): no
// name; a name not in routing.managed_routes (Argo's validation rule); a match without
// headerName or headerValue; a StringMatch with none or more than one of exact/prefix/regex;
// a mirror match with none of method/path/headers; percentage outside 0..100.
core::Result<HeaderRoute> parseSetHeaderRoute(const nlohmann::json& value, std::string_view field,
                                              const TrafficRouting& routing);
core::Result<MirrorRoute> parseSetMirrorRoute(const nlohmann::json& value, std::string_view field,
                                              const TrafficRouting& routing);

// The managed routes in force once steps[0..step_index] have run (step_index included, as in
// Argo, which applies a setHeaderRoute/setMirrorRoute step while it is the current step): a
// later step with the same name replaces an earlier one, and a step with no match removes it.
// step_index < 0 gives none; step_index past the last step counts every step (callers pass an
// empty list instead once the rollout is complete or aborted, when Argo removes them all).
// The result is in managedRoutes order. Errors: those of the two parsers above, and
// spec.strategy.canary.steps not a list.
core::Result<std::vector<ManagedRoute>> activeManagedRoutes(const nlohmann::json& rollout,
                                                            const TrafficRouting& routing,
                                                            int step_index);

}  // namespace gitopsd::rollout
