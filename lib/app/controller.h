// AppController: the core loop. Keeps every application's live state in sync with Git:
// resolves the revision, renders the source (lib/manifest, cached by content), compares the
// desired objects with the live cache by server-side dry-run apply (lib/diff), and, when the
// sync policy says so, applies the difference wave by wave (lib/sync) and prunes what Git no
// longer has. Self-heal re-applies drift as soon as the watch shows it.
//
// Flow: level-triggered. Every trigger (a Git poll that moved a repository, a watch event on an
// owned object, a config change, the periodic resync) adds the application's name to
// a de-duplicated WorkQueue; `workers` threads take names and run one reconcile each, never two
// for the same application at once. A reconcile re-reads everything (spec, commit, render,
// live state) and publishes a new AppStatus; nothing depends on which trigger fired.
//
// Safety:
// - A revision that does not resolve, a render or parse error, an unknown kind or cluster: the
//   application gets a condition (ComparisonError, InvalidSpecError), its last good status stays,
//   and nothing is applied or pruned. Bad input never counts as "no manifests".
// - Only objects whose tracking annotation names the application and the object itself are ever
//   pruned; pruning everything needs syncPolicy.automated.allowEmpty.
// - Automated sync runs once per new revision; with selfHeal also when the live state drifts
//   from the synced revision, with a backoff (2 s, ×3, at most 300 s) while something keeps
//   changing it back, reset once a heal sticks. A failed sync is retried per syncPolicy.retry
//   (default: again at the next trigger, with the same backoff).
// - Sync history and each application's managed objects are written to the StateStore before
//   and after each sync; a sync interrupted by a crash is marked Interrupted at the next start
//   and the application is synced again.
// - stop() lets running syncs finish the object being applied, marks them Terminated and
//   returns; nothing is half-written by gitopsd (each apply is one request).
//
// Metrics (options.metrics): gitopsd_app_info (one series per application: project, repo,
// destination, sync and health status, autosync), gitopsd_app_sync_total{name,phase},
// gitopsd_app_self_heal_total{name}, gitopsd_app_reconcile_duration_seconds{name}.
//
// Threads: start() launches the workers, the Git poller and the resync ticker; callbacks from
// informers only enqueue. Every public member may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "app/events.h"
#include "app/live_cache.h"
#include "app/state_store.h"
#include "app/status.h"
#include "app/work_queue.h"
#include "config/application.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "git/mirror_set.h"
#include "kube/client.h"
#include "manifest/source.h"
#include "sync/plan.h"

namespace gitopsd::app {

// One application as configured, with its destination resolved.
struct ManagedApp {
  config::Application spec;
  std::string cluster;     // the key of the cluster in the controller's clusters map
  std::string spec_error;  // non-empty: InvalidSpecError (unknown cluster, ...); never synced
};

// A sync asked for through the API (Argo CD's sync operation).
struct SyncRequest {
  std::string revision;  // "" = the application's targetRevision
  bool prune = false;    // delete tracked objects that Git no longer has
  bool dry_run = false;  // every write a server-side dry run; no history record
  bool force = false;    // delete and re-create an object the server refuses to update
  std::vector<core::ResourceKey> resources;  // empty: all (hooks run only then)
  std::string requested_by;                  // the API token's name
  std::optional<std::int64_t> rollback_id;   // a rollback: the history record synced to
};

// An application as the API shows it.
struct AppView {
  config::Application spec;
  AppStatus status;  // with status.pending filled in
};

// The desired objects of the revision last compared (as applied: namespace defaulted,
// tracking annotation set).
struct DesiredManifests {
  std::string revision;
  std::vector<nlohmann::json> objects;
};

struct ControllerOptions {
  int workers = 4;
  std::chrono::milliseconds poll_interval{std::chrono::minutes(3)};
  std::chrono::milliseconds poll_jitter{0};  // a random extra delay per poll, at most this
  std::chrono::milliseconds resync_interval{std::chrono::minutes(3)};
  std::chrono::milliseconds watch_sync_timeout{std::chrono::minutes(2)};
  std::chrono::milliseconds wave_timeout{std::chrono::minutes(5)};   // per wave's health
  std::chrono::milliseconds hook_timeout{std::chrono::minutes(10)};  // per hook
  std::chrono::milliseconds self_heal_backoff{std::chrono::seconds(2)};
  std::chrono::milliseconds self_heal_backoff_max{std::chrono::seconds(300)};
  std::string status_dir;  // "" = no status files; else <status_dir>/<app>.json after changes
  manifest::RenderEnvironment render;
  // Where the controller's metrics go (gitopsd_app_*); must outlive the controller.
  core::MetricsRegistry* metrics = &core::defaultMetrics();
  // Kubernetes Events (events.h) in each destination cluster: SyncStarted, SyncSucceeded,
  // SyncFailed and SelfHeal on the application, ResourceCreated/Updated/Deleted on objects.
  bool record_events = true;
};

class AppController {
 public:
  // clusters: name → client, each outliving the controller. mirrors and store too.
  AppController(ControllerOptions options, git::MirrorSet& mirrors, StateStore& store,
                std::map<std::string, kube::KubeClient*> clusters, const core::Clock& clock,
                core::Logger logger);
  ~AppController();  // stop()
  AppController(const AppController&) = delete;
  AppController& operator=(const AppController&) = delete;

  // Replaces the set of applications. New and changed ones are reconciled; removed ones are
  // forgotten, and their objects deleted first when their last spec carried the finalizer
  // resources-finalizer.argocd.argoproj.io (cascade).
  void setApplications(std::vector<ManagedApp> apps);

  void start();
  void stop();

  std::optional<AppStatus> status(const std::string& app) const;

  // --- for the API (all return at once; the work runs on the workers) ---

  std::vector<AppView> views() const;  // sorted by name
  std::optional<AppView> view(const std::string& app) const;

  // Queues a sync and returns its request id; the operation shows in the status as pending,
  // then in operationState (requestId) once it runs. kNotFound: unknown application; kConflict:
  // an operation is already queued or running, or a revision other than the target (or a
  // rollback) while automated sync is on; kInvalid: a resource that is not the
  // application's, or an application with InvalidSpecError.
  core::Result<std::string> requestSync(const std::string& app, SyncRequest request);
  // A sync to the revision of history record `id` (kNotFound when there is none).
  core::Result<std::string> requestRollback(const std::string& app, std::int64_t id,
                                            SyncRequest request);
  // Drops the queued operation, or stops the running one between objects (Terminated).
  // kNotFound when there is neither.
  core::Status terminate(const std::string& app);
  // Fetches the repository and compares again; hard also renders again without the cache and
  // repeats every dry run. kNotFound: unknown application.
  core::Status refresh(const std::string& app, bool hard);
  // refresh(name, false) for every application whose spec matches; returns their names.
  std::vector<std::string> refreshWhere(
      const std::function<bool(const config::Application&)>& matches);

  core::Result<DesiredManifests> manifests(const std::string& app) const;
  core::Result<std::vector<SyncRecord>> history(const std::string& app) const;

  // Started, and every application compared at least once (its live caches synced); else
  // false with the reason.
  bool ready(std::string& reason) const;

  // The watch cache of a configured cluster, shared with the process's other controllers (the
  // rollout engine); null for a cluster that is not configured. Lives as long as the controller.
  LiveCache* liveCache(const std::string& cluster);

 private:
  struct AppRuntime;
  struct Desired;

  void worker();
  void poller(std::stop_token stop);
  void reconcile(const std::string& name);
  struct SyncRun;
  using ScopeLookup = std::function<core::Result<bool>(const kube::GroupVersionKind&)>;
  // The rendered objects as gitopsd applies them: scope from namespaced_of (or a CRD in the
  // same render), namespace defaulted, the tracking annotation set on all but hooks; the scope
  // of each type is added to namespaced_by_type. kInvalid/kNotFound naming file and line.
  static core::Result<std::vector<Desired>> buildDesired(
      const manifest::ManifestSet& set, const config::Application& spec,
      const ScopeLookup& namespaced_of, std::map<kube::GroupVersionKind, bool>& namespaced_by_type);
  core::Status executeSync(const std::string& name, const ManagedApp& app, AppRuntime& rt,
                           kube::KubeClient& client, LiveCache& live,
                           const std::vector<sync::ResourceState>& states,
                           const sync::PlanOptions& plan_options, const SyncRun& run,
                           AppStatus& status,
                           std::map<core::ResourceKey, std::string>& applied_versions);
  // Waits until every object is healthy (kinds without a health check count as soon as they
  // exist); kInvalid when one is Degraded, kTimeout, kCancelled when stopping or terminated.
  core::Status waitFor(LiveCache& live, const AppRuntime& rt,
                       const std::vector<kube::ObjectRef>& objects,
                       std::chrono::milliseconds timeout, std::string_view what);
  void cascadeDelete(const std::string& name, const ManagedApp& app);
  LiveCache* liveCacheFor(const std::string& cluster);
  void publish(const std::string& name, AppStatus status);
  std::shared_ptr<AppRuntime> runtime(const std::string& name) const;

  ControllerOptions options_;
  git::MirrorSet& mirrors_;
  StateStore& store_;
  std::map<std::string, kube::KubeClient*> clusters_;
  const core::Clock& clock_;
  core::Logger logger_;
  WorkQueue queue_;

  mutable std::mutex apps_mutex_;  // guards apps_ and statuses_
  std::map<std::string, std::shared_ptr<AppRuntime>> apps_;
  std::map<std::string, AppStatus> statuses_;
  std::map<std::string, std::unique_ptr<LiveCache>> live_;  // by cluster; guarded by live_mutex_
  std::mutex live_mutex_;
  std::map<std::string, std::unique_ptr<EventRecorder>> events_;  // by cluster; fixed at start

  core::CounterFamily& sync_total_;
  core::CounterFamily& self_heal_total_;
  core::HistogramFamily& reconcile_seconds_;
  core::ScopedCollector app_info_;  // after what it reads (apps_, statuses_)

  std::vector<std::jthread> threads_;
  std::atomic<std::uint64_t> next_request_{1};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> started_{false};
};

}  // namespace gitopsd::app
