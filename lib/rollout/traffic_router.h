// TrafficRouter: how the rollout engine reads and writes the traffic split of one Rollout —
// Istio VirtualServices and DestinationRules (subset- or host-level), or plain canary/stable
// Services. Implementations read objects from the shared watch cache and write each object only
// when it has to change (optimistic concurrency on its resourceVersion; field manager of the
// engine), preserving every route, destination, subset, label and field they do not own.
//
// Errors: kInvalid naming the object and field when the routes cannot carry the canary (a
// missing VirtualService, DestinationRule, Service, route or subset) — the controller reports it
// as the Rollout's InvalidSpec; kConflict and kUnavailable are worth a retry.
//
// Thread safety: one router per reconcile; not shared between threads.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include "app/live_cache.h"
#include "core/status.h"
#include "kube/client.h"
#include "rollout/plan.h"

namespace gitopsd::rollout {

class TrafficRouter {
 public:
  virtual ~TrafficRouter() = default;

  // What the routes carry now.
  virtual core::Result<TrafficState> read() = 0;

  // Makes the routes carry want, with the header and mirror routes of steps
  // 0..managed_routes_through in effect (-1: none). Writes only the objects that differ.
  virtual core::Status apply(const TrafficState& want, int managed_routes_through) = 0;
};

// The router for a Rollout's spec.strategy.canary (Istio VirtualServices with a
// DestinationRule, Istio host-level routing, or canary/stable Services alone); null when the
// Rollout routes no traffic. It reads from cache (whose informers for Services, VirtualServices
// and DestinationRules the controller started) and writes through client with field_manager.
std::unique_ptr<TrafficRouter> makeTrafficRouter(const nlohmann::json& rollout,
                                                 kube::KubeClient& client, app::LiveCache& cache,
                                                 const std::string& field_manager);

}  // namespace gitopsd::rollout
