#include "app/live_cache.h"

#include "app/tracking.h"

namespace gitopsd::app {

LiveCache::LiveCache(kube::KubeClient& client, core::Logger logger, ChangeHandler on_change,
                     LiveCacheMetrics metrics)
    : client_(client), logger_(std::move(logger)), on_change_(std::move(on_change)) {
  if (!metrics.cluster.empty()) {
    collector_ = core::ScopedCollector(
        metrics.registry != nullptr ? *metrics.registry : core::defaultMetrics(),
        [this, cluster = metrics.cluster](core::Emitter& out) { collectMetrics(out, cluster); });
  }
}

LiveCache::~LiveCache() {
  collector_.reset();
  const std::unique_lock lock(informers_mutex_);
  for (auto& [type, informer] : informers_) informer->stop();
}

core::Status LiveCache::ensure(const kube::GroupVersionKind& type,
                               std::chrono::milliseconds timeout) {
  const std::lock_guard start(start_mutex_);
  kube::Informer* informer = nullptr;
  {
    const std::shared_lock lock(informers_mutex_);
    if (const auto found = informers_.find(type); found != informers_.end()) {
      informer = found->second.get();
    }
  }
  if (informer == nullptr) {
    if (auto resource = client_.resourceFor(type); !resource.ok()) return resource.status();
    auto created = std::make_unique<kube::Informer>(client_, type, kube::InformerOptions{},
                                                    logger_.with({{"type", type.toString()}}));
    created->addHandler([this, type](const kube::CacheEvent& event) { onEvent(event, type); });
    created->start();
    informer = created.get();
    const std::unique_lock lock(informers_mutex_);
    informers_.emplace(type, std::move(created));
  }
  if (!informer->waitForSync(timeout)) {
    return core::Status(core::StatusCode::kTimeout,
                        "the watch cache of " + type.toString() + " did not sync in time");
  }
  return {};
}

void LiveCache::onEvent(const kube::CacheEvent& event, const kube::GroupVersionKind& type) {
  std::set<std::string> apps;
  auto refOf = [&](const kube::Object& object) {
    const auto& metadata = object["metadata"];
    return LiveRef{type, metadata.value("namespace", ""), metadata.value("name", "")};
  };
  {
    const std::lock_guard lock(index_mutex_);
    if (event.old_object) {
      if (auto owner = owningApp(*event.old_object)) {
        owned_[*owner].erase(refOf(*event.old_object));
        apps.insert(*owner);
      }
    }
    if (event.object) {
      if (auto owner = owningApp(*event.object)) {
        if (event.type == kube::CacheEventType::kDeleted) {
          owned_[*owner].erase(refOf(*event.object));
        } else {
          owned_[*owner].insert(refOf(*event.object));
        }
        apps.insert(*owner);
      }
    }
  }
  for (const auto& app : apps) on_change_(app);
  std::vector<TypeHandler> handlers;
  {
    const std::lock_guard lock(handlers_mutex_);
    if (const auto found = type_handlers_.find(type); found != type_handlers_.end()) {
      handlers = found->second;
    }
  }
  for (const auto& handler : handlers) handler(event);
}

void LiveCache::addTypeHandler(const kube::GroupVersionKind& type, TypeHandler handler) {
  const std::lock_guard lock(handlers_mutex_);
  type_handlers_[type].push_back(std::move(handler));
}

std::vector<kube::ObjectSnapshot> LiveCache::list(const kube::GroupVersionKind& type) const {
  const std::shared_lock lock(informers_mutex_);
  const auto found = informers_.find(type);
  if (found == informers_.end()) return {};
  return found->second->list();
}

void LiveCache::collectMetrics(core::Emitter& out, const std::string& cluster) const {
  std::map<std::pair<std::string, std::string>, size_t> counts;  // (group, kind); versions summed
  {
    const std::shared_lock lock(informers_mutex_);
    for (const auto& [type, informer] : informers_) {
      counts[{type.group, type.kind}] += informer->size();
    }
  }
  for (const auto& [group_kind, count] : counts) {
    out.gauge("gitopsd_watch_cache_objects",
              "Objects held in the watch cache, by cluster, API group and kind.",
              {"cluster", "group", "kind"}, {cluster, group_kind.first, group_kind.second},
              static_cast<double>(count));
  }
}

kube::ObjectSnapshot LiveCache::get(const kube::GroupVersionKind& type, std::string_view namespace_,
                                    std::string_view name) const {
  const std::shared_lock lock(informers_mutex_);
  const auto found = informers_.find(type);
  if (found == informers_.end()) return nullptr;
  return found->second->get(namespace_, name);
}

std::vector<LiveRef> LiveCache::ownedBy(const std::string& app) const {
  const std::lock_guard lock(index_mutex_);
  const auto found = owned_.find(app);
  if (found == owned_.end()) return {};
  return {found->second.begin(), found->second.end()};
}

}  // namespace gitopsd::app
