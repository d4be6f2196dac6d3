#include "app/work_queue.h"

namespace gitopsd::app {

void WorkQueue::addLocked(const std::string& key) {
  if (processing_.contains(key)) {
    dirty_.insert(key);
    return;
  }
  if (queued_.insert(key).second) {
    ready_.push_back(key);
    changed_.notify_one();
  }
}

void WorkQueue::add(const std::string& key) {
  const std::lock_guard lock(mutex_);
  if (shut_down_) return;
  addLocked(key);
}

void WorkQueue::addAfter(const std::string& key, std::chrono::milliseconds delay) {
  if (delay <= std::chrono::milliseconds::zero()) return add(key);
  const std::lock_guard lock(mutex_);
  if (shut_down_) return;
  delayed_.emplace(Clock::now() + delay, key);
  changed_.notify_all();
}

void WorkQueue::promoteDueLocked(Clock::time_point now) {
  while (!delayed_.empty() && delayed_.begin()->first <= now) {
    const std::string key = delayed_.begin()->second;
    delayed_.erase(delayed_.begin());
    addLocked(key);
  }
}

std::optional<std::string> WorkQueue::get() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (shut_down_) return std::nullopt;
    promoteDueLocked(Clock::now());
    if (!ready_.empty()) break;
    if (delayed_.empty()) {
      changed_.wait(lock);
    } else {
      // A copy: another worker may pop that entry while this one waits.
      const Clock::time_point next = delayed_.begin()->first;
      changed_.wait_until(lock, next);
    }
  }
  std::string key = std::move(ready_.front());
  ready_.pop_front();
  queued_.erase(key);
  processing_.insert(key);
  return key;
}

void WorkQueue::done(const std::string& key) {
  const std::lock_guard lock(mutex_);
  processing_.erase(key);
  if (dirty_.erase(key) > 0 && !shut_down_) addLocked(key);
}

void WorkQueue::shutDown() {
  const std::lock_guard lock(mutex_);
  shut_down_ = true;
  changed_.notify_all();
}

std::size_t WorkQueue::length() const {
  const std::lock_guard lock(mutex_);
  return ready_.size();
}

}  // namespace gitopsd::app
