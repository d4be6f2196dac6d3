// Clock: the only way code asks for the time, so timing logic (backoff, timeouts, resync) can
// be tested without sleeping. Implementations are thread-safe.
#pragma once

#include <chrono>
#include <mutex>

namespace gitopsd::core {

class Clock {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  using WallTime = std::chrono::system_clock::time_point;

  virtual ~Clock() = default;
  // Monotonic time for durations and deadlines.
  virtual SteadyTime now() const = 0;
  // Calendar time for timestamps shown to people and stored in history.
  virtual WallTime wallNow() const = 0;
};

// The real clocks. instance() lives for the whole program.
class SystemClock final : public Clock {
 public:
  static const SystemClock& instance();
  SteadyTime now() const override { return std::chrono::steady_clock::now(); }
  WallTime wallNow() const override { return std::chrono::system_clock::now(); }
};

// A clock that moves only when told to; both readings advance together.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(WallTime wall_start = WallTime{std::chrono::hours(24 * 365 * 50)})
      : wall_(wall_start) {}

  SteadyTime now() const override;
  WallTime wallNow() const override;
  void advance(std::chrono::nanoseconds by);

 private:
  mutable std::mutex mutex_;
  SteadyTime steady_{};
  WallTime wall_;
};

}  // namespace gitopsd::core
