#include "kube/informer.h"

#include <random>

#include "kube/rate_limit.h"

namespace gitopsd::kube {
namespace {

using core::Status;
using core::StatusCode;

std::string metadataText(const Object& object, const char* key) {
  const auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return {};
  const auto value = metadata->find(key);
  return value != metadata->end() && value->is_string() ? value->get<std::string>() : std::string();
}

std::string cacheKey(std::string_view namespace_, std::string_view name) {
  std::string key(namespace_);
  key.push_back('/');
  key.append(name);
  return key;
}

std::string cacheKeyOf(const Object& object) {
  return cacheKey(metadataText(object, "namespace"), metadataText(object, "name"));
}

}  // namespace

Informer::Informer(KubeClient& client, GroupVersionKind type, InformerOptions options,
                   core::Logger logger)
    : client_(client),
      type_(std::move(type)),
      options_(std::move(options)),
      logger_(logger.with({{"informer", type_.toString()}})) {}

Informer::~Informer() { stop(); }

void Informer::addHandler(Handler handler) { handlers_.push_back(std::move(handler)); }

void Informer::start() {
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void Informer::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    sync_cv_.notify_all();
    thread_.join();
  }
}

bool Informer::waitForSync(std::chrono::milliseconds timeout) {
  std::unique_lock lock(sync_mutex_);
  return sync_cv_.wait_for(lock, timeout, [this] { return synced_.load(); });
}

ObjectSnapshot Informer::get(std::string_view namespace_, std::string_view name) const {
  std::shared_lock lock(cache_mutex_);
  const auto found = objects_.find(cacheKey(namespace_, name));
  return found == objects_.end() ? nullptr : found->second;
}

std::vector<ObjectSnapshot> Informer::list() const {
  std::shared_lock lock(cache_mutex_);
  std::vector<ObjectSnapshot> out;
  out.reserve(objects_.size());
  for (const auto& [key, object] : objects_) out.push_back(object);
  return out;
}

size_t Informer::size() const {
  std::shared_lock lock(cache_mutex_);
  return objects_.size();
}

std::string Informer::resourceVersion() const {
  std::shared_lock lock(cache_mutex_);
  return resource_version_;
}

bool Informer::sleepFor(std::chrono::milliseconds duration, std::stop_token stop) {
  std::unique_lock lock(sync_mutex_);
  sync_cv_.wait_for(lock, stop, duration, [] { return false; });
  return !stop.stop_requested();
}

void Informer::notify(const std::vector<CacheEvent>& events) {
  for (const auto& event : events) {
    for (const auto& handler : handlers_) handler(event);
  }
}

Status Informer::listAndReplace(std::stop_token stop) {
  ListOptions list_options;
  list_options.label_selector = options_.label_selector;
  list_options.page_size = options_.page_size;
  list_options.drop_managed_fields = options_.drop_managed_fields;
  auto listed = client_.list(type_, options_.namespace_, list_options);
  if (!listed.ok()) return listed.status();
  if (stop.stop_requested()) return {StatusCode::kCancelled, "stopped"};

  std::unordered_map<std::string, ObjectSnapshot> fresh;
  fresh.reserve(listed->items.size());
  for (auto& item : listed->items) {
    std::string key = cacheKeyOf(item);
    fresh.emplace(std::move(key), std::make_shared<const Object>(std::move(item)));
  }
  std::vector<CacheEvent> events;
  {
    std::unique_lock lock(cache_mutex_);
    for (const auto& [key, object] : fresh) {
      const auto old = objects_.find(key);
      if (old == objects_.end()) {
        events.push_back({CacheEventType::kAdded, object, nullptr});
      } else if (metadataText(*old->second, "resourceVersion") !=
                 metadataText(*object, "resourceVersion")) {
        events.push_back({CacheEventType::kUpdated, object, old->second});
      }
    }
    for (const auto& [key, object] : objects_) {
      if (!fresh.contains(key)) events.push_back({CacheEventType::kDeleted, object, nullptr});
    }
    objects_ = std::move(fresh);
    resource_version_ = listed->resource_version;
  }
  notify(events);
  if (!synced_.exchange(true)) {
    std::lock_guard lock(sync_mutex_);
    sync_cv_.notify_all();
  }
  return {};
}

std::optional<CacheEvent> Informer::applyWatchEvent(WatchEvent&& event) {
  const std::string version = metadataText(event.object, "resourceVersion");
  std::unique_lock lock(cache_mutex_);
  if (!version.empty()) resource_version_ = version;
  if (event.type == WatchEventType::kBookmark) return std::nullopt;
  std::string key = cacheKeyOf(event.object);
  ObjectSnapshot object = std::make_shared<const Object>(std::move(event.object));
  const auto old = objects_.find(key);
  if (event.type == WatchEventType::kDeleted) {
    if (old == objects_.end()) return std::nullopt;
    objects_.erase(old);
    return CacheEvent{CacheEventType::kDeleted, object, nullptr};
  }
  if (old == objects_.end()) {
    objects_.emplace(std::move(key), object);
    return CacheEvent{CacheEventType::kAdded, object, nullptr};
  }
  ObjectSnapshot previous = std::move(old->second);
  old->second = object;
  return CacheEvent{CacheEventType::kUpdated, object, std::move(previous)};
}

void Informer::run(std::stop_token stop) {
  Backoff backoff(options_.retry_base, options_.retry_cap, std::random_device{}());
  bool need_list = true;
  while (!stop.stop_requested()) {
    if (need_list) {
      Status listed = listAndReplace(stop);
      if (listed.code() == StatusCode::kCancelled) return;
      if (!listed.ok()) {
        const auto wait = backoff.next();
        logger_.warn(
            "list failed; retrying",
            {{"error", listed.toString()}, {"wait_ms", static_cast<std::int64_t>(wait.count())}});
        if (!sleepFor(wait, stop)) return;
        continue;
      }
      need_list = false;
      relists_.fetch_add(1);
      backoff.reset();
    }
    WatchOptions watch_options;
    watch_options.resource_version = resourceVersion();
    watch_options.timeout_seconds = options_.watch_timeout_seconds;
    watch_options.label_selector = options_.label_selector;
    watch_options.drop_managed_fields = options_.drop_managed_fields;
    Status watched = client_.watch(
        type_, options_.namespace_, watch_options,
        [this](WatchEvent&& event) {
          if (auto change = applyWatchEvent(std::move(event))) notify({*change});
          return true;
        },
        stop);
    if (stop.stop_requested() || watched.code() == StatusCode::kCancelled) return;
    watch_restarts_.fetch_add(1);
    if (watched.ok()) {
      backoff.reset();
      continue;  // the server ended the stream; resume from the last version
    }
    if (watched.code() == StatusCode::kGone) {
      logger_.info("watch version expired; relisting", {{"error", watched.toString()}});
      need_list = true;
      continue;
    }
    const auto wait = backoff.next();
    logger_.warn("watch failed; resuming", {{"error", watched.toString()},
                                            {"wait_ms", static_cast<std::int64_t>(wait.count())}});
    if (!sleepFor(wait, stop)) return;
  }
}

}  // namespace gitopsd::kube
