#include "manifest/render_cache.h"

#include <algorithm>
#include <utility>

namespace gitopsd::manifest {

RenderCache::RenderCache(std::size_t max_entries)
    : max_entries_(std::max<std::size_t>(1, max_entries)) {}

std::shared_ptr<const ManifestSet> RenderCache::find(const std::string& key) {
  const std::lock_guard lock(mutex_);
  const auto found = slots_.find(key);
  if (found == slots_.end()) {
    ++stats_.misses;
    return nullptr;
  }
  ++stats_.hits;
  order_.splice(order_.begin(), order_, found->second.position);
  return found->second.value;
}

void RenderCache::insert(const std::string& key, std::shared_ptr<const ManifestSet> value) {
  const std::lock_guard lock(mutex_);
  if (const auto found = slots_.find(key); found != slots_.end()) {
    found->second.value = std::move(value);
    order_.splice(order_.begin(), order_, found->second.position);
    return;
  }
  order_.push_front(key);
  slots_.emplace(key, Slot{std::move(value), order_.begin()});
  while (slots_.size() > max_entries_) {
    slots_.erase(order_.back());
    order_.pop_back();
    ++stats_.evictions;
  }
}

RenderCache::Stats RenderCache::stats() const {
  const std::lock_guard lock(mutex_);
  Stats out = stats_;
  out.entries = slots_.size();
  return out;
}

std::optional<SourceType> RenderCache::sourceType(const std::string& folder_id) const {
  const std::lock_guard lock(mutex_);
  const auto found = source_types_.find(folder_id);
  if (found == source_types_.end()) return std::nullopt;
  return found->second;
}

void RenderCache::rememberSourceType(const std::string& folder_id, SourceType type) {
  const std::lock_guard lock(mutex_);
  if (source_types_.size() >= max_entries_) source_types_.clear();  // cheap bound; refilled
  source_types_[folder_id] = type;
}

}  // namespace gitopsd::manifest
