// Builders for sync planning tests: objects (makeDeployment("web").wave(2)) and the
// ResourceState pairs planSync takes.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kube/types.h"
#include "sync/plan.h"

namespace gitopsd::sync::testing {

class ObjectBuilder {
 public:
  ObjectBuilder(std::string api_version, std::string kind, std::string name) {
    object_ = {{"apiVersion", std::move(api_version)},
               {"kind", std::move(kind)},
               {"metadata", {{"name", std::move(name)}}}};
  }

  ObjectBuilder& ns(std::string namespace_) {
    object_["metadata"]["namespace"] = std::move(namespace_);
    return *this;
  }
  ObjectBuilder& annotate(const std::string& key, std::string value) {
    object_["metadata"]["annotations"][key] = std::move(value);
    return *this;
  }
  ObjectBuilder& wave(int wave) {
    return annotate(std::string(kSyncWaveAnnotation), std::to_string(wave));
  }
  ObjectBuilder& waveText(std::string text) {
    return annotate(std::string(kSyncWaveAnnotation), std::move(text));
  }
  ObjectBuilder& hook(std::string types) {
    return annotate(std::string(kHookAnnotation), std::move(types));
  }
  ObjectBuilder& deletePolicy(std::string policies) {
    return annotate(std::string(kHookDeletePolicyAnnotation), std::move(policies));
  }
  ObjectBuilder& syncOptions(std::string options) {
    return annotate(std::string(kSyncOptionsAnnotation), std::move(options));
  }
  // Replaces metadata.name with metadata.generateName.
  ObjectBuilder& generateName(std::string prefix) {
    object_["metadata"].erase("name");
    object_["metadata"]["generateName"] = std::move(prefix);
    return *this;
  }
  ObjectBuilder& set(const std::string& pointer, kube::Object value) {
    object_[kube::Object::json_pointer(pointer)] = std::move(value);
    return *this;
  }

  // The key planSync would be given: group from apiVersion, kind, namespace, name (or
  // generateName when there is no name).
  core::ResourceKey key() const {
    core::ResourceKey key;
    const auto api_version = object_["apiVersion"].get<std::string>();
    const auto slash = api_version.find('/');
    if (slash != std::string::npos) key.group = api_version.substr(0, slash);
    key.kind = object_["kind"].get<std::string>();
    const auto& metadata = object_["metadata"];
    key.namespace_ = metadata.value("namespace", "");
    key.name = metadata.contains("name") ? metadata["name"].get<std::string>()
                                         : metadata.value("generateName", "");
    return key;
  }

  const kube::Object& object() const { return object_; }
  operator kube::Object() const { return object_; }  // NOLINT(google-explicit-constructor)

 private:
  kube::Object object_;
};

inline ObjectBuilder makeObject(std::string api_version, std::string kind, std::string name) {
  return ObjectBuilder(std::move(api_version), std::move(kind), std::move(name));
}
inline ObjectBuilder makeDeployment(std::string name) {
  return ObjectBuilder("apps/v1", "Deployment", std::move(name)).ns("default");
}
inline ObjectBuilder makeService(std::string name) {
  return ObjectBuilder("v1", "Service", std::move(name)).ns("default");
}
inline ObjectBuilder makeConfigMap(std::string name) {
  return ObjectBuilder("v1", "ConfigMap", std::move(name)).ns("default");
}
inline ObjectBuilder makeJob(std::string name) {
  return ObjectBuilder("batch/v1", "Job", std::move(name)).ns("default");
}
inline ObjectBuilder makeNamespace(std::string name) {
  return ObjectBuilder("v1", "Namespace", std::move(name));
}
inline ObjectBuilder makeCrd(const std::string& group, const std::string& kind,
                             const std::string& plural) {
  return ObjectBuilder("apiextensions.k8s.io/v1", "CustomResourceDefinition", plural + "." + group)
      .set("/spec/group", group)
      .set("/spec/names/kind", kind)
      .set("/spec/names/plural", plural)
      .set("/spec/scope", "Namespaced");
}

// Desired only (missing live).
inline ResourceState desired(const ObjectBuilder& object, bool namespaced = true) {
  ResourceState state;
  state.key = object.key();
  state.desired = object.object();
  state.out_of_sync = true;
  state.namespaced = namespaced;
  return state;
}
// Desired and live; out_of_sync as given.
inline ResourceState both(const ObjectBuilder& object, bool out_of_sync, bool namespaced = true) {
  ResourceState state = desired(object, namespaced);
  state.live = std::make_shared<const kube::Object>(object.object());
  state.out_of_sync = out_of_sync;
  return state;
}
// Live only: a prune candidate.
inline ResourceState liveOnly(const ObjectBuilder& object, bool namespaced = true) {
  ResourceState state;
  state.key = object.key();
  state.live = std::make_shared<const kube::Object>(object.object());
  state.out_of_sync = true;
  state.namespaced = namespaced;
  return state;
}

// "Phase/wave Action group/Kind:ns/name" per task, for readable comparisons.
inline std::vector<std::string> describe(const std::vector<SyncTask>& tasks) {
  std::vector<std::string> out;
  for (const auto& task : tasks) {
    out.push_back(std::string(phaseName(task.phase)) + "/" + std::to_string(task.wave) + " " +
                  std::string(actionName(task.action)) + " " + task.key.toString());
  }
  return out;
}

}  // namespace gitopsd::sync::testing
