// LiveCache: the live state of one cluster for the kinds the applications manage: one
// kube::Informer (all namespaces) per GroupVersionKind, started on first use and kept, plus an
// index of the objects each application owns (tracking.h), kept current by the informers'
// events. Every change to an owned object (also its deletion, and an object taken over or let
// go by an application) calls on_change with the application's name, so the reconciler hears
// about drift as soon as the watch does.
//
// Metrics: given a cluster name (LiveCacheMetrics), the cache reports
// gitopsd_watch_cache_objects{cluster,group,kind}, the objects its informers hold, read when the
// registry is scraped; the collector is removed before the cache is destroyed.
//
// Other controllers of the process (the rollout engine) share the same informers: they add a
// handler per type (called for every event of that type, before or after ensure()) and list or
// get the cached objects, so each type is listed and watched once per cluster.
//
// Thread safety: every member may be called from any thread. on_change and type handlers run on
// informer threads and must not block (they enqueue). ensure() blocks while a new informer
// lists.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/log.h"
#include "core/metrics.h"
#include "core/status.h"
#include "kube/client.h"
#include "kube/informer.h"

namespace gitopsd::app {

struct LiveRef {
  kube::GroupVersionKind type;
  std::string namespace_;
  std::string name;
  friend auto operator<=>(const LiveRef&, const LiveRef&) = default;
};

struct LiveCacheMetrics {
  std::string cluster;                        // the label value; empty: no metrics
  core::MetricsRegistry* registry = nullptr;  // null: core::defaultMetrics()
};

class LiveCache {
 public:
  using ChangeHandler = std::function<void(const std::string& app)>;
  using TypeHandler = std::function<void(const kube::CacheEvent& event)>;

  LiveCache(kube::KubeClient& client, core::Logger logger, ChangeHandler on_change,
            LiveCacheMetrics metrics = {});
  ~LiveCache();  // stops every informer
  LiveCache(const LiveCache&) = delete;
  LiveCache& operator=(const LiveCache&) = delete;

  // Watches type from now on; returns once its informer has synced. kNotFound when the server
  // does not serve the type, kTimeout when the first list takes longer than timeout.
  core::Status ensure(const kube::GroupVersionKind& type, std::chrono::milliseconds timeout);

  // The cached object, or null (missing, or its type not watched).
  kube::ObjectSnapshot get(const kube::GroupVersionKind& type, std::string_view namespace_,
                           std::string_view name) const;

  // Every cached object of type (empty when the type is not watched).
  std::vector<kube::ObjectSnapshot> list(const kube::GroupVersionKind& type) const;

  // Every watched object the application owns.
  std::vector<LiveRef> ownedBy(const std::string& app) const;

  // handler hears every later event of type (the initial list too, when added before ensure()).
  void addTypeHandler(const kube::GroupVersionKind& type, TypeHandler handler);

 private:
  void onEvent(const kube::CacheEvent& event, const kube::GroupVersionKind& type);
  void collectMetrics(core::Emitter& out, const std::string& cluster) const;

  kube::KubeClient& client_;
  core::Logger logger_;
  ChangeHandler on_change_;
  std::mutex start_mutex_;                     // serialises ensure()
  mutable std::shared_mutex informers_mutex_;  // guards informers_ (the map)
  std::map<kube::GroupVersionKind, std::unique_ptr<kube::Informer>> informers_;
  mutable std::mutex index_mutex_;  // guards owned_
  std::map<std::string, std::set<LiveRef>> owned_;
  mutable std::mutex handlers_mutex_;  // guards type_handlers_
  std::map<kube::GroupVersionKind, std::vector<TypeHandler>> type_handlers_;
  core::ScopedCollector collector_;  // last: removed before what it reads
};

}  // namespace gitopsd::app
