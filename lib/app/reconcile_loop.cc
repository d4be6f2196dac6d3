#include "app/reconcile_loop.h"

#include <algorithm>
#include <condition_variable>

namespace gitopsd::app {

bool ObjectControllerOptions::watches(const std::string& namespace_) const {
  return namespaces.empty() ||
         std::find(namespaces.begin(), namespaces.end(), namespace_) != namespaces.end();
}

ReconcileLoop::ReconcileLoop(ReconcileLoopOptions options, Reconcile reconcile, Keys keys)
    : options_(options), reconcile_(std::move(reconcile)), keys_(std::move(keys)) {}

ReconcileLoop::~ReconcileLoop() { stop(); }

void ReconcileLoop::start() {
  if (started_.exchange(true)) return;
  {
    const std::lock_guard lock(listening_->mutex);
    listening_->on = true;
  }
  queueAll();
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    workers_.emplace_back([this] { worker(); });
  }
  resync_ = std::jthread([this](std::stop_token stop) { resyncer(stop); });
}

void ReconcileLoop::stop() {
  if (!started_.exchange(false)) return;
  {
    const std::lock_guard lock(listening_->mutex);
    listening_->on = false;
  }
  queue_.shutDown();
  if (resync_.joinable()) {
    resync_.request_stop();
    resync_.join();
  }
  for (auto& worker : workers_) worker.join();
  workers_.clear();
}

std::chrono::milliseconds ReconcileLoop::retryLater(const std::string& key) {
  int streak = 0;
  {
    const std::lock_guard lock(failures_mutex_);
    streak = ++failures_[key];
  }
  const auto delay =
      std::min(options_.retry_base * (1 << std::min(streak - 1, 12)), options_.retry_cap);
  queue_.addAfter(key, delay);
  return delay;
}

void ReconcileLoop::forget(const std::string& key) {
  const std::lock_guard lock(failures_mutex_);
  failures_.erase(key);
}

LiveCache::TypeHandler ReconcileLoop::whileRunning(LiveCache::TypeHandler handler) {
  return [listening = listening_, handler = std::move(handler)](const kube::CacheEvent& event) {
    const std::lock_guard lock(listening->mutex);
    if (listening->on) handler(event);
  };
}

void ReconcileLoop::queueAll() {
  for (const auto& key : keys_()) queue_.add(key);
}

void ReconcileLoop::worker() {
  while (auto key = queue_.get()) {
    reconcile_(*key);
    queue_.done(*key);
  }
}

void ReconcileLoop::resyncer(std::stop_token stop) {
  std::mutex mutex;
  std::condition_variable_any wake;
  while (!stop.stop_requested()) {
    std::unique_lock lock(mutex);
    wake.wait_for(lock, stop, options_.resync_interval, [] { return false; });
    if (stop.stop_requested()) return;
    queueAll();
  }
}

core::Status watchWhenServed(LiveCache& cache, const kube::GroupVersionKind& type,
                             std::chrono::milliseconds timeout, const core::Logger& logger) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (bool logged = false;;) {
    core::Status watching = cache.ensure(type, timeout);
    if (watching.ok() || watching.code() != core::StatusCode::kNotFound ||
        std::chrono::steady_clock::now() >= deadline) {
      return watching;
    }
    if (!logged) {
      logger.info("waiting for the type to be served", {{"type", type.toString()}});
      logged = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

}  // namespace gitopsd::app
