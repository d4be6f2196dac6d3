#include "kube/rate_limit.h"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using gitopsd::core::ManualClock;
using gitopsd::kube::Backoff;
using gitopsd::kube::TokenBucket;

TEST_CASE("rate limit: burst passes at once, then qps paces", "[kube]") {
  ManualClock clock;
  TokenBucket bucket(10, 3, clock);
  CHECK(bucket.reserve() == 0ns);
  CHECK(bucket.reserve() == 0ns);
  CHECK(bucket.reserve() == 0ns);
  CHECK(bucket.reserve() == 100ms);  // fourth waits one token at 10/s
  CHECK(bucket.reserve() == 200ms);  // and the fifth queues behind it
}

TEST_CASE("rate limit: tokens refill with time up to the burst", "[kube]") {
  ManualClock clock;
  TokenBucket bucket(10, 2, clock);
  CHECK(bucket.reserve() == 0ns);
  CHECK(bucket.reserve() == 0ns);
  clock.advance(100ms);
  CHECK(bucket.reserve() == 0ns);
  CHECK(bucket.reserve() == 100ms);
  clock.advance(10s);  // long idle: never more than the burst
  CHECK(bucket.reserve() == 0ns);
  CHECK(bucket.reserve() == 0ns);
  CHECK(bucket.reserve() > 0ns);
}

TEST_CASE("rate limit: backoff grows, stays in its jitter window, caps and resets", "[kube]") {
  Backoff backoff(100ms, 1s, 42);
  for (int attempt = 0; attempt < 8; ++attempt) {
    const auto ceiling = std::min<std::chrono::milliseconds>(1s, 100ms * (1 << attempt));
    const auto wait = backoff.next();
    INFO("attempt " << attempt);
    CHECK(wait >= ceiling / 2);
    CHECK(wait <= ceiling);
  }
  CHECK(backoff.attempts() == 8);
  backoff.reset();
  CHECK(backoff.next() <= 100ms);
}
