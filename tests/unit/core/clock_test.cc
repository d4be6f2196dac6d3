#include "core/clock.h"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using gitopsd::core::ManualClock;
using gitopsd::core::SystemClock;

TEST_CASE("clock: manual clock moves only when advanced", "[core]") {
  ManualClock clock;
  const auto steady = clock.now();
  const auto wall = clock.wallNow();
  CHECK(clock.now() == steady);
  clock.advance(1500ms);
  CHECK(clock.now() - steady == 1500ms);
  CHECK(clock.wallNow() - wall == 1500ms);
}

TEST_CASE("clock: system clock is monotonic", "[core]") {
  const auto& clock = SystemClock::instance();
  const auto first = clock.now();
  CHECK(clock.now() >= first);
}
