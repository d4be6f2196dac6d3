#include "rollout/traffic/service_selector.h"

#include "rollout/traffic/json_fields.h"

namespace gitopsd::rollout {

using core::invalidError;
using core::Result;
using nlohmann::json;

namespace {

std::string owner(const json& live) {
  const json* metadata = detail::member(live, "metadata");
  const json* annotations =
      metadata != nullptr ? detail::member(*metadata, "annotations") : nullptr;
  const json* value =
      annotations != nullptr ? detail::member(*annotations, kManagedByAnnotation) : nullptr;
  return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
}

bool hasOwner(const json& live) {
  const json* metadata = detail::member(live, "metadata");
  const json* annotations =
      metadata != nullptr ? detail::member(*metadata, "annotations") : nullptr;
  return annotations != nullptr && detail::member(*annotations, kManagedByAnnotation) != nullptr;
}

}  // namespace

Result<json> desiredService(const json& live, const ObjectName& object,
                            std::string_view rollout_name, std::string_view hash) {
  const std::string what = "Service " + object.toString();
  if (hash.empty()) {
    return invalidError(what + ": no pod-template hash to select");
  }
  if (hasOwner(live) && owner(live) != rollout_name) {
    return invalidError(what + " is managed by Rollout " + owner(live));
  }
  const json* spec = detail::member(live, "spec");
  const json* selector = spec != nullptr ? detail::member(*spec, "selector") : nullptr;
  if (selector != nullptr && !selector->is_object()) {
    return invalidError(what + ": spec.selector must be an object");
  }
  json desired = live;
  desired["spec"]["selector"][std::string(kPodTemplateHashLabel)] = std::string(hash);
  if (!hasOwner(live)) {
    json& metadata = desired["metadata"];
    if (!metadata.contains("annotations") || !metadata["annotations"].is_object()) {
      metadata["annotations"] = json::object();
    }
    metadata["annotations"][std::string(kManagedByAnnotation)] = std::string(rollout_name);
  }
  return desired;
}

json releasedService(const json& live, std::string_view rollout_name) {
  if (!hasOwner(live) || owner(live) != rollout_name) {
    return live;
  }
  json released = live;
  released["metadata"]["annotations"].erase(std::string(kManagedByAnnotation));
  if (released["metadata"]["annotations"].empty()) {
    released["metadata"].erase("annotations");
  }
  const json* spec = detail::member(live, "spec");
  const json* selector = spec != nullptr ? detail::member(*spec, "selector") : nullptr;
  if (selector != nullptr && selector->is_object()) {
    released["spec"]["selector"].erase(std::string(kPodTemplateHashLabel));
  }
  return released;
}

std::string serviceSelectorHash(const json& live) {
  const json* spec = detail::member(live, "spec");
  const json* selector = spec != nullptr ? detail::member(*spec, "selector") : nullptr;
  const json* hash =
      selector != nullptr ? detail::member(*selector, kPodTemplateHashLabel) : nullptr;
  return hash != nullptr && hash->is_string() ? hash->get<std::string>() : std::string();
}

}  // namespace gitopsd::rollout
