// WorkQueue: the level-triggered queue of the reconcilers (as client-go's workqueue). Keys are
// de-duplicated: a key added while queued is queued once; a key added while a worker processes
// it is queued again once that worker calls done(), so one key is never processed by two
// workers at once and no change is lost. addAfter() delays a key (backoff, periodic resync); a
// sooner add() wins over a pending delayed one.
//
// Thread safety: every member may be called from any thread. get() blocks until a key is ready
// or shutDown() was called (then it returns nullopt at once, also for keys still queued).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace gitopsd::app {

class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;

  void add(const std::string& key);
  void addAfter(const std::string& key, std::chrono::milliseconds delay);

  // The next ready key, marked as processing; nullopt after shutDown().
  std::optional<std::string> get();
  // The worker finished key; requeues it if it was added meanwhile.
  void done(const std::string& key);

  void shutDown();
  std::size_t length() const;  // ready keys (not delayed, not processing)

 private:
  void addLocked(const std::string& key);
  void promoteDueLocked(Clock::time_point now);

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> ready_;
  std::set<std::string> queued_;      // in ready_
  std::set<std::string> processing_;  // handed to a worker
  std::set<std::string> dirty_;       // added while processing
  std::multimap<Clock::time_point, std::string> delayed_;
  bool shut_down_ = false;
};

}  // namespace gitopsd::app
