#include "app/reconcile_loop.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

using gitopsd::app::ReconcileLoop;
using gitopsd::app::ReconcileLoopOptions;
using namespace std::chrono_literals;

namespace {

// Counts the passes of each key and lets a test wait for a number of them.
struct Passes {
  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::string, int> count;

  void add(const std::string& key) {
    const std::lock_guard lock(mutex);
    ++count[key];
    changed.notify_all();
  }
  bool waitFor(const std::string& key, int n, std::chrono::milliseconds limit = 5s) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, limit, [&] { return count[key] >= n; });
  }
  int of(const std::string& key) {
    const std::lock_guard lock(mutex);
    return count[key];
  }
};

}  // namespace

TEST_CASE("reconcile loop: start runs every key once, and the resync runs them again", "[app]") {
  Passes passes;
  ReconcileLoopOptions options;
  options.resync_interval = 200ms;
  ReconcileLoop loop(
      options, [&](const std::string& key) { passes.add(key); },
      [] {
        return std::vector<std::string>{"ns/a", "ns/b"};
      });
  loop.start();
  CHECK(passes.waitFor("ns/a", 1));
  CHECK(passes.waitFor("ns/b", 1));
  CHECK(passes.waitFor("ns/a", 3));  // two resyncs later
  loop.stop();
  const int after_stop = passes.of("ns/a");
  std::this_thread::sleep_for(300ms);
  CHECK(passes.of("ns/a") == after_stop);
}

TEST_CASE("reconcile loop: failures back off exponentially up to the cap; forget resets", "[app]") {
  ReconcileLoopOptions options;
  options.retry_base = 100ms;
  options.retry_cap = 500ms;
  ReconcileLoop loop(
      options, [](const std::string&) {}, [] { return std::vector<std::string>{}; });
  CHECK(loop.retryLater("k") == 100ms);
  CHECK(loop.retryLater("k") == 200ms);
  CHECK(loop.retryLater("k") == 400ms);
  CHECK(loop.retryLater("k") == 500ms);
  CHECK(loop.retryLater("other") == 100ms);                 // per key
  for (int i = 0; i < 40; ++i) (void)loop.retryLater("k");  // no overflow past the cap
  CHECK(loop.retryLater("k") == 500ms);
  loop.forget("k");
  CHECK(loop.retryLater("k") == 100ms);
}

TEST_CASE("reconcile loop: a retried key runs again after its delay", "[app]") {
  Passes passes;
  ReconcileLoopOptions options;
  options.retry_base = 50ms;
  ReconcileLoop* self = nullptr;
  ReconcileLoop loop(
      options,
      [&](const std::string& key) {
        passes.add(key);
        if (passes.of(key) < 3) self->retryLater(key);  // fails twice, then succeeds
      },
      [] { return std::vector<std::string>{"k"}; });
  self = &loop;
  loop.start();
  CHECK(passes.waitFor("k", 3));
  std::this_thread::sleep_for(300ms);
  CHECK(passes.of("k") == 3);
  loop.stop();
}

TEST_CASE("reconcile loop: handlers made by whileRunning fall silent after stop", "[app]") {
  ReconcileLoop loop(
      {}, [](const std::string&) {}, [] { return std::vector<std::string>{}; });
  int calls = 0;
  auto handler = loop.whileRunning([&](const gitopsd::kube::CacheEvent&) { ++calls; });
  const gitopsd::kube::CacheEvent event{};
  handler(event);
  CHECK(calls == 0);  // not started yet
  loop.start();
  handler(event);
  CHECK(calls == 1);
  loop.stop();
  handler(event);
  CHECK(calls == 1);
}
