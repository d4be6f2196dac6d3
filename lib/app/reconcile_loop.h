// ReconcileLoop: the worker skeleton of gitopsd's level-triggered object controllers (the
// rollout engine, the analysis engine): a de-duplicating WorkQueue of keys, worker threads that
// hand each ready key to the controller's reconcile function (one worker per key at a time), a
// periodic resync that queues every key again, and a per-key exponential backoff for failed
// passes. The controller decides what a key means and when a pass failed; the loop decides when
// a key runs.
//
// Thread safety: start/stop from one thread; queue(), retryLater(), forget() and the handlers
// made by whileRunning() from any thread. reconcile and keys run on the loop's threads.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/live_cache.h"
#include "app/work_queue.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/status.h"

namespace gitopsd::app {

struct ReconcileLoopOptions {
  int workers = 2;
  std::chrono::milliseconds resync_interval{std::chrono::minutes(5)};
  // A key's n-th consecutive failure is retried after retry_base × 2^(n−1), at most retry_cap.
  std::chrono::milliseconds retry_base{500};
  std::chrono::milliseconds retry_cap{std::chrono::minutes(2)};
};

// What every object controller on a ReconcileLoop (the rollout and analysis engines) is
// configured with.
struct ObjectControllerOptions {
  int workers = 2;
  std::vector<std::string> namespaces;  // watched namespaces; empty: all
  std::string field_manager;            // of the controller's writes
  std::chrono::milliseconds resync_interval{std::chrono::minutes(5)};
  // How long start() waits for the controller's types to be served (CRDs just installed).
  std::chrono::milliseconds cache_sync_timeout{std::chrono::minutes(2)};
  std::chrono::milliseconds retry_base{500};
  std::chrono::milliseconds retry_cap{std::chrono::minutes(2)};
  bool record_events = true;
  core::MetricsRegistry* metrics = &core::defaultMetrics();

  bool watches(const std::string& namespace_) const;
  ReconcileLoopOptions loopOptions() const {
    return {workers, resync_interval, retry_base, retry_cap};
  }
};

class ReconcileLoop {
 public:
  using Reconcile = std::function<void(const std::string& key)>;
  using Keys = std::function<std::vector<std::string>()>;  // every key the controller owns

  ReconcileLoop(ReconcileLoopOptions options, Reconcile reconcile, Keys keys);
  ~ReconcileLoop();  // stop()
  ReconcileLoop(const ReconcileLoop&) = delete;
  ReconcileLoop& operator=(const ReconcileLoop&) = delete;

  // Queues every key, then starts the workers and the resync timer. Idempotent.
  void start();
  // Stops handing out keys, waits for the passes in progress, and silences the handlers made by
  // whileRunning(). Idempotent; a stopped loop does not start again.
  void stop();

  WorkQueue& queue() { return queue_; }

  // Counts a failed pass of key and queues it again after its backoff; returns that delay.
  std::chrono::milliseconds retryLater(const std::string& key);
  // A pass of key succeeded (or the key is gone): its backoff starts again from retry_base.
  void forget(const std::string& key);

  // The handler, called only while the loop runs: the watch cache outlives the controllers and
  // cannot drop a handler, so a stopped controller's handlers fall silent instead.
  LiveCache::TypeHandler whileRunning(LiveCache::TypeHandler handler);

 private:
  void worker();
  void resyncer(std::stop_token stop);
  void queueAll();

  ReconcileLoopOptions options_;
  Reconcile reconcile_;
  Keys keys_;
  WorkQueue queue_;
  std::mutex failures_mutex_;
  std::map<std::string, int> failures_;  // key → consecutive failed passes
  std::vector<std::thread> workers_;
  std::jthread resync_;
  std::atomic<bool> started_{false};
  struct Listening {
    std::mutex mutex;
    bool on = false;
  };
  std::shared_ptr<Listening> listening_ = std::make_shared<Listening>();
};

// Makes cache watch type, waiting up to timeout while the type is not served yet (its CRD may
// just have been installed) and logging once that it waits. kNotFound when it never is served;
// other errors of LiveCache::ensure at once.
core::Status watchWhenServed(LiveCache& cache, const kube::GroupVersionKind& type,
                             std::chrono::milliseconds timeout, const core::Logger& logger);

}  // namespace gitopsd::app
