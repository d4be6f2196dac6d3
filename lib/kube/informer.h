// Informer: an in-memory copy of every object of one type (optionally one namespace or label
// selector), kept current by list + watch, with handlers called on each change.
//
// It lists (paged), then watches from the list's resourceVersion with bookmarks. A stream the
// server ends is resumed from the last seen resourceVersion; a dropped connection or a server
// restart is retried with backoff and resumed the same way; 410 Gone (the version was
// compacted away) triggers a relist, which is diffed against the cache so handlers see exactly
// the adds, updates and deletes that were missed — nothing lost, nothing twice.
//
// Cached objects are immutable snapshots held by shared_ptr, so readers and handlers never copy
// them and never block the writer. managedFields are dropped from cached objects by default
// (they are most of an object's size and the cache's users do not read them).
//
// Thread safety: get/list/size/synced may be called from any thread. Handlers run on the
// informer's own thread, one at a time, in event order, without the cache lock held (they may
// call get/list). addHandler only before start().
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/log.h"
#include "kube/client.h"

namespace gitopsd::kube {

using ObjectSnapshot = std::shared_ptr<const Object>;

enum class CacheEventType { kAdded, kUpdated, kDeleted };

struct CacheEvent {
  CacheEventType type;
  ObjectSnapshot object;      // the new state; for kDeleted the last known state
  ObjectSnapshot old_object;  // kUpdated only
};

struct InformerOptions {
  std::string namespace_;  // empty: all namespaces (or a cluster-scoped type)
  std::string label_selector;
  int page_size = 500;
  int watch_timeout_seconds = 300;
  bool drop_managed_fields = true;
  std::chrono::milliseconds retry_base{250};
  std::chrono::milliseconds retry_cap{30'000};
};

class Informer {
 public:
  using Handler = std::function<void(const CacheEvent&)>;

  Informer(KubeClient& client, GroupVersionKind type, InformerOptions options, core::Logger logger);
  ~Informer();  // stops and joins
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  void addHandler(Handler handler);
  void start();
  void stop();

  // True once the first list has been loaded (and handlers told about it).
  bool synced() const { return synced_.load(); }
  bool waitForSync(std::chrono::milliseconds timeout);

  ObjectSnapshot get(std::string_view namespace_, std::string_view name) const;
  std::vector<ObjectSnapshot> list() const;
  size_t size() const;
  // The resourceVersion the cache reflects.
  std::string resourceVersion() const;

  // Counters for tests and metrics.
  int relists() const { return relists_.load(); }
  int watchRestarts() const { return watch_restarts_.load(); }

 private:
  void run(std::stop_token stop);
  core::Status listAndReplace(std::stop_token stop);
  // Applies one watch event; returns the events for handlers.
  std::optional<CacheEvent> applyWatchEvent(WatchEvent&& event);
  void notify(const std::vector<CacheEvent>& events);
  bool sleepFor(std::chrono::milliseconds duration, std::stop_token stop);

  KubeClient& client_;
  const GroupVersionKind type_;
  const InformerOptions options_;
  core::Logger logger_;
  std::vector<Handler> handlers_;

  mutable std::shared_mutex cache_mutex_;
  std::unordered_map<std::string, ObjectSnapshot> objects_;  // key "namespace/name"
  std::string resource_version_;

  std::atomic<bool> synced_{false};
  std::mutex sync_mutex_;
  std::condition_variable_any sync_cv_;
  std::atomic<int> relists_{0};
  std::atomic<int> watch_restarts_{0};
  std::jthread thread_;
};

}  // namespace gitopsd::kube
