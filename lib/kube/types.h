// Value types shared by the Kubernetes client: object types, references, API resources.
#pragma once

#include <compare>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/resource_key.h"
#include "core/status.h"

namespace gitopsd::kube {

// Objects are unstructured: the JSON the apiserver speaks.
using Object = nlohmann::json;

struct GroupVersionKind {
  std::string group;  // "" for the core API
  std::string version;
  std::string kind;

  // "apps/v1" → {apps, v1}; "v1" → {"", v1}.
  static GroupVersionKind fromApiVersion(std::string_view api_version, std::string kind);
  std::string apiVersion() const;  // "apps/v1" or "v1"
  std::string toString() const;    // "apps/v1, Kind=Deployment"

  friend auto operator<=>(const GroupVersionKind&, const GroupVersionKind&) = default;
};

// One object by type, namespace (empty when cluster-scoped) and name.
struct ObjectRef {
  GroupVersionKind type;
  std::string namespace_;
  std::string name;

  // From an object's apiVersion, kind and metadata; kInvalid naming the missing field. With
  // accept_generate_name, an object that has only metadata.generateName is named
  // "<generateName>*", a placeholder for manifests whose real name is given when it is created
  // (hooks).
  static core::Result<ObjectRef> of(const Object& object, bool accept_generate_name = false);
  core::ResourceKey key() const { return {type.group, type.kind, namespace_, name}; }
  std::string toString() const;  // "apps/v1 Deployment bookinfo/reviews-v1"
};

// A resource the server serves, from discovery.
struct ApiResource {
  std::string group;
  std::string version;
  std::string resource;  // plural, e.g. "deployments"
  std::string kind;
  bool namespaced = false;
  bool has_status = false;  // serves the /status subresource
  std::vector<std::string> verbs;

  // Collection path, e.g. "/apis/apps/v1/namespaces/ns/deployments" ("" ns: all namespaces or
  // cluster scope).
  std::string collectionPath(std::string_view namespace_) const;
  // Object path: collectionPath(ns) + "/" + name.
  std::string objectPath(std::string_view namespace_, std::string_view name) const;
};

}  // namespace gitopsd::kube
