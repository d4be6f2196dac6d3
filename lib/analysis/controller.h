// AnalysisRunController: the analysis engine's controller in the gitopsd process. It takes
// every argoproj.io/v1alpha1 AnalysisRun in the watched namespaces (those the rollout engine
// creates and those written by hand) and runs it as Argo Rollouts' analysis controller does:
// resolves its arguments (Secrets read fresh from the apiserver, never cached), measures each
// metric when it is due through its provider (SkyWalking, Prometheus, Web), evaluates the
// success and failure conditions, applies the limits, and writes the status in Argo's shape
// until the run completes. A completed run is never touched again.
//
// Level-triggered on the shared watch cache (app::ReconcileLoop): a pass reads the run fresh,
// measures what decide() says is due, concludes, writes the whole object (AnalysisRuns have no
// status subresource; a conflict plans again at once), and queues the run again when its next
// metric is due. Measurements block on the network, so they run on the controller's workers,
// several runs at once; one run's metrics are measured one after another.
//
// Errors an AnalysisRun's author can fix end the run with Error and say why, in Argo's words:
// "Unable to resolve metric arguments: args.token: Secret default/x: not found", "Analysis
// spec invalid: ...". Everything else (the apiserver unreachable, a write refused) is retried
// with a backoff, and the run keeps its status.
//
// Metrics: gitopsd_analysis_run_total{phase} (runs this process completed),
// gitopsd_analysis_measurement_duration_seconds{provider}. Events on the run when it
// completes: AnalysisRun<Phase>, "Analysis Completed. Result: <Phase>" (Warning unless
// Successful).
//
// Thread safety: start/stop from one thread; the rest runs on the controller's own threads.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "analysis/providers/provider.h"
#include "app/events.h"
#include "app/live_cache.h"
#include "app/reconcile_loop.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "kube/client.h"

namespace gitopsd::analysis {

struct AnalysisRunControllerOptions : app::ObjectControllerOptions {
  AnalysisRunControllerOptions() {
    workers = 4;  // measurements wait on the network
    field_manager = "gitopsd-analysis";
  }
};

class AnalysisRunController {
 public:
  // client and cache (the application controller's watch cache of the same cluster) outlive
  // the controller.
  AnalysisRunController(AnalysisRunControllerOptions options, kube::KubeClient& client,
                        app::LiveCache& cache, const core::Clock& clock, core::Logger logger);
  ~AnalysisRunController();  // stop()
  AnalysisRunController(const AnalysisRunController&) = delete;
  AnalysisRunController& operator=(const AnalysisRunController&) = delete;

  // Watches AnalysisRuns (waiting up to cache_sync_timeout for the type to be served, as its
  // CRD may just have been installed) and starts the workers; kNotFound when it never is.
  core::Status start();
  void stop();

  // The AnalysisRuns of the watched namespaces as the watch cache has them, sorted by namespace
  // and name (what GET /api/v1/analysisruns shows).
  std::vector<nlohmann::json> runs() const;

  // One pass over a run, as a worker runs it (for tests).
  void reconcileNow(const std::string& namespace_, const std::string& name);

 private:
  struct Pass;
  std::vector<std::string> keys() const;  // every watched AnalysisRun
  void reconcile(const std::string& key);

  AnalysisRunControllerOptions options_;
  kube::KubeClient& client_;
  app::LiveCache& cache_;
  const core::Clock& clock_;
  core::Logger logger_;
  std::unique_ptr<app::EventRecorder> events_;
  ProviderSet providers_;
  core::CounterFamily& runs_completed_;
  core::HistogramFamily& measurement_seconds_;
  app::ReconcileLoop loop_;
  std::atomic<bool> started_{false};
};

}  // namespace gitopsd::analysis
