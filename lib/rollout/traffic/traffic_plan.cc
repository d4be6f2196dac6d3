#include "rollout/traffic/traffic_plan.h"

#include <tuple>

#include "rollout/traffic/destination_rule.h"
#include "rollout/traffic/json_fields.h"
#include "rollout/traffic/service_selector.h"

namespace gitopsd::rollout {

using core::invalidError;
using core::Result;
using core::Status;
using nlohmann::json;

namespace {

std::string ownerOf(const json& object) {
  const json* metadata = detail::member(object, "metadata");
  const json* annotations =
      metadata != nullptr ? detail::member(*metadata, "annotations") : nullptr;
  const json* value =
      annotations != nullptr ? detail::member(*annotations, kManagedByAnnotation) : nullptr;
  return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
}

Status checkOwner(const json& object, const std::string& what, const std::string& rollout) {
  const std::string owner = ownerOf(object);
  if (!owner.empty() && owner != rollout) {
    return invalidError(what + " is managed by Rollout " + owner);
  }
  return {};
}

const json* virtualService(const LiveTrafficObjects& live, const ObjectName& name) {
  const auto it = live.virtual_services.find(name);
  if (it == live.virtual_services.end() || !it->second || it->second->is_null()) {
    return nullptr;
  }
  return &*it->second;
}

bool present(const std::optional<json>& object) { return object && !object->is_null(); }

}  // namespace

bool TrafficPlan::changed() const {
  for (const auto& update : updates) {
    if (update.changed) {
      return true;
    }
  }
  return false;
}

Status validateReferences(const TrafficRouting& routing, const LiveTrafficObjects& live) {
  for (const auto& [service, object] : {std::pair{&routing.canary_service, &live.canary_service},
                                        std::pair{&routing.stable_service, &live.stable_service}}) {
    if (service->empty()) {
      continue;
    }
    const std::string what = "Service " + routing.rollout_namespace + "/" + *service;
    if (!present(*object)) {
      return invalidError(what + " not found");
    }
    if (Status s = checkOwner(**object, what, routing.rollout_name); !s.ok()) {
      return s;
    }
  }
  if (routing.destination_rule) {
    const std::string what = "DestinationRule " + routing.destination_rule->object.toString();
    if (!present(live.destination_rule)) {
      return invalidError(what + " not found");
    }
    if (Status s = checkOwner(*live.destination_rule, what, routing.rollout_name); !s.ok()) {
      return s;
    }
    if (auto hashes = readSubsetHashes(*live.destination_rule, *routing.destination_rule);
        !hashes.ok()) {
      return hashes.status();
    }
  }
  for (const auto& ref : routing.virtual_services) {
    if (virtualService(live, ref.object) == nullptr) {
      return invalidError("VirtualService " + ref.object.toString() + " not found");
    }
  }
  return {};
}

Result<TrafficPlan> planTraffic(const TrafficRouting& routing, const LiveTrafficObjects& live,
                                const TrafficTarget& target) {
  if (target.canary_weight < 0 || target.canary_weight > 100) {
    return invalidError("canary weight " + std::to_string(target.canary_weight) +
                        " must be in 0..100");
  }
  if (Status s = validateReferences(routing, live); !s.ok()) {
    return s;
  }
  TrafficPlan plan;
  for (const auto& [service, object, hash] :
       {std::tuple{&routing.canary_service, &live.canary_service, &target.canary_hash},
        std::tuple{&routing.stable_service, &live.stable_service, &target.stable_hash}}) {
    if (service->empty() || hash->empty()) {
      continue;
    }
    const ObjectName name{routing.rollout_namespace, *service};
    auto desired = desiredService(**object, name, routing.rollout_name, *hash);
    if (!desired.ok()) {
      return desired.status();
    }
    const bool changed = needsWrite(**object, *desired);
    plan.updates.push_back({"Service", name, std::move(desired).value(), changed});
  }
  const json* dr_object = nullptr;
  if (routing.destination_rule) {
    const DestinationRuleRef& ref = *routing.destination_rule;
    auto desired = desiredDestinationRule(*live.destination_rule, ref, routing.rollout_name,
                                          target.canary_hash, target.stable_hash);
    if (!desired.ok()) {
      return desired.status();
    }
    const bool changed = needsWrite(*live.destination_rule, *desired);
    plan.updates.push_back({"DestinationRule", ref.object, std::move(desired).value(), changed});
    dr_object = &*live.destination_rule;
  }
  if (routing.istio()) {
    auto targets = routeTargets(routing, dr_object);
    if (!targets.ok()) {
      return targets.status();
    }
    for (const auto& ref : routing.virtual_services) {
      const json& vs = *virtualService(live, ref.object);
      auto desired = desiredVirtualService(vs, ref, routing, *targets, target.canary_weight,
                                           target.managed_routes);
      if (!desired.ok()) {
        return desired.status();
      }
      const bool changed = needsWrite(vs, *desired);
      plan.updates.push_back({"VirtualService", ref.object, std::move(desired).value(), changed});
    }
  }
  return plan;
}

Result<TrafficWeights> readTrafficWeights(const TrafficRouting& routing,
                                          const LiveTrafficObjects& live) {
  TrafficWeights weights;
  if (!routing.istio()) {
    return weights;
  }
  if (Status s = validateReferences(routing, live); !s.ok()) {
    return s;
  }
  auto targets =
      routeTargets(routing, routing.destination_rule ? &*live.destination_rule
                                                     : static_cast<const json*>(nullptr));
  if (!targets.ok()) {
    return targets.status();
  }
  bool agree = true;
  for (const auto& ref : routing.virtual_services) {
    auto read = readWeights(*virtualService(live, ref.object), ref, routing, *targets);
    if (!read.ok()) {
      return read.status();
    }
    const auto canary = read->canaryWeight();
    if (!canary || (weights.canary && *weights.canary != *canary)) {
      agree = false;
    }
    if (canary && !weights.canary) {
      weights.canary = canary;
    }
    weights.virtual_services.emplace_back(ref.object, std::move(read).value());
  }
  if (!agree) {
    weights.canary.reset();
  }
  return weights;
}

}  // namespace gitopsd::rollout
