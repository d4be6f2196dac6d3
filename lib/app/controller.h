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
// Threads: start() launches the workers, the Git poller and the resync ticker; callbacks from
// informers only enqueue. Every public member may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "app/live_cache.h"
#include "app/state_store.h"
#include "app/status.h"
#include "app/work_queue.h"
#include "config/application.h"
#include "core/clock.h"
#include "core/log.h"
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

 private:
  struct AppRuntime;
  struct Desired;

  void worker();
  void poller(std::stop_token stop);
  void reconcile(const std::string& name);
  core::Status executeSync(const std::string& name, const ManagedApp& app, kube::KubeClient& client,
                           LiveCache& live, const std::vector<sync::ResourceState>& states,
                           const std::string& commit, const sync::PlanOptions& plan_options,
                           const std::string& initiated_by, AppStatus& status,
                           std::map<core::ResourceKey, std::string>& applied_versions);
  // Waits until every object is healthy (kinds without a health check count as soon as they
  // exist); kInvalid when one is Degraded, kTimeout, kCancelled when stopping.
  core::Status waitFor(LiveCache& live, const std::vector<kube::ObjectRef>& objects,
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

  std::vector<std::jthread> threads_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> started_{false};
};

}  // namespace gitopsd::app
