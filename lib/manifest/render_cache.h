// RenderCache: rendered applications kept by a key that names their content (see
// renderCacheKey in source.h), so a poll whose commit did not change what an application
// renders reuses the earlier result instead of reading and parsing (or running a tool) again.
//
// Bounded: at most max_entries results; inserting past the bound drops the least recently used.
// Values are immutable shared snapshots: a caller may keep one after it was evicted.
//
// Thread safety: every member may be called from any thread at once (one mutex, held only for
// the map operations, never while rendering).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "manifest/manifest_set.h"
#include "manifest/source_type.h"

namespace gitopsd::manifest {

class RenderCache {
 public:
  struct Stats {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::uint64_t evictions = 0;
    std::size_t entries = 0;
  };

  explicit RenderCache(std::size_t max_entries = 4096);

  // The result stored under key (and marks it most recently used), or null.
  std::shared_ptr<const ManifestSet> find(const std::string& key);

  // Stores value under key, replacing an earlier one; evicts beyond max_entries.
  void insert(const std::string& key, std::shared_ptr<const ManifestSet> value);

  Stats stats() const;

  // The source type detected for a folder, by the folder's content id (bounded like the
  // results; a type depends only on the folder's own entries).
  std::optional<SourceType> sourceType(const std::string& folder_id) const;
  void rememberSourceType(const std::string& folder_id, SourceType type);

 private:
  using Order = std::list<std::string>;  // most recently used first
  struct Slot {
    std::shared_ptr<const ManifestSet> value;
    Order::iterator position;
  };

  const std::size_t max_entries_;
  mutable std::mutex mutex_;
  Order order_;
  std::unordered_map<std::string, Slot> slots_;
  std::unordered_map<std::string, SourceType> source_types_;
  Stats stats_;
};

}  // namespace gitopsd::manifest
