#include "core/clock.h"

namespace gitopsd::core {

const SystemClock& SystemClock::instance() {
  static const SystemClock clock;
  return clock;
}

Clock::SteadyTime ManualClock::now() const {
  std::lock_guard lock(mutex_);
  return steady_;
}

Clock::WallTime ManualClock::wallNow() const {
  std::lock_guard lock(mutex_);
  return wall_;
}

void ManualClock::advance(std::chrono::nanoseconds by) {
  std::lock_guard lock(mutex_);
  steady_ += by;
  wall_ += std::chrono::duration_cast<WallTime::duration>(by);
}

}  // namespace gitopsd::core
