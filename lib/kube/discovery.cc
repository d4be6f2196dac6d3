#include "kube/discovery.h"

#include <nlohmann/json.hpp>

#include "kube/api_error.h"

namespace gitopsd::kube {
namespace {

using core::Result;
using core::Status;
using nlohmann::json;

constexpr const char* kAggregatedAccept =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";

std::string text(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json& array(const json& object, const char* key) {
  static const json kEmpty = json::array();
  const auto it = object.find(key);
  return it != object.end() && it->is_array() ? *it : kEmpty;
}

std::vector<std::string> strings(const json& list) {
  std::vector<std::string> out;
  for (const auto& item : list) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

using ResourceMap = std::map<GroupVersionKind, ApiResource>;

void add(ResourceMap& resources, ApiResource resource) {
  GroupVersionKind type{resource.group, resource.version, resource.kind};
  resources.insert_or_assign(std::move(type), std::move(resource));
}

Result<json> getJson(HttpTransport& transport, const std::string& path, const char* accept) {
  HttpRequest request;
  request.path = path;
  request.headers.emplace_back("Accept", accept);
  auto response = transport.send(request);
  if (!response.ok()) return response.status();
  if (response->status != 200) {
    return decodeApiError(response->status, response->body, "discovery GET " + path);
  }
  json body = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    return core::invalidError("discovery GET " + path + ": response is not JSON");
  }
  return body;
}

// apidiscovery.k8s.io/v2 APIGroupDiscoveryList.
void readAggregated(const json& list, ResourceMap& resources) {
  for (const auto& group : array(list, "items")) {
    const auto metadata = group.find("metadata");
    const std::string group_name =
        metadata != group.end() && metadata->is_object() ? text(*metadata, "name") : "";
    for (const auto& version : array(group, "versions")) {
      const std::string version_name = text(version, "version");
      for (const auto& entry : array(version, "resources")) {
        ApiResource resource;
        resource.group = group_name;
        resource.version = version_name;
        resource.resource = text(entry, "resource");
        const auto kind = entry.find("responseKind");
        resource.kind = kind != entry.end() && kind->is_object() ? text(*kind, "kind") : "";
        resource.namespaced = text(entry, "scope") == "Namespaced";
        resource.verbs = strings(array(entry, "verbs"));
        for (const auto& sub : array(entry, "subresources")) {
          if (text(sub, "subresource") == "status") resource.has_status = true;
        }
        if (resource.kind.empty() || resource.resource.empty()) continue;
        add(resources, std::move(resource));
      }
    }
  }
}

// The per-group-version documents of servers without aggregated discovery.
Status readLegacyGroupVersion(HttpTransport& transport, const std::string& group,
                              const std::string& version, ResourceMap& resources) {
  const std::string path = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  auto list = getJson(transport, path, "application/json");
  if (!list.ok()) return list.status();
  std::map<std::string, bool> has_status;
  for (const auto& entry : array(*list, "resources")) {
    const std::string name = text(entry, "name");
    if (const auto slash = name.find('/'); slash != std::string::npos) {
      if (name.substr(slash + 1) == "status") has_status[name.substr(0, slash)] = true;
    }
  }
  for (const auto& entry : array(*list, "resources")) {
    ApiResource resource;
    resource.group = group;
    resource.version = version;
    resource.resource = text(entry, "name");
    if (resource.resource.find('/') != std::string::npos) continue;
    resource.kind = text(entry, "kind");
    const auto namespaced = entry.find("namespaced");
    resource.namespaced =
        namespaced != entry.end() && namespaced->is_boolean() && namespaced->get<bool>();
    resource.verbs = strings(array(entry, "verbs"));
    resource.has_status = has_status[resource.resource];
    add(resources, std::move(resource));
  }
  return {};
}

Status readLegacy(HttpTransport& transport, ResourceMap& resources) {
  auto core_versions = getJson(transport, "/api", "application/json");
  if (!core_versions.ok()) return core_versions.status();
  for (const auto& version : strings(array(*core_versions, "versions"))) {
    if (Status status = readLegacyGroupVersion(transport, "", version, resources); !status.ok()) {
      return status;
    }
  }
  auto groups = getJson(transport, "/apis", "application/json");
  if (!groups.ok()) return groups.status();
  for (const auto& group : array(*groups, "groups")) {
    const std::string name = text(group, "name");
    for (const auto& version : array(group, "versions")) {
      Status status = readLegacyGroupVersion(transport, name, text(version, "version"), resources);
      // A group version that went away between the two requests is not an error.
      if (!status.ok() && status.code() != core::StatusCode::kNotFound) return status;
    }
  }
  return {};
}

}  // namespace

Discovery::Discovery(HttpTransport& transport, const core::Clock& clock,
                     std::chrono::milliseconds min_refresh_interval)
    : transport_(transport), clock_(clock), min_refresh_interval_(min_refresh_interval) {}

Status Discovery::refreshLocked() {
  ResourceMap resources;
  bool aggregated = true;
  for (const char* root : {"/api", "/apis"}) {
    auto list = getJson(transport_, root, kAggregatedAccept);
    if (!list.ok()) return list.status();
    if (text(*list, "kind") != "APIGroupDiscoveryList") {
      aggregated = false;
      break;
    }
    readAggregated(*list, resources);
  }
  if (!aggregated) {
    resources.clear();
    if (Status status = readLegacy(transport_, resources); !status.ok()) return status;
  }
  by_type_ = std::move(resources);
  aggregated_ = aggregated;
  loaded_ = true;
  last_refresh_ = clock_.now();
  return {};
}

Status Discovery::ensureLoadedLocked() { return loaded_ ? Status() : refreshLocked(); }

bool Discovery::refreshAllowedLocked() const {
  return clock_.now() - last_refresh_ >= min_refresh_interval_;
}

Status Discovery::refresh() {
  std::lock_guard lock(mutex_);
  return refreshLocked();
}

Result<ApiResource> Discovery::resourceFor(const GroupVersionKind& type) {
  std::lock_guard lock(mutex_);
  if (Status status = ensureLoadedLocked(); !status.ok()) return status;
  auto found = by_type_.find(type);
  if (found == by_type_.end() && refreshAllowedLocked()) {
    if (Status status = refreshLocked(); !status.ok()) return status;
    found = by_type_.find(type);
  }
  if (found == by_type_.end()) {
    return core::notFoundError("the server does not serve " + type.toString() +
                               " (is its CustomResourceDefinition installed?)");
  }
  return found->second;
}

bool Discovery::aggregated() const {
  std::lock_guard lock(mutex_);
  return aggregated_;
}

}  // namespace gitopsd::kube
