#include "kube/rate_limit.h"

#include <algorithm>
#include <cmath>

namespace gitopsd::kube {

TokenBucket::TokenBucket(double qps, int burst, const core::Clock& clock)
    : qps_(qps > 0 ? qps : 1),
      burst_(std::max(burst, 1)),
      clock_(clock),
      tokens_(burst_),
      last_(clock.now()) {}

std::chrono::nanoseconds TokenBucket::reserve() {
  std::lock_guard lock(mutex_);
  const auto now = clock_.now();
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
  // Tokens may go negative: each waiting caller holds a reservation, so callers are served
  // in order and the long-run rate stays qps.
  tokens_ -= 1;
  if (tokens_ >= 0) return std::chrono::nanoseconds(0);
  return std::chrono::nanoseconds(static_cast<long long>(std::ceil(-tokens_ / qps_ * 1e9)));
}

Backoff::Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, unsigned seed)
    : base_(base), cap_(cap), random_(seed) {}

std::chrono::milliseconds Backoff::next() {
  const int shift = std::min(attempt_, 30);
  ++attempt_;
  const long long ceiling =
      std::min<long long>(cap_.count(), base_.count() * (1LL << std::min(shift, 20)));
  std::uniform_int_distribution<long long> pick(ceiling / 2, std::max<long long>(ceiling, 0));
  return std::chrono::milliseconds(pick(random_));
}

}  // namespace gitopsd::kube
