// RolloutController: the rollout engine's second controller in the gitopsd process. It takes
// over argoproj.io/v1alpha1 Rollouts in the watched namespaces and steps them through their
// canary by executing the plans of planCanary (plan.h): it creates, scales and garbage-collects
// the Rollout's ReplicaSets, writes the traffic split through a TrafficRouter (Istio
// VirtualService weights and DestinationRule subset hashes, or canary/stable Service
// selectors), creates the AnalysisRuns of analysis steps and background analysis, and records
// the status in Argo Rollouts' shape, so Argo's CLI (`kubectl argo rollouts`) and Argo CD's
// health check read it. The commands of Argo's CLI (promote, promote --full, abort, retry,
// pause, resume, restart) only patch the Rollout's spec or status; the controller honours those
// fields.
//
// Level-triggered like the application controller: a de-duplicating work queue of
// "namespace/name" keys fed by the shared watch cache (Rollouts, their ReplicaSets and
// AnalysisRuns, the Deployments named by workloadRef, VirtualServices, DestinationRules and
// Services), a periodic resync, and the plan's own timers (pause durations, scale-down
// deadlines); one worker per key at a time; failures retried with a per-key exponential
// backoff. Every pass reads the Rollout fresh from the apiserver (its status is the engine's
// memory, so a restart or kill -9 resumes at the same step) and the rest from the cache.
//
// An invalid Rollout (see parseRollout; also blue-green and experiment steps, which gitopsd does
// not run yet) gets phase Degraded with an InvalidSpec condition naming the field, and nothing
// else in the cluster changes.
//
// Thread safety: start/stop from one thread; the rest runs on the controller's own threads.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "app/events.h"
#include "app/live_cache.h"
#include "app/reconcile_loop.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "kube/client.h"
#include "rollout/plan.h"
#include "rollout/spec.h"
#include "rollout/traffic_router.h"

namespace gitopsd::rollout {

struct RolloutControllerOptions : app::ObjectControllerOptions {
  RolloutControllerOptions() { field_manager = "gitopsd-rollouts"; }
};

class RolloutController {
 public:
  // client and cache (the application controller's watch cache of the same cluster) outlive
  // the controller.
  RolloutController(RolloutControllerOptions options, kube::KubeClient& client,
                    app::LiveCache& cache, const core::Clock& clock, core::Logger logger);
  ~RolloutController();  // stop()
  RolloutController(const RolloutController&) = delete;
  RolloutController& operator=(const RolloutController&) = delete;

  // Watches the types it needs and starts the workers; waits up to cache_sync_timeout for the
  // Rollout type to be served (CRDs just installed). kNotFound when it never is (install the
  // CRDs); optional types (Istio, AnalysisRuns) are watched when served at start.
  core::Status start();
  void stop();

  // One pass over a Rollout, as a worker runs it (for tests and the API's refresh).
  void reconcileNow(const std::string& namespace_, const std::string& name);

 private:
  struct Pass;
  std::vector<std::string> keys() const;  // every watched Rollout
  void reconcile(const std::string& key);
  void enqueueFor(const kube::CacheEvent& event, const std::string& source_kind);
  // Carries out the plan: ReplicaSets, traffic, AnalysisRuns, in that order; stops at the first
  // failure (the next pass plans again from what happened).
  core::Status execute(Pass& pass, const RolloutSpec& spec, const kube::Object& pod_template,
                       const Plan& plan, TrafficRouter* router,
                       const std::optional<TrafficState>& observed_traffic);
  core::Status setRole(Pass& pass, const RolloutSpec& spec, const std::string& rs_name,
                       const std::string& hash, const std::string& role);

  RolloutControllerOptions options_;
  kube::KubeClient& client_;
  app::LiveCache& cache_;
  const core::Clock& clock_;
  core::Logger logger_;
  std::unique_ptr<app::EventRecorder> events_;
  app::ReconcileLoop loop_;
  std::atomic<bool> started_{false};
  core::ScopedCollector collector_;
  mutable std::mutex phases_mutex_;
  std::map<std::string, std::pair<std::string, std::string>> phases_;  // key → (phase, strategy)
};

}  // namespace gitopsd::rollout
