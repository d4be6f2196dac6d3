// The ReplicaSets a Rollout owns, as Argo Rollouts names and labels them: the pod-template hash,
// the ReplicaSet built for a revision, and the summary of a live ReplicaSet the step planner
// reads. Pure; safe from any thread.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "rollout/spec.h"
#include "rollout/traffic/traffic_spec.h"

namespace gitopsd::rollout {

using TimePoint = std::chrono::system_clock::time_point;

inline constexpr const char* kRevisionAnnotation = "rollout.argoproj.io/revision";
inline constexpr const char* kScaleDownDeadlineAnnotation =
    "argo-rollouts.argoproj.io/scale-down-deadline";
// Which ephemeral metadata (canaryMetadata / stableMetadata) a ReplicaSet's pods carry now.
inline constexpr const char* kRoleAnnotation = "gitopsd.io/rollout-role";

// A short, stable hash of a pod template (FNV-1a over the template's canonical JSON, without
// the pod-template-hash label, encoded with Kubernetes' vowel-free alphabet so it never spells
// words), plus a collision count that changes it when a different template already took it.
std::string podTemplateHash(const nlohmann::json& pod_template, int collision_count = 0);

// What the planner needs of one live ReplicaSet.
struct ReplicaSetInfo {
  std::string name;
  std::string hash;   // its rollouts-pod-template-hash label
  int replicas = 0;   // spec.replicas
  int ready = 0;      // status.readyReplicas, counted only once status caught up with spec
  int available = 0;  // status.availableReplicas, likewise
  int revision = 0;   // rollout.argoproj.io/revision
  std::string role;   // kRoleAnnotation: "stable", "canary" or ""
  std::optional<TimePoint> scale_down_deadline;
  std::string image;  // first container's image, for messages and views
};

// Reads the summary; counts lag behind (status older than metadata.generation) read as 0 ready.
ReplicaSetInfo describeReplicaSet(const nlohmann::json& replica_set);

// The ReplicaSet of one revision: name "<rollout>-<hash>", the template with the hash label and
// the role's ephemeral metadata, selector = rollout selector + hash, an owner reference to the
// Rollout (controller), the revision annotation.
nlohmann::json buildReplicaSet(const RolloutSpec& spec, const nlohmann::json& pod_template,
                               const std::string& hash, int replicas, int revision,
                               const std::string& role);

// The template with one role's metadata (canaryMetadata or stableMetadata) laid over its labels
// and annotations; the role that is not given is removed first, so a promoted canary's pods
// lose their canary labels.
nlohmann::json withRoleMetadata(const RolloutSpec& spec, nlohmann::json pod_template,
                                const std::string& role);

// The template without any role's metadata (a key of canaryMetadata or stableMetadata carrying
// that role's value is removed), the form a template is hashed in: a template copied back from a
// ReplicaSet (`kubectl argo rollouts undo`) hashes like the one it came from.
nlohmann::json withoutRoleMetadata(const RolloutSpec& spec, nlohmann::json pod_template);

// The hash of the revision a template belongs to: the hash of an existing ReplicaSet whose
// template it equals semantically — every field it sets has the same value there, the
// apiserver's defaults aside, role metadata and the hash label ignored (as Argo Rollouts finds
// a revision again after `undo`) — else podTemplateHash of it.
std::string revisionHash(const RolloutSpec& spec, const nlohmann::json& pod_template,
                         const std::vector<nlohmann::json>& replica_sets);

// The pod template a Rollout runs: spec.template, or the referenced Deployment's
// spec.template (workloadRef); kNotFound naming the Deployment when it is missing.
core::Result<nlohmann::json> resolvePodTemplate(const RolloutSpec& spec,
                                                const nlohmann::json* deployment);

}  // namespace gitopsd::rollout
