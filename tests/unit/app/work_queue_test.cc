#include "app/work_queue.h"

#include <catch2/catch.hpp>
#include <thread>

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
