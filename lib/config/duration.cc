#include "config/duration.h"

#include <cstdint>
#include <limits>
#include <string>

namespace gitopsd::config {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Nanoseconds per unit, longest unit names first so "ms" is not read as "m".
struct Unit {
  std::string_view name;
  long double nanos;
};
constexpr Unit kUnits[] = {
    {"ns", 1.0L}, {"us", 1e3L}, {"\xC2\xB5s", 1e3L}, {"\xCE\xBCs", 1e3L},
    {"ms", 1e6L}, {"s", 1e9L},  {"m", 60e9L},        {"h", 3600e9L},
};

}  // namespace

core::Result<Duration> parseDuration(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return core::invalidError("invalid duration \"" + std::string(text) +
                              "\": " + std::string(why) +
                              " (expected e.g. \"30s\", \"5m\", \"1h30m\", \"250ms\")");
  };
  std::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && (rest[0] == '+' || rest[0] == '-')) {
    negative = rest[0] == '-';
    rest.remove_prefix(1);
  }
  if (rest.empty()) return bad("empty");
  if (rest == "0") return Duration{0};
  bool all_digits = true;
  for (const char c : rest) all_digits = all_digits && isDigit(c);
  if (all_digits && !negative && text[0] != '+') {
    if (rest.size() > 12) return bad("out of range");
    return Duration{std::stoll(std::string(rest)) * 1000};
  }
  long double total_nanos = 0;
  while (!rest.empty()) {
    std::size_t i = 0;
    long double value = 0;
    bool any_digit = false;
    while (i < rest.size() && isDigit(rest[i])) {
      value = value * 10 + (rest[i] - '0');
      any_digit = true;
      ++i;
    }
    if (i < rest.size() && rest[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < rest.size() && isDigit(rest[i])) {
        value += scale * (rest[i] - '0');
        scale /= 10;
        any_digit = true;
        ++i;
      }
    }
    if (!any_digit) return bad("expected a number");
    rest.remove_prefix(i);
    const Unit* unit = nullptr;
    for (const auto& candidate : kUnits) {
      if (rest.substr(0, candidate.name.size()) == candidate.name &&
          (unit == nullptr || candidate.name.size() > unit->name.size())) {
        unit = &candidate;
      }
    }
    if (unit == nullptr) return bad(rest.empty() ? "missing unit" : "unknown unit");
    rest.remove_prefix(unit->name.size());
    total_nanos += value * unit->nanos;
    if (total_nanos > 9.2e18L) return bad("out of range");
  }
  const auto millis = static_cast<std::int64_t>(total_nanos / 1e6L);
  return Duration{negative ? -millis : millis};
}

std::string formatDuration(Duration duration) {
  std::int64_t ms = duration.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = ms == std::numeric_limits<std::int64_t>::min() ? std::numeric_limits<std::int64_t>::max()
                                                        : -ms;
  }
  if (ms < 1000) return out + std::to_string(ms) + "ms";
  const std::int64_t hours = ms / 3'600'000;
  const std::int64_t minutes = (ms / 60'000) % 60;
  const std::int64_t seconds = (ms / 1000) % 60;
  const std::int64_t millis = ms % 1000;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) {
    if (minutes > 0 || seconds > 0 || millis > 0) out += std::to_string(minutes) + "m";
  }
  if (seconds > 0 || millis > 0) {
    out += std::to_string(seconds);
    if (millis > 0) {
      std::string fraction = std::to_string(1000 + millis).substr(1);
      while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
      out += "." + fraction;
    }
    out += "s";
  }
  return out;
}

}  // namespace gitopsd::config
