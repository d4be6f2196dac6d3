// Client-side request pacing. Pure logic on an injected Clock.
#pragma once

#include <chrono>
#include <mutex>
#include <random>

#include "core/clock.h"

namespace gitopsd::kube {

// Token bucket: `burst` requests at once, refilled at `qps` per second. Thread-safe.
class TokenBucket {
 public:
  TokenBucket(double qps, int burst, const core::Clock& clock);

  // Takes one token and returns how long the caller must wait before sending (zero when a
  // token was available). Waiting callers are served in call order.
  std::chrono::nanoseconds reserve();

 private:
  const double qps_;
  const double burst_;
  const core::Clock& clock_;
  std::mutex mutex_;
  double tokens_;
  core::Clock::SteadyTime last_;
};

// Exponential backoff with jitter: attempt n (from 0) waits a random time in [c/2, c] where
// c = min(cap, base * 2^n), so retries spread out yet never spin. Not thread-safe (one per
// retry loop).
class Backoff {
 public:
  Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, unsigned seed);
  std::chrono::milliseconds next();
  void reset() { attempt_ = 0; }
  int attempts() const { return attempt_; }

 private:
  std::chrono::milliseconds base_;
  std::chrono::milliseconds cap_;
  int attempt_ = 0;
  std::mt19937 random_;
};

}  // namespace gitopsd::kube
