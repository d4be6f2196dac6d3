#include "diff/rollout_owned.h"

#include <string>
#include <vector>

#include "diff/json_path.h"

namespace gitopsd::diff {

using nlohmann::json;

namespace {

constexpr const char* kPodTemplateHash = "rollouts-pod-template-hash";
constexpr const char* kManagedByRollouts = "argo-rollouts.argoproj.io/managed-by-rollouts";

JsonPath path(std::initializer_list<PathStep> steps) { return JsonPath(steps); }

void stripVirtualServiceWeights(json& vs) {
  std::vector<JsonPath> paths;
  for (const char* section : {"http", "tls", "tcp"}) {
    const json* routes_list = findPath(vs, path({std::string("spec"), std::string(section)}));
    if (routes_list == nullptr || !routes_list->is_array()) continue;
    for (std::size_t i = 0; i < routes_list->size(); ++i) {
      const json& entry = (*routes_list)[i];
      if (!entry.is_object() || !entry.contains("route") || !entry["route"].is_array()) continue;
      for (std::size_t j = 0; j < entry["route"].size(); ++j) {
        paths.push_back(path({std::string("spec"), std::string(section), i, std::string("route"), j,
                              std::string("weight")}));
      }
    }
  }
  removePaths(vs, std::move(paths));
}

void stripDestinationRuleHashes(json& dr) {
  std::vector<JsonPath> paths;
  const json* subsets = findPath(dr, path({std::string("spec"), std::string("subsets")}));
  if (subsets != nullptr && subsets->is_array()) {
    for (std::size_t i = 0; i < subsets->size(); ++i) {
      paths.push_back(path({std::string("spec"), std::string("subsets"), i, std::string("labels"),
                            std::string(kPodTemplateHash)}));
    }
  }
  removePaths(dr, std::move(paths));
}

void removeAnnotation(json& obj, const char* annotation) {
  removePath(obj, {std::string("metadata"), std::string("annotations"), std::string(annotation)});
}

void stripOne(const core::ResourceKey& key, json& obj, const RolloutOwnedFields& owned) {
  if (key.group == "networking.istio.io" && key.kind == "VirtualService") {
    stripVirtualServiceWeights(obj);
  } else if (key.group == "networking.istio.io" && key.kind == "DestinationRule") {
    stripDestinationRuleHashes(obj);
    removeAnnotation(obj, kManagedByRollouts);
  } else if (key.group.empty() && key.kind == "Service") {
    removePath(obj, {std::string("spec"), std::string("selector"), std::string(kPodTemplateHash)});
    removeAnnotation(obj, kManagedByRollouts);
  } else if (key.group == "argoproj.io" && key.kind == "Rollout") {
    removeAnnotation(obj, "rollout.argoproj.io/revision");
    removeAnnotation(obj, "rollout.argoproj.io/workload-generation");
  } else if (key.group == "apps" && key.kind == "Deployment" &&
             owned.workload_ref_deployments.count(key) != 0) {
    removePath(obj, {std::string("spec"), std::string("replicas")});
  }
}

}  // namespace

void stripRolloutOwnedFields(const core::ResourceKey& key, json& predicted, json& live,
                             const RolloutOwnedFields& owned) {
  stripOne(key, predicted, owned);
  stripOne(key, live, owned);
}

namespace {

void keepAnnotation(json& desired, const json& live, const char* annotation) {
  const json* value = findPath(
      live, path({std::string("metadata"), std::string("annotations"), std::string(annotation)}));
  if (value != nullptr) desired["metadata"]["annotations"][annotation] = *value;
}

bool sameDestination(const json& a, const json& b) {
  const json& da = a.value("destination", json::object());
  const json& db = b.value("destination", json::object());
  return da.value("host", "") == db.value("host", "") &&
         da.value("subset", "") == db.value("subset", "");
}

}  // namespace

void keepRolloutOwnedLiveValues(const core::ResourceKey& key, json& desired, const json& live) {
  if (key.group == "networking.istio.io" && key.kind == "VirtualService") {
    for (const char* section : {"http", "tls", "tcp"}) {
      const json* live_routes = findPath(live, path({std::string("spec"), std::string(section)}));
      if (live_routes == nullptr || !live_routes->is_array() || !desired.contains("spec") ||
          !desired["spec"].contains(section) || !desired["spec"][section].is_array()) {
        continue;
      }
      json& routes = desired["spec"][section];
      for (std::size_t i = 0; i < routes.size() && i < live_routes->size(); ++i) {
        const json& live_entry = (*live_routes)[i];
        if (!routes[i].is_object() || !routes[i].contains("route") || !live_entry.is_object() ||
            !live_entry.contains("route")) {
          continue;
        }
        json& destinations = routes[i]["route"];
        const json& live_destinations = live_entry["route"];
        for (std::size_t j = 0; j < destinations.size() && j < live_destinations.size(); ++j) {
          if (sameDestination(destinations[j], live_destinations[j]) &&
              live_destinations[j].contains("weight")) {
            destinations[j]["weight"] = live_destinations[j]["weight"];
          }
        }
      }
    }
  } else if (key.group == "networking.istio.io" && key.kind == "DestinationRule") {
    const json* live_subsets = findPath(live, path({std::string("spec"), std::string("subsets")}));
    if (live_subsets != nullptr && live_subsets->is_array() && desired.contains("spec") &&
        desired["spec"].contains("subsets") && desired["spec"]["subsets"].is_array()) {
      for (auto& subset : desired["spec"]["subsets"]) {
        for (const auto& live_subset : *live_subsets) {
          const json* hash =
              findPath(live_subset, path({std::string("labels"), std::string(kPodTemplateHash)}));
          if (subset.is_object() && live_subset.value("name", "") == subset.value("name", "") &&
              hash != nullptr) {
            subset["labels"][kPodTemplateHash] = *hash;
          }
        }
      }
    }
    keepAnnotation(desired, live, kManagedByRollouts);
  } else if (key.group.empty() && key.kind == "Service") {
    const json* hash = findPath(
        live, path({std::string("spec"), std::string("selector"), std::string(kPodTemplateHash)}));
    if (hash != nullptr) desired["spec"]["selector"][kPodTemplateHash] = *hash;
    keepAnnotation(desired, live, kManagedByRollouts);
  }
}

}  // namespace gitopsd::diff
