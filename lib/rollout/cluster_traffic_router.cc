// The TrafficRouter over the cluster: objects from the shared watch cache, the pure traffic
// module (traffic/) for what to write, writes by update with the object's resourceVersion.
#include <optional>

#include "rollout/traffic/destination_rule.h"
#include "rollout/traffic/service_selector.h"
#include "rollout/traffic/traffic_plan.h"
#include "rollout/traffic/traffic_spec.h"
#include "rollout/traffic_router.h"

namespace gitopsd::rollout {

using nlohmann::json;

namespace {

const kube::GroupVersionKind kService{"", "v1", "Service"};
const kube::GroupVersionKind kVirtualService{"networking.istio.io", "v1", "VirtualService"};
const kube::GroupVersionKind kDestinationRule{"networking.istio.io", "v1", "DestinationRule"};

class ClusterTrafficRouter final : public TrafficRouter {
 public:
  ClusterTrafficRouter(json rollout, TrafficRouting routing, kube::KubeClient& client,
                       app::LiveCache& cache, std::string field_manager)
      : rollout_(std::move(rollout)),
        routing_(std::move(routing)),
        client_(client),
        cache_(cache),
        field_manager_(std::move(field_manager)) {}

  core::Result<TrafficState> read() override {
    const LiveTrafficObjects live = gather();
    if (auto s = validateReferences(routing_, live); !s.ok()) return s;
    TrafficState state;
    if (routing_.istio()) {
      auto weights = readTrafficWeights(routing_, live);
      if (!weights.ok()) return weights.status();
      state.canary_weight = weights->canary.value_or(0);
    }
    if (routing_.subsetLevel()) {
      auto hashes = readSubsetHashes(*live.destination_rule, *routing_.destination_rule);
      if (!hashes.ok()) return hashes.status();
      state.canary_hash = hashes->canary;
      state.stable_hash = hashes->stable;
    } else {
      if (live.canary_service) state.canary_hash = serviceSelectorHash(*live.canary_service);
      if (live.stable_service) state.stable_hash = serviceSelectorHash(*live.stable_service);
    }
    return state;
  }

  core::Status apply(const TrafficState& want, int managed_routes_through) override {
    const LiveTrafficObjects live = gather();
    TrafficTarget target;
    target.canary_weight = want.canary_weight;
    target.canary_hash = want.canary_hash;
    target.stable_hash = want.stable_hash;
    if (managed_routes_through >= 0) {
      auto routes = activeManagedRoutes(rollout_, routing_, managed_routes_through);
      if (!routes.ok()) return routes.status();
      target.managed_routes = std::move(routes).value();
    }
    auto plan = planTraffic(routing_, live, target);
    if (!plan.ok()) return plan.status();
    for (const auto& update : plan->updates) {
      if (!update.changed) continue;
      auto written = client_.update(update.desired, {false, field_manager_});
      if (!written.ok()) {
        return written.status().withContext(update.kind + " " + update.object.toString());
      }
    }
    return {};
  }

 private:
  std::optional<json> cached(const kube::GroupVersionKind& type, const ObjectName& object) const {
    const auto found = cache_.get(type, object.namespace_, object.name);
    if (!found) return std::nullopt;
    return *found;
  }

  LiveTrafficObjects gather() const {
    LiveTrafficObjects live;
    for (const auto& ref : routing_.virtual_services) {
      live.virtual_services[ref.object] = cached(kVirtualService, ref.object);
    }
    if (routing_.destination_rule) {
      live.destination_rule = cached(kDestinationRule, routing_.destination_rule->object);
    }
    const std::string& ns = routing_.rollout_namespace;
    if (!routing_.canary_service.empty()) {
      live.canary_service = cached(kService, {ns, routing_.canary_service});
    }
    if (!routing_.stable_service.empty()) {
      live.stable_service = cached(kService, {ns, routing_.stable_service});
    }
    return live;
  }

  json rollout_;
  TrafficRouting routing_;
  kube::KubeClient& client_;
  app::LiveCache& cache_;
  std::string field_manager_;
};

// A router that only reports why the routing cannot be used: the controller shows it as the
// Rollout's InvalidSpec.
class RefusingRouter final : public TrafficRouter {
 public:
  explicit RefusingRouter(core::Status why) : why_(std::move(why)) {}
  core::Result<TrafficState> read() override { return why_; }
  core::Status apply(const TrafficState&, int) override { return why_; }

 private:
  core::Status why_;
};

}  // namespace

std::unique_ptr<TrafficRouter> makeTrafficRouter(const json& rollout, kube::KubeClient& client,
                                                 app::LiveCache& cache,
                                                 const std::string& field_manager) {
  auto routing = parseTrafficRouting(rollout);
  if (!routing.ok()) {
    core::Status why = routing.status();
    if (why.code() == core::StatusCode::kUnimplemented) {
      why = core::invalidError(why.message());  // an unsupported router is the user's to fix
    }
    return std::make_unique<RefusingRouter>(std::move(why));
  }
  // canaryService/stableService without Istio (a replica-count canary) route nothing here.
  if (!routing->istio()) return nullptr;
  return std::make_unique<ClusterTrafficRouter>(rollout, std::move(routing).value(), client, cache,
                                                field_manager);
}

}  // namespace gitopsd::rollout
