// Health of live Kubernetes objects, with Argo CD's statuses and semantics (gitops-engine's
// built-in checks plus Argo CD's Lua checks for Rollout and CustomResourceDefinition). Pure: no
// I/O, no shared state, safe to call from any thread.
//
// assessHealth(live):
// - null (or not an object): kMissing — the object is in Git but not in the cluster;
// - metadata.deletionTimestamp set: kProgressing "Pending deletion";
// - otherwise the check for its group and kind (any version):
//   apps/Deployment, apps/StatefulSet, apps/DaemonSet, apps/ReplicaSet, /Pod, batch/Job,
//   /Service, networking.k8s.io/Ingress (and extensions/Ingress), /PersistentVolumeClaim,
//   autoscaling/HorizontalPodAutoscaler, /Namespace, apiextensions.k8s.io/
//   CustomResourceDefinition, argoproj.io/Rollout — see health.cc for the rules of each;
// - any other kind has no health check: kHealthy with an empty message. Argo CD gives such
//   objects no health at all and leaves them out of the application's health; callers that
//   want that use hasHealthCheck() before aggregating.
// A field of the wrong type (e.g. a string where spec.replicas is expected) gives kUnknown with
// a message naming the field; assessHealth never throws.
//
// Deliberate differences from Argo CD (documented at each check): a Pod without
// spec.restartPolicy is read with the API default Always; a Job's Suspended condition counts
// only while it is True (Argo CD reads a resumed Job as Healthy); an HPA failure condition
// (AbleToScale/ScalingActive False with a Failed*/Invalid* reason) is Degraded even when an
// AbleToScale=True condition precedes it (Argo CD stops at the first healthy condition);
// Namespace has a check (Active → Healthy, Terminating → Progressing).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gitopsd::health {

enum class HealthStatus { kHealthy, kProgressing, kSuspended, kDegraded, kMissing, kUnknown };

// Argo CD's names: "Healthy", "Progressing", "Suspended", "Degraded", "Missing", "Unknown".
std::string_view healthStatusName(HealthStatus status);
// The inverse of healthStatusName (exact spelling); nullopt for anything else.
std::optional<HealthStatus> parseHealthStatus(std::string_view name);

struct Health {
  HealthStatus status = HealthStatus::kUnknown;
  std::string message;

  friend bool operator==(const Health&, const Health&) = default;
};

Health assessHealth(const nlohmann::json& live);

// Whether assessHealth has a check for this group and kind ("" is the core group).
bool hasHealthCheck(std::string_view group, std::string_view kind);

// The worse of two statuses in Argo CD's order (gitops-engine health.IsWorse), from best to
// worst: Healthy < Suspended < Progressing < Missing < Degraded < Unknown.
HealthStatus worst(HealthStatus a, HealthStatus b);

// The application's health from its resources': the worst status, with the message of the
// first resource that has it. No resources: Healthy.
Health aggregate(const std::vector<Health>& healths);

}  // namespace gitopsd::health
