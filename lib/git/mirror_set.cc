#include "git/mirror_set.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <utility>

#include "git/url.h"

namespace gitopsd::git {

MirrorSet::MirrorSet(MirrorSetOptions options) : options_(std::move(options)) {}

MirrorSet::~MirrorSet() = default;

MirrorSet::Entry* MirrorSet::find(const std::string& url) const {
  const std::string key = normalizeUrl(url);
  std::shared_lock lock(map_mutex_);
  const auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : it->second.get();
}

core::Status MirrorSet::track(const std::string& url) {
  if (url.empty()) return core::invalidError("tracking a repository: the URL is empty");
  std::lock_guard track_lock(track_mutex_);
  if (find(url) != nullptr) return core::okStatus();
  std::string key = normalizeUrl(url);
  const auto parsed = parseUrl(url);
  const bool has_password = parsed && !parsed->password.empty();
  auto mirror = Mirror::open(MirrorOptions{.cache_dir = options_.cache_dir,
                                           .url = has_password ? url : key,
                                           .credentials = options_.credentials.find(url),
                                           .logger = options_.logger});
  if (!mirror.ok()) return mirror.status();
  auto entry = std::make_unique<Entry>(key, std::move(mirror).value());
  std::unique_lock lock(map_mutex_);
  entries_.emplace(std::move(key), std::move(entry));
  return core::okStatus();
}

std::vector<std::string> MirrorSet::urls() const {
  std::shared_lock lock(map_mutex_);
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& [key, entry] : entries_) out.push_back(key);
  return out;
}

MirrorSet::PollResult MirrorSet::pollEntry(Entry& entry) {
  PollResult result;
  result.url = entry.url;
  std::lock_guard lock(entry.mutex);
  auto fetched = entry.mirror.fetchIfMoved();
  if (fetched.ok()) {
    result.fetched = *fetched;
  } else {
    result.status = fetched.status();
    options_.logger.warn("polling repository failed",
                         {{"repo", entry.url}, {"error", result.status.toString()}});
  }
  return result;
}

MirrorSet::PollResult MirrorSet::poll(const std::string& url) {
  Entry* entry = find(url);
  if (entry == nullptr) {
    PollResult result;
    result.url = normalizeUrl(url);
    result.status = core::notFoundError("repository " + redactUrl(url) + " is not tracked");
    return result;
  }
  return pollEntry(*entry);
}

std::vector<MirrorSet::PollResult> MirrorSet::pollAll() {
  std::vector<Entry*> entries;
  {
    std::shared_lock lock(map_mutex_);
    for (const auto& [key, entry] : entries_) entries.push_back(entry.get());
  }
  std::vector<PollResult> results(entries.size());
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < entries.size(); i = next++) {
      results[i] = pollEntry(*entries[i]);
    }
  };
  const std::size_t workers =
      std::min(entries.size(), std::max<std::size_t>(options_.max_parallel_fetches, 1));
  {
    std::vector<std::jthread> threads;
    threads.reserve(workers);
    for (std::size_t i = 0; i < workers; ++i) threads.emplace_back(work);
  }
  return results;
}

core::Result<std::string> MirrorSet::resolve(const std::string& url,
                                             const std::string& revision) const {
  Entry* entry = find(url);
  if (entry == nullptr) {
    return core::notFoundError("repository " + redactUrl(url) + " is not tracked");
  }
  std::lock_guard lock(entry->mutex);
  return entry->mirror.resolve(revision);
}

core::Status MirrorSet::withMirror(const std::string& url,
                                   const std::function<core::Status(const Mirror&)>& read) const {
  Entry* entry = find(url);
  if (entry == nullptr) {
    return core::notFoundError("repository " + redactUrl(url) + " is not tracked");
  }
  std::lock_guard lock(entry->mutex);
  return read(entry->mirror);
}

}  // namespace gitopsd::git
