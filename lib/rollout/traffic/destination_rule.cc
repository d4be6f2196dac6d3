#include "rollout/traffic/destination_rule.h"

#include "rollout/traffic/json_fields.h"

namespace gitopsd::rollout {

using core::invalidError;
using core::Result;
using core::Status;
using nlohmann::json;

namespace {

std::string describe(const ObjectName& object) { return "DestinationRule " + object.toString(); }

// Index of each of the two subsets in spec.subsets; kInvalid naming a missing one.
Status findSubsets(const json& live, const DestinationRuleRef& ref, std::size_t& canary,
                   std::size_t& stable) {
  const json* spec = detail::member(live, "spec");
  const json* subsets = spec != nullptr ? detail::member(*spec, "subsets") : nullptr;
  if (subsets != nullptr && !subsets->is_array()) {
    return invalidError(describe(ref.object) + ": spec.subsets must be a list");
  }
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  canary = kNone;
  stable = kNone;
  if (subsets != nullptr) {
    for (std::size_t i = 0; i < subsets->size(); ++i) {
      const json& subset = (*subsets)[i];
      if (!subset.is_object()) {
        return invalidError(describe(ref.object) + ": spec.subsets[" + std::to_string(i) +
                            "] must be an object");
      }
      const json* labels = detail::member(subset, "labels");
      if (labels != nullptr && !labels->is_object()) {
        return invalidError(describe(ref.object) + ": spec.subsets[" + std::to_string(i) +
                            "].labels must be an object");
      }
      const json* name = detail::member(subset, "name");
      if (name == nullptr || !name->is_string()) {
        continue;
      }
      if (*name == ref.canary_subset && canary == kNone) {
        canary = i;
      } else if (*name == ref.stable_subset && stable == kNone) {
        stable = i;
      }
    }
  }
  if (canary == kNone) {
    return invalidError(describe(ref.object) + " has no subset " + ref.canary_subset);
  }
  if (stable == kNone) {
    return invalidError(describe(ref.object) + " has no subset " + ref.stable_subset);
  }
  return {};
}

void setHash(json& subset, std::string_view hash) {
  const std::string key(kPodTemplateHashLabel);
  if (hash.empty()) {
    if (subset.contains("labels") && subset["labels"].is_object()) {
      subset["labels"].erase(key);
    }
    return;
  }
  if (!subset.contains("labels") || !subset["labels"].is_object()) {
    subset["labels"] = json::object();
  }
  subset["labels"][key] = std::string(hash);
}

std::string hashOf(const json& subset) {
  const json* labels = detail::member(subset, "labels");
  const json* hash = labels != nullptr ? detail::member(*labels, kPodTemplateHashLabel) : nullptr;
  return hash != nullptr && hash->is_string() ? hash->get<std::string>() : std::string();
}

}  // namespace

Result<json> desiredDestinationRule(const json& live, const DestinationRuleRef& ref,
                                    std::string_view rollout_name, std::string_view canary_hash,
                                    std::string_view stable_hash) {
  std::size_t canary = 0;
  std::size_t stable = 0;
  if (Status s = findSubsets(live, ref, canary, stable); !s.ok()) {
    return s;
  }
  json desired = live;
  json& subsets = desired["spec"]["subsets"];
  setHash(subsets[canary], canary_hash);
  setHash(subsets[stable], stable_hash);
  json& metadata = desired["metadata"];
  if (!metadata.contains("annotations") || !metadata["annotations"].is_object()) {
    metadata["annotations"] = json::object();
  }
  metadata["annotations"][std::string(kManagedByAnnotation)] = std::string(rollout_name);
  return desired;
}

json releasedDestinationRule(const json& live, std::string_view rollout_name) {
  const json* metadata = detail::member(live, "metadata");
  const json* annotations =
      metadata != nullptr ? detail::member(*metadata, "annotations") : nullptr;
  const json* owner =
      annotations != nullptr ? detail::member(*annotations, kManagedByAnnotation) : nullptr;
  if (owner == nullptr || !owner->is_string() || *owner != rollout_name) {
    return live;
  }
  json released = live;
  released["metadata"]["annotations"].erase(std::string(kManagedByAnnotation));
  if (released["metadata"]["annotations"].empty()) {
    released["metadata"].erase("annotations");
  }
  const json* spec = detail::member(live, "spec");
  const json* subsets = spec != nullptr ? detail::member(*spec, "subsets") : nullptr;
  if (subsets != nullptr && subsets->is_array()) {
    for (json& subset : released["spec"]["subsets"]) {
      if (subset.is_object() && subset.contains("labels") && subset["labels"].is_object()) {
        subset["labels"].erase(std::string(kPodTemplateHashLabel));
      }
    }
  }
  return released;
}

Result<SubsetHashes> readSubsetHashes(const json& live, const DestinationRuleRef& ref) {
  std::size_t canary = 0;
  std::size_t stable = 0;
  if (Status s = findSubsets(live, ref, canary, stable); !s.ok()) {
    return s;
  }
  const json& subsets = live["spec"]["subsets"];
  return SubsetHashes{hashOf(subsets[canary]), hashOf(subsets[stable])};
}

Result<std::string> destinationRuleHost(const json& live, const ObjectName& object) {
  const json* spec = detail::member(live, "spec");
  const json* host = spec != nullptr ? detail::member(*spec, "host") : nullptr;
  if (host == nullptr || !host->is_string() || host->get<std::string>().empty()) {
    return invalidError(describe(object) + ": spec.host required");
  }
  return host->get<std::string>();
}

bool needsWrite(const json& live, const json& desired) { return live != desired; }

}  // namespace gitopsd::rollout
