#include "app/work_queue.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

using gitopsd::app::WorkQueue;
using namespace std::chrono_literals;

TEST_CASE("work queue: a key added twice is processed once", "[app]") {
  WorkQueue queue;
  queue.add("a");
  queue.add("b");
  queue.add("a");
  CHECK(queue.length() == 2);
  CHECK(queue.get() == "a");
  CHECK(queue.get() == "b");
  CHECK(queue.length() == 0);
}

TEST_CASE("work queue: a key added while processed comes back once, after done", "[app]") {
  WorkQueue queue;
  queue.add("a");
  REQUIRE(queue.get() == "a");
  queue.add("a");  // changed while a worker has it: not handed to a second worker
  queue.add("a");
  CHECK(queue.length() == 0);
  queue.done("a");
  CHECK(queue.length() == 1);
  CHECK(queue.get() == "a");
  queue.done("a");
  CHECK(queue.length() == 0);
}

TEST_CASE("work queue: delayed keys become ready; shutDown wakes waiting workers", "[app]") {
  WorkQueue queue;
  queue.addAfter("later", 30ms);
  CHECK(queue.length() == 0);
  CHECK(queue.get() == "later");  // blocks about 30 ms
  queue.done("later");
  std::optional<std::string> got = "unset";
  std::thread worker([&] { got = queue.get(); });
  std::this_thread::sleep_for(20ms);
  queue.shutDown();
  worker.join();
  CHECK_FALSE(got.has_value());
  queue.add("ignored");
  CHECK_FALSE(queue.get().has_value());
}

TEST_CASE("work queue: workers racing over delayed keys (checked under ASan)", "[app]") {
  WorkQueue queue;
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < 4; ++i) {
    workers.emplace_back([&] {
      while (auto key = queue.get()) {
        processed.fetch_add(1);
        queue.done(*key);
      }
    });
  }
  for (int round = 0; round < 200; ++round) {
    queue.addAfter("k" + std::to_string(round % 7), std::chrono::milliseconds(round % 3));
  }
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (processed.load() < 7 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  std::this_thread::sleep_for(20ms);
  queue.shutDown();
  for (auto& worker : workers) worker.join();
  CHECK(processed.load() >= 7);  // every key ran at least once; duplicates merged
}
