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

}  // namespace gitopsd::diff
