#include "rollout/replica_sets.h"

#include <cstdint>

#include "core/time_text.h"

namespace gitopsd::rollout {

using nlohmann::json;

namespace {

int intAt(const json& object, const json::json_pointer& pointer) {
  return object.contains(pointer) && object.at(pointer).is_number_integer()
             ? object.at(pointer).get<int>()
             : 0;
}

std::string stringAt(const json& object, const json::json_pointer& pointer) {
  return object.contains(pointer) && object.at(pointer).is_string()
             ? object.at(pointer).get<std::string>()
             : std::string();
}

void removeKeys(json& target, const json& keys) {
  if (!target.is_object() || !keys.is_object()) return;
  for (const auto& [key, value] : keys.items()) target.erase(key);
}

void overlay(json& target, const json& values) {
  if (!values.is_object()) return;
  if (!target.is_object()) target = json::object();
  for (const auto& [key, value] : values.items()) target[key] = value;
}

}  // namespace

std::string podTemplateHash(const json& pod_template, int collision_count) {
  json canonical = pod_template;
  if (canonical.contains("metadata") && canonical["metadata"].contains("labels")) {
    canonical["metadata"]["labels"].erase(kPodTemplateHashLabel);
  }
  // nlohmann::json keeps object keys sorted, so dump() is canonical.
  const std::string text = canonical.dump() + "#" + std::to_string(collision_count);
  std::uint32_t hash = 2166136261u;
  for (const unsigned char c : text) {
    hash ^= c;
    hash *= 16777619u;
  }
  // Kubernetes' rand.SafeEncodeString alphabet: no vowels, no 0/1/3 (look like letters).
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::string encoded;
  for (const char digit : std::to_string(hash)) {
    encoded.push_back(kAlphabet[static_cast<unsigned char>(digit) % (sizeof kAlphabet - 1)]);
  }
  return encoded;
}

ReplicaSetInfo describeReplicaSet(const json& replica_set) {
  ReplicaSetInfo info;
  info.name = stringAt(replica_set, "/metadata/name"_json_pointer);
  const json& labels = replica_set.value("/metadata/labels"_json_pointer, json::object());
  if (labels.contains(kPodTemplateHashLabel) && labels[kPodTemplateHashLabel].is_string()) {
    info.hash = labels[kPodTemplateHashLabel];
  }
  info.replicas = intAt(replica_set, "/spec/replicas"_json_pointer);
  const int generation = intAt(replica_set, "/metadata/generation"_json_pointer);
  const int observed = intAt(replica_set, "/status/observedGeneration"_json_pointer);
  if (observed >= generation) {
    info.ready = intAt(replica_set, "/status/readyReplicas"_json_pointer);
    info.available = intAt(replica_set, "/status/availableReplicas"_json_pointer);
  }
  const json& annotations = replica_set.value("/metadata/annotations"_json_pointer, json::object());
  const auto annotation = [&](const char* key) {
    return annotations.contains(key) && annotations[key].is_string()
               ? annotations[key].get<std::string>()
               : std::string();
  };
  try {
    info.revision = std::stoi(annotation(kRevisionAnnotation));
  } catch (const std::exception&) {
    info.revision = 0;
  }
  info.role = annotation(kRoleAnnotation);
  info.scale_down_deadline = core::parseRfc3339(annotation(kScaleDownDeadlineAnnotation));
  info.image = stringAt(replica_set, "/spec/template/spec/containers/0/image"_json_pointer);
  return info;
}

json withRoleMetadata(const RolloutSpec& spec, json pod_template, const std::string& role) {
  if (!spec.canary) return pod_template;
  json& metadata = pod_template["metadata"];
  if (!metadata.is_object()) metadata = json::object();
  const json& mine = role == "canary" ? spec.canary->canary_metadata : spec.canary->stable_metadata;
  const json& other =
      role == "canary" ? spec.canary->stable_metadata : spec.canary->canary_metadata;
  for (const char* part : {"labels", "annotations"}) {
    if (other.contains(part)) removeKeys(metadata[part], other[part]);
    if (mine.contains(part)) overlay(metadata[part], mine[part]);
    if (metadata.contains(part) && metadata[part].is_object() && metadata[part].empty()) {
      metadata.erase(part);
    }
  }
  return pod_template;
}

json withoutRoleMetadata(const RolloutSpec& spec, json pod_template) {
  if (!spec.canary || !pod_template.contains("metadata")) return pod_template;
  json& metadata = pod_template["metadata"];
  for (const json* role : {&spec.canary->canary_metadata, &spec.canary->stable_metadata}) {
    for (const char* part : {"labels", "annotations"}) {
      if (!role->contains(part) || !metadata.contains(part) || !metadata[part].is_object()) {
        continue;
      }
      for (const auto& [key, value] : (*role)[part].items()) {
        if (metadata[part].contains(key) && metadata[part][key] == value) metadata[part].erase(key);
      }
      if (metadata[part].empty()) metadata.erase(part);
    }
  }
  return pod_template;
}

namespace {

// Every value `want` sets is in `have` (which may hold more: defaults the apiserver added).
bool derives(const json& want, const json& have) {
  if (want.is_object()) {
    if (!have.is_object()) return want.empty() && have.is_null();
    for (const auto& [key, value] : want.items()) {
      const bool empty =
          value.is_null() || ((value.is_object() || value.is_array()) && value.empty());
      if (!have.contains(key)) {
        if (!empty) return false;
        continue;
      }
      if (!derives(value, have[key])) return false;
    }
    return true;
  }
  if (want.is_array()) {
    if (!have.is_array() || have.size() != want.size()) return false;
    for (std::size_t i = 0; i < want.size(); ++i) {
      if (!derives(want[i], have[i])) return false;
    }
    return true;
  }
  if (want.is_number() && have.is_number()) return want.get<double>() == have.get<double>();
  return want == have;
}

json comparable(const RolloutSpec& spec, json pod_template) {
  pod_template = withoutRoleMetadata(spec, std::move(pod_template));
  if (pod_template.contains("metadata") && pod_template["metadata"].contains("labels")) {
    pod_template["metadata"]["labels"].erase(kPodTemplateHashLabel);
  }
  if (pod_template.contains("metadata")) pod_template["metadata"].erase("creationTimestamp");
  return pod_template;
}

}  // namespace

std::string revisionHash(const RolloutSpec& spec, const json& pod_template,
                         const std::vector<json>& replica_sets) {
  const json want = comparable(spec, pod_template);
  const std::string hash = podTemplateHash(want);
  for (const auto& rs : replica_sets) {
    const json& labels = rs.value("/metadata/labels"_json_pointer, json::object());
    if (labels.value(kPodTemplateHashLabel, "") == hash) return hash;
  }
  for (const auto& rs : replica_sets) {
    const json& labels = rs.value("/metadata/labels"_json_pointer, json::object());
    const std::string existing = labels.value(kPodTemplateHashLabel, "");
    if (existing.empty()) continue;
    if (derives(want, comparable(spec, rs.value("/spec/template"_json_pointer, json::object())))) {
      return existing;
    }
  }
  return hash;
}

json buildReplicaSet(const RolloutSpec& spec, const json& pod_template, const std::string& hash,
                     int replicas, int revision, const std::string& role) {
  json pod = withRoleMetadata(spec, pod_template, role);
  pod["metadata"]["labels"][kPodTemplateHashLabel] = hash;
  json selector = spec.selector;
  selector["matchLabels"][kPodTemplateHashLabel] = hash;
  json labels = pod["metadata"]["labels"];
  return json{
      {"apiVersion", "apps/v1"},
      {"kind", "ReplicaSet"},
      {"metadata",
       {{"name", spec.name + "-" + hash},
        {"namespace", spec.namespace_},
        {"labels", labels},
        {"annotations", {{kRevisionAnnotation, std::to_string(revision)}, {kRoleAnnotation, role}}},
        {"ownerReferences", json::array({{{"apiVersion", "argoproj.io/v1alpha1"},
                                          {"kind", "Rollout"},
                                          {"name", spec.name},
                                          {"uid", spec.uid},
                                          {"controller", true},
                                          {"blockOwnerDeletion", true}}})}}},
      {"spec",
       {{"replicas", replicas},
        {"minReadySeconds", spec.min_ready_seconds},
        {"selector", selector},
        {"template", pod}}}};
}

core::Result<json> resolvePodTemplate(const RolloutSpec& spec, const json* deployment) {
  if (spec.pod_template) return *spec.pod_template;
  if (deployment == nullptr) {
    return core::notFoundError("spec.workloadRef: Deployment " + spec.namespace_ + "/" +
                               spec.workload_ref->name + " not found");
  }
  const json& pod_template = deployment->value("/spec/template"_json_pointer, json());
  if (!pod_template.is_object()) {
    return core::invalidError("spec.workloadRef: Deployment " + spec.namespace_ + "/" +
                              spec.workload_ref->name + " has no spec.template");
  }
  const json& labels = pod_template.value("/metadata/labels"_json_pointer, json::object());
  if (!selectorMatches(spec.selector, labels)) {
    return core::invalidError(
        "spec.selector: does not match the labels of the template of "
        "Deployment " +
        spec.namespace_ + "/" + spec.workload_ref->name);
  }
  return pod_template;
}

}  // namespace gitopsd::rollout
