#include "sync/annotations.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

#include "core/resource_key.h"
#include "sync/internal.h"

namespace gitopsd::sync {

namespace {

constexpr std::array<std::string_view, 35> kKindOrder = {
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
};

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

const kube::Object* annotationsOf(const kube::Object& object) {
  if (!object.is_object()) return nullptr;
  const auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return nullptr;
  const auto annotations = metadata->find("annotations");
  if (annotations == metadata->end() || !annotations->is_object()) return nullptr;
  return &*annotations;
}

std::string stringField(const kube::Object& object, std::string_view a, std::string_view b) {
  if (!object.is_object()) return {};
  const auto outer = object.find(a);
  if (outer == object.end() || !outer->is_object()) return {};
  const auto inner = outer->find(b);
  if (inner == outer->end() || !inner->is_string()) return {};
  return inner->get<std::string>();
}

std::optional<Phase> argoPhase(std::string_view type) {
  if (type == "PreSync") return Phase::kPreSync;
  if (type == "Sync") return Phase::kSync;
  if (type == "PostSync") return Phase::kPostSync;
  if (type == "SyncFail") return Phase::kSyncFail;
  return std::nullopt;
}

std::optional<HookDeletePolicy> argoDeletePolicy(std::string_view value) {
  if (value == "BeforeHookCreation") return HookDeletePolicy::kBeforeHookCreation;
  if (value == "HookSucceeded") return HookDeletePolicy::kHookSucceeded;
  if (value == "HookFailed") return HookDeletePolicy::kHookFailed;
  if (value == "Never") return HookDeletePolicy::kNever;
  return std::nullopt;
}

std::optional<HookDeletePolicy> helmDeletePolicy(std::string_view value) {
  if (value == "before-hook-creation") return HookDeletePolicy::kBeforeHookCreation;
  if (value == "hook-succeeded") return HookDeletePolicy::kHookSucceeded;
  if (value == "hook-failed") return HookDeletePolicy::kHookFailed;
  return std::nullopt;  // Helm knows no other policy; gitops-engine ignores the rest
}

std::string joinItems(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ",";
    out += item;
  }
  return out;
}

}  // namespace

std::string_view phaseName(Phase phase) {
  switch (phase) {
    case Phase::kPreSync:
      return "PreSync";
    case Phase::kSync:
      return "Sync";
    case Phase::kPostSync:
      return "PostSync";
    case Phase::kSyncFail:
      return "SyncFail";
  }
  return "Unknown";
}

std::string_view hookDeletePolicyName(HookDeletePolicy policy) {
  switch (policy) {
    case HookDeletePolicy::kBeforeHookCreation:
      return "BeforeHookCreation";
    case HookDeletePolicy::kHookSucceeded:
      return "HookSucceeded";
    case HookDeletePolicy::kHookFailed:
      return "HookFailed";
    case HookDeletePolicy::kNever:
      return "Never";
  }
  return "Unknown";
}

int kindOrder(std::string_view kind) {
  const auto it = std::find(kKindOrder.begin(), kKindOrder.end(), kind);
  return static_cast<int>(it - kKindOrder.begin());
}

int knownKindCount() { return static_cast<int>(kKindOrder.size()); }

std::string describeObject(const kube::Object& object) {
  core::ResourceKey key;
  if (object.is_object()) {
    const auto api_version = object.find("apiVersion");
    if (api_version != object.end() && api_version->is_string()) {
      const auto text = api_version->get<std::string>();
      const auto slash = text.find('/');
      if (slash != std::string::npos) key.group = text.substr(0, slash);
    }
    const auto kind = object.find("kind");
    if (kind != object.end() && kind->is_string()) key.kind = kind->get<std::string>();
  }
  key.namespace_ = stringField(object, "metadata", "namespace");
  key.name = stringField(object, "metadata", "name");
  if (key.name.empty()) {
    const auto generate_name = stringField(object, "metadata", "generateName");
    if (!generate_name.empty()) key.name = generate_name + "*";
  }
  return key.toString();
}

namespace internal {

core::Result<std::optional<std::string>> annotation(const kube::Object& object,
                                                    std::string_view name, std::string_view label) {
  const kube::Object* annotations = annotationsOf(object);
  if (annotations == nullptr) return std::optional<std::string>();
  const auto it = annotations->find(name);
  if (it == annotations->end()) return std::optional<std::string>();
  if (!it->is_string()) {
    return core::invalidError(std::string(label) + ": annotation " + std::string(name) +
                              " must be a string, not " + it->dump());
  }
  return std::optional<std::string>(it->get<std::string>());
}

core::Result<std::vector<std::string>> annotationList(const kube::Object& object,
                                                      std::string_view name,
                                                      std::string_view label) {
  auto value = annotation(object, name, label);
  if (!value.ok()) return value.status();
  std::vector<std::string> items;
  if (!value->has_value()) return items;
  std::string_view rest = **value;
  while (true) {
    const auto comma = rest.find(',');
    const std::string_view item = trim(rest.substr(0, comma));
    if (!item.empty() && std::find(items.begin(), items.end(), item) == items.end()) {
      items.emplace_back(item);
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return items;
}

core::Result<int> syncWave(const kube::Object& object, std::string_view label) {
  for (const std::string_view name : {kSyncWaveAnnotation, kHelmHookWeightAnnotation}) {
    auto value = annotation(object, name, label);
    if (!value.ok()) return value.status();
    if (!value->has_value()) continue;
    const std::string& text = **value;
    std::string_view digits = text;
    if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
    // from_chars takes a '-' itself; a second sign ("+-1") must not slip through.
    const bool sign_ok = !(text.size() > 1 && text.front() == '+' && text[1] == '-');
    int wave = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), wave);
    if (digits.empty() || !sign_ok || error != std::errc() ||
        end != digits.data() + digits.size()) {
      const bool out_of_range = error == std::errc::result_out_of_range;
      return core::invalidError(std::string(label) + ": annotation " + std::string(name) + ": \"" +
                                text + "\" is " +
                                (out_of_range ? "out of range for a wave" : "not an integer"));
    }
    return wave;
  }
  return 0;
}

core::Result<HookSpec> hookOf(const kube::Object& object, std::string_view label) {
  HookSpec spec;
  auto argo_types = annotationList(object, kHookAnnotation, label);
  if (!argo_types.ok()) return argo_types.status();
  auto argo_present = annotation(object, kHookAnnotation, label);
  if (!argo_present.ok()) return argo_present.status();

  bool has_skip = false;
  bool delete_only = false;  // PreDelete/PostDelete: run by application deletion, not a sync
  std::vector<Phase> phases;
  std::string helm_events;
  if (argo_present->has_value()) {
    for (const auto& type : *argo_types) {
      if (const auto phase = argoPhase(type)) {
        phases.push_back(*phase);
      } else if (type == "Skip") {
        has_skip = true;
      } else if (type == "PreDelete" || type == "PostDelete") {
        delete_only = true;
      } else {
        return core::invalidError(
            std::string(label) + ": annotation " + std::string(kHookAnnotation) +
            ": unknown hook type \"" + type +
            "\" (expected PreSync, Sync, PostSync, SyncFail, Skip, PreDelete or PostDelete)");
      }
    }
    if (has_skip && argo_types->size() == 1) {
      spec.skip = true;
      spec.not_run_reason = "skipped: hook annotation Skip";
      return spec;
    }
    spec.is_hook = true;
  } else {
    auto helm_present = annotation(object, kHelmHookAnnotation, label);
    if (!helm_present.ok()) return helm_present.status();
    if (helm_present->has_value() && **helm_present != "crd-install") {
      auto helm_types = annotationList(object, kHelmHookAnnotation, label);
      if (!helm_types.ok()) return helm_types.status();
      spec.is_hook = true;
      helm_events = joinItems(*helm_types);
      for (const auto& type : *helm_types) {
        if (type == "pre-install" || type == "pre-upgrade") {
          phases.push_back(Phase::kPreSync);
        } else if (type == "post-install" || type == "post-upgrade") {
          phases.push_back(Phase::kPostSync);
        }
      }
    }
  }
  if (!spec.is_hook) return spec;

  std::sort(phases.begin(), phases.end());
  phases.erase(std::unique(phases.begin(), phases.end()), phases.end());
  spec.phases = std::move(phases);
  if (spec.phases.empty()) {
    if (delete_only) {
      spec.not_run_reason =
          "not run by a sync: PreDelete/PostDelete hooks run when the "
          "application is deleted";
    } else if (!helm_events.empty()) {
      spec.not_run_reason = "not run by a sync: Helm hook \"" + helm_events +
                            "\" has no Argo CD equivalent (only pre-/post-install and "
                            "pre-/post-upgrade are)";
    } else {
      spec.not_run_reason = "not run by a sync: hook annotation names no sync phase";
    }
  }

  auto argo_policies = annotationList(object, kHookDeletePolicyAnnotation, label);
  if (!argo_policies.ok()) return argo_policies.status();
  for (const auto& value : *argo_policies) {
    const auto policy = argoDeletePolicy(value);
    if (!policy) {
      return core::invalidError(std::string(label) + ": annotation " +
                                std::string(kHookDeletePolicyAnnotation) + ": unknown policy \"" +
                                value +
                                "\" (expected BeforeHookCreation, HookSucceeded, HookFailed or "
                                "Never)");
    }
    spec.delete_policies.push_back(*policy);
  }
  auto helm_policies = annotationList(object, kHelmHookDeletePolicyAnnotation, label);
  if (!helm_policies.ok()) return helm_policies.status();
  for (const auto& value : *helm_policies) {
    if (const auto policy = helmDeletePolicy(value)) spec.delete_policies.push_back(*policy);
  }
  if (spec.delete_policies.empty()) {
    spec.delete_policies.push_back(HookDeletePolicy::kBeforeHookCreation);
  }
  std::sort(spec.delete_policies.begin(), spec.delete_policies.end());
  spec.delete_policies.erase(std::unique(spec.delete_policies.begin(), spec.delete_policies.end()),
                             spec.delete_policies.end());
  return spec;
}

}  // namespace internal

core::Result<int> syncWave(const kube::Object& object) {
  return internal::syncWave(object, describeObject(object));
}

core::Result<std::vector<std::string>> annotationList(const kube::Object& object,
                                                      std::string_view annotation) {
  return internal::annotationList(object, annotation, describeObject(object));
}

bool hasSyncOption(const kube::Object& object, std::string_view option) {
  const auto items = internal::annotationList(object, kSyncOptionsAnnotation, "");
  if (!items.ok()) return false;
  return std::find(items->begin(), items->end(), option) != items->end();
}

core::Result<HookSpec> hookOf(const kube::Object& object) {
  return internal::hookOf(object, describeObject(object));
}

bool looksLikeHook(const kube::Object& object) {
  const kube::Object* annotations = annotationsOf(object);
  if (annotations == nullptr) return false;
  const auto argo = annotations->find(kHookAnnotation);
  if (argo != annotations->end()) {
    if (!argo->is_string()) return true;
    const auto items = internal::annotationList(object, kHookAnnotation, "");
    return !(items.ok() && items->size() == 1 && items->front() == "Skip");
  }
  const auto helm = annotations->find(kHelmHookAnnotation);
  return helm != annotations->end() &&
         !(helm->is_string() && helm->get<std::string>() == "crd-install");
}

}  // namespace gitopsd::sync
