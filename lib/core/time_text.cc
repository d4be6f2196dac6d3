#include "core/time_text.h"

#include <cstdio>
#include <ctime>

namespace gitopsd::core {

std::string formatRfc3339(std::chrono::system_clock::time_point time) {
  if (time.time_since_epoch().count() == 0) return "";
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

std::optional<std::chrono::system_clock::time_point> parseRfc3339(std::string_view text) {
  const std::string value(text);
  std::tm parts{};
  int used = 0;
  if (std::sscanf(value.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &parts.tm_year, &parts.tm_mon,
                  &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec, &used) != 6 ||
      used != 19) {
    return std::nullopt;
  }
  std::size_t at = 19;
  if (at < value.size() && value[at] == '.') {
    ++at;
    while (at < value.size() && value[at] >= '0' && value[at] <= '9') ++at;
  }
  long offset_seconds = 0;
  const std::string zone = value.substr(at);
  if (zone == "Z" || zone == "z") {
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    int hours = 0;
    int minutes = 0;
    if (std::sscanf(zone.c_str() + 1, "%2d:%2d", &hours, &minutes) != 2) return std::nullopt;
    offset_seconds = (zone[0] == '+' ? 1 : -1) * (hours * 3600L + minutes * 60L);
  } else {
    return std::nullopt;
  }
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  const std::time_t utc = timegm(&parts);
  if (utc == static_cast<std::time_t>(-1)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(utc - offset_seconds);
}

}  // namespace gitopsd::core
